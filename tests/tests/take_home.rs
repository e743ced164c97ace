//! The "Taking a recipe home" page's promise: the programs in `take-home/`
//! build in a project of their own, outside the workspace, with nothing but
//! crates from the registry, and print what the recipes print.
//!
//! The test copies `take-home/` (following its links into the
//! shared-memory recipe) into a fresh folder under the target directory,
//! builds it there (offline first, from the registry cache; online if the
//! cache lacks a crate), runs every program, and removes the folder. The
//! build shares `target/take-home`, so only the first run is slow.

use cookbook_tests::{Run, manifest, normalise, workspace_root};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Copies `from` into `to`, following symbolic links (a reader copying
/// files gets their contents, not links into our tree).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if source.is_dir() {
            copy_tree(&source, &target);
        } else {
            std::fs::copy(&source, &target).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        }
    }
}

/// Removes the folder when the test ends, passed or failed.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn build(project: &Path, target: &Path) {
    build_bins(project, target, &["--bins"]);
}

fn build_bins(project: &Path, target: &Path, what: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = project.join("Cargo.toml");
    let attempt = |offline: bool| {
        let mut args = vec!["build", "--quiet"];
        args.extend(what);
        args.push("--manifest-path");
        args.push(manifest.to_str().unwrap());
        if offline {
            args.push("--offline");
        }
        Run::program(&cargo, "cargo build (take-home)")
            .args(args)
            .env("CARGO_TARGET_DIR", target.to_str().unwrap())
            // The first build compiles ipc-channel, mpi and their
            // dependencies: minutes on a busy machine; later ones, seconds.
            .timeout(Duration::from_secs(1500))
            .run()
    };
    let offline = attempt(true);
    if offline.code() != 0 {
        eprintln!(
            "take-home: the offline build failed (a crate missing from the registry cache?); trying online\n{}",
            offline.stderr
        );
        attempt(false).assert_success();
    }
}

#[test]
fn the_take_home_programs_build_alone_and_print_what_the_recipes_print() {
    let source = workspace_root().join("take-home");
    let toml = std::fs::read_to_string(source.join("Cargo.toml")).unwrap();
    assert!(
        !toml.contains("path =") && !toml.contains("workspace = true") && !toml.contains("git ="),
        "take-home/Cargo.toml must name registry crates only"
    );
    let target = manifest::target_dir().join("take-home");
    let scratch = Scratch(target.join(format!("project-{}", std::process::id())));
    copy_tree(&source, &scratch.0);
    build(&scratch.0, &target);
    let bin = |name: &str| target.join("debug").join(name);

    // pipe: the recipe's exact lines.
    let out = Run::program(bin("pipe"), "take-home pipe").run_ok();
    let expected: Vec<String> = (0..10_u64)
        .map(|i| (i * i).to_string())
        .chain(["End".to_string()])
        .collect();
    assert_eq!(out.lines(), expected);

    // queue: the items of the recipe's captured run (same seed), in order.
    let out = Run::program(bin("queue"), "take-home queue")
        .args(["--seed", "2015"])
        .run_ok();
    let captured =
        std::fs::read_to_string(workspace_root().join("book/src/outputs/queue.txt")).unwrap();
    let items = |text: &str, what: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with(what))
            .map(str::to_string)
            .collect()
    };
    for what in ["Process Producer", "Process Consumer", "the queue is empty"] {
        assert_eq!(items(&out.stdout, what), items(&captured, what), "{what}");
    }

    // shared-memory: attached by another program, and nothing left behind.
    let before = cookbook_tests::dev_shm();
    let out = Run::program(bin("shared-memory"), "take-home shared-memory").run_ok();
    let lines = out.lines();
    assert!(
        lines[1].ends_with("by name and read [22, 33, 44, 55, 100]"),
        "{lines:?}"
    );
    assert_eq!(
        lines[2..],
        [
            "the creator reads HOWDY",
            "ShareableList: [1, 2, 30]",
            "after shutdown: 0 of the manager's names left in /dev/shm"
        ]
    );
    assert_eq!(
        cookbook_tests::dev_shm(),
        before,
        "the take-home shared-memory left a block"
    );

    // Every MPI recipe: the page's captured output, under the launcher.
    for recipe in manifest::load().recipe.iter().filter(|r| r.is_mpi()) {
        let capture = recipe.captures().remove(0);
        assert!(
            capture.args.is_empty(),
            "{}: the take-home runs the defaults",
            recipe.name
        );
        let np = recipe.np.expect("MPI recipes name their rank count");
        let out = Run::program(bin(&recipe.name), &format!("take-home {}", recipe.name))
            .ranks(np)
            .timeout(Duration::from_secs(60))
            .run_ok();
        let text = std::fs::read_to_string(&capture.file).unwrap();
        let body = text.split_once('\n').map_or("", |(_, b)| b);
        assert_eq!(
            normalise(&out.stdout, &capture.compare),
            normalise(body, &capture.compare),
            "take-home {} (np {np}) differs from {}",
            recipe.name,
            capture.file.display()
        );
    }
}

// ANCHOR: path_dependency
/// The rest of the recipes need `common`: a project of one's own depends on
/// it by path (or by git, the same line with `git = ...`). Checked with the
/// spawn recipe's `main.rs`, copied as it is.
#[test]
fn a_recipe_builds_in_a_project_of_its_own_with_common_by_path() {
    let root = workspace_root();
    let target = manifest::target_dir().join("take-home");
    let scratch = Scratch(target.join(format!("with-common-{}", std::process::id())));
    std::fs::create_dir_all(scratch.0.join("src")).unwrap();
    let cargo_toml = format!(
        r#"[package]
name = "my-spawn"
version = "0.1.0"
edition = "2024"

[dependencies]
common = {{ path = "{}" }}
clap = {{ version = "4.5", features = ["derive"] }}

[workspace]
"#,
        root.join("common").display()
    );
    std::fs::write(scratch.0.join("Cargo.toml"), cargo_toml).unwrap();
    std::fs::copy(
        root.join("ch3-multiprocessing/spawn/src/main.rs"),
        scratch.0.join("src/main.rs"),
    )
    .unwrap();
    build_bins(&scratch.0, &target, &[]);
    let out = Run::program(target.join("debug/my-spawn"), "my-spawn").run_ok();
    let captured = std::fs::read_to_string(root.join("book/src/outputs/spawn.txt")).unwrap();
    let body: Vec<&str> = captured.lines().skip(1).collect();
    assert_eq!(out.lines(), body);
}
// ANCHOR_END: path_dependency
