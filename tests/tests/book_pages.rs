//! The pages a teacher uses beside the recipes: the glossary, the cheat
//! sheets and the learning objectives. Their links must lead somewhere
//! (mdBook does not check anchors), every term the chapters lean on must
//! be defined and linked, and each chapter must state what it teaches.

use cookbook_tests::workspace_root;
use regex::Regex;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    workspace_root().join("book/src")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The ids mdBook gives a page's headings: lower case, spaces to `-`,
/// anything but letters, digits, `-` and `_` dropped.
fn anchors(page: &str) -> BTreeSet<String> {
    let mut fence = false;
    let mut ids = BTreeSet::new();
    for line in page.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
        }
        if fence || !line.starts_with('#') {
            continue;
        }
        let text = line.trim_start_matches('#').trim();
        let id: String = text
            .chars()
            .filter_map(|c| match c {
                c if c.is_whitespace() => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
                _ => None,
            })
            .collect();
        ids.insert(id);
    }
    ids
}

/// Every Markdown page of the book.
fn pages() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![src()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Checks each relative link `[..](x.md#anchor)` of `page`: the file
/// exists, and so does the heading.
fn check_links(page: &Path) {
    let link = Regex::new(r"\]\(([^)#:\s]+\.md)(?:#([^)\s]+))?\)").unwrap();
    let text = read(page);
    for c in link.captures_iter(&text) {
        let target = page.parent().unwrap().join(&c[1]);
        assert!(target.exists(), "{}: no page {}", page.display(), &c[1]);
        if let Some(anchor) = c.get(2) {
            assert!(
                anchors(&read(&target)).contains(anchor.as_str()),
                "{}: {} has no heading #{}",
                page.display(),
                &c[1],
                anchor.as_str()
            );
        }
    }
}

#[test]
fn every_link_to_the_glossary_finds_its_term() {
    let terms = anchors(&read(&src().join("glossary.md")));
    let link = Regex::new(r"glossary\.md#([a-z0-9_-]+)").unwrap();
    for page in pages() {
        for c in link.captures_iter(&read(&page)) {
            assert!(
                terms.contains(&c[1]),
                "{}: the glossary has no term #{}",
                page.display(),
                &c[1]
            );
        }
    }
}

#[test]
fn the_chapters_link_the_terms_they_lean_on() {
    let glossary = anchors(&read(&src().join("glossary.md")));
    let chapters: String = pages()
        .iter()
        .filter(|p| !p.ends_with("glossary.md"))
        .map(|p| read(p))
        .collect();
    for term in [
        "rank",
        "communicator",
        "daemon",
        "zombie",
        "orphan",
        "reap",
        "start-method",
        "spawn",
        "fork",
        "forkserver",
        "eager",
        "rendezvous",
        "collective",
        "pidfd",
        "memfd",
        "feeder-thread",
        "chunk",
    ] {
        assert!(
            glossary.contains(term),
            "the glossary does not define {term}"
        );
        assert!(
            chapters.contains(&format!("glossary.md#{term})")),
            "no chapter links the glossary's {term}"
        );
    }
}

#[test]
fn the_glossary_and_the_cheat_sheets_are_in_the_book_and_their_links_work() {
    let summary = read(&src().join("SUMMARY.md"));
    for page in [
        "glossary.md",
        "multiprocessing/cheatsheet.md",
        "mpi/cheatsheet.md",
    ] {
        assert!(
            summary.contains(&format!("]({page})")),
            "SUMMARY.md lacks {page}"
        );
        check_links(&src().join(page));
    }
    // The compact sheet points to the complete table.
    assert!(
        read(&src().join("multiprocessing/cheatsheet.md"))
            .contains("](index.md#processes-and-start-methods)")
    );
    for page in pages() {
        check_links(&page);
    }
}

#[test]
fn each_chapter_states_its_learning_objectives() {
    for chapter in ["multiprocessing", "mpi"] {
        let page = read(&src().join(chapter).join("index.md"));
        let section = page
            .split_once("## What you will be able to do\n")
            .unwrap_or_else(|| panic!("{chapter}/index.md has no objectives"))
            .1;
        let section = section.split("\n## ").next().unwrap();
        let bullets = section.lines().filter(|l| l.starts_with("- ")).count();
        assert!(
            (4..=6).contains(&bullets),
            "{chapter}: {bullets} objectives, not 4 to 6"
        );
    }
}
