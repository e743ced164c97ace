//! Building the book, and the checks mdBook does not make: every include
//! points at a file and an anchor that exist, and every recipe of
//! `recipes.toml` has its page in the summary and its captured output
//! (and timeline picture).

use crate::{Failure, Result};
use manifest::workspace_root;
use std::path::Path;

pub fn build(serve: bool) -> Result {
    check()?;
    let book = workspace_root().join("book");
    let book = book.to_str().expect("utf-8 path");
    if serve {
        crate::run(
            "mdbook",
            &["serve", book, "--hostname", "127.0.0.1", "--port", "3000"],
        )
    } else {
        crate::run("mdbook", &["build", book])?;
        api()?;
        println!(
            "xtask: the book is in book/build/index.html, common's API in book/build/api/common/"
        );
        Ok(())
    }
}

/// Builds `common`'s API documentation (rustdoc) into `book/build/api`,
/// where the pages link to it, and checks that every such link lands on
/// a page rustdoc made.
fn api() -> Result {
    crate::run(
        &crate::cargo(),
        &[
            "doc",
            "--package",
            "common",
            "--features",
            "mpi",
            "--no-deps",
        ],
    )?;
    let from = manifest::target_dir().join("doc");
    let to = workspace_root().join("book/build/api");
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(&from, &to).map_err(|e| Failure::new(format!("copying the API docs: {e}")))?;
    let mut pages = Vec::new();
    collect_pages(&workspace_root().join("book/src"), &mut pages);
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap_or_default();
        for link in text
            .split("](../")
            .skip(1)
            .filter_map(|rest| rest.split(')').next())
        {
            let Some(path) = link.strip_prefix("api/") else {
                continue;
            };
            let path = path.split('#').next().unwrap_or(path);
            if !to.join(path).is_file() {
                broken.push(format!("{}: ../api/{path}", page.display()));
            }
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "links to common's API that rustdoc did not make:\n  {}",
            broken.join("\n  ")
        )))
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Checks every page's includes, and that each recipe has a page, listed in
/// SUMMARY.md, and a captured output.
pub fn check() -> Result {
    let src = workspace_root().join("book/src");
    let mut problems = Vec::new();
    let mut pages = Vec::new();
    collect_pages(&src, &mut pages);
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap_or_default();
        for directive in includes(&text) {
            if let Err(problem) = check_include(page, &directive) {
                problems.push(format!("{}: {problem}", page.display()));
            }
        }
    }
    let summary = std::fs::read_to_string(src.join("SUMMARY.md")).unwrap_or_default();
    for recipe in manifest::read().map_err(Failure::new)?.recipe {
        let page = format!("{}/{}.md", recipe.chapter, recipe.name);
        if !summary.contains(&format!("({page})")) {
            problems.push(format!("SUMMARY.md does not list {page}"));
        }
        for capture in recipe.captures() {
            for file in std::iter::once(&capture.file).chain(&capture.timeline) {
                if !file.exists() {
                    problems.push(format!(
                        "no captured output {} (run `cargo xtask outputs {}`)",
                        file.display(),
                        recipe.name
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        println!(
            "xtask: book check: {} pages, every include resolves",
            pages.len()
        );
        Ok(())
    } else {
        Err(Failure::new(format!(
            "book check failed:\n  {}",
            problems.join("\n  ")
        )))
    }
}

fn collect_pages(dir: &Path, pages: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_pages(&path, pages);
        } else if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    pages.sort();
}

/// The arguments of `{{#include ...}}` and `{{#rustdoc_include ...}}`.
fn includes(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (start, _) in text.match_indices("{{#") {
        let rest = &text[start + 3..];
        let Some(end) = rest.find("}}") else { continue };
        let inner = rest[..end].trim();
        if let Some(arg) = inner
            .strip_prefix("include ")
            .or_else(|| inner.strip_prefix("rustdoc_include "))
        {
            found.push(arg.trim().to_string());
        }
    }
    found
}

fn check_include(page: &Path, directive: &str) -> std::result::Result<(), String> {
    let (file, anchor) = match directive.split_once(':') {
        Some((f, a)) => (f, Some(a)),
        None => (directive, None),
    };
    let path = page.parent().expect("page dir").join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
    // A line range (`:10:20`) needs no anchor; a name does.
    if let Some(anchor) = anchor.filter(|a| !a.chars().next().is_some_and(|c| c.is_ascii_digit())) {
        let open = format!("ANCHOR: {anchor}");
        let close = format!("ANCHOR_END: {anchor}");
        if !text.lines().any(|l| l.trim_end().ends_with(&open))
            || !text.lines().any(|l| l.trim_end().ends_with(&close))
        {
            return Err(format!("{file} has no anchor '{anchor}'"));
        }
    }
    Ok(())
}
