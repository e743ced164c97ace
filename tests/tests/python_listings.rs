//! The Python programs the pages show beside the Rust code
//! (`book/python/<recipe>.py`, `book/python/mpi/<recipe>.py`): each page
//! includes its listing, each multiprocessing listing runs to the end with
//! exit code 0 and prints what the Rust recipe prints, compared loosely
//! (the page's masks and dropped lines applied to both, every number
//! replaced by `#`, then the same lines in any order), and each mpi4py
//! listing does the same under `mpiexec` with the Python that has mpi4py
//! (`manifest::python::mpi4py_python`). When there is none, the test says
//! so on the terminal: it never passes in silence.

use cookbook_tests::{Run, manifest, normalise, skip, workspace_root};
use regex::Regex;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// A listing's file. `queue.py` would hide the standard library's `queue`
/// module from every program in its folder (Python puts the script's folder
/// first on its path), and `multiprocessing` imports it: so `queue_recipe.py`.
fn listing(recipe: &manifest::Recipe) -> PathBuf {
    let dir = workspace_root().join("book/python");
    match (recipe.is_mpi(), recipe.name.as_str()) {
        (true, name) => dir.join("mpi").join(format!("{name}.py")),
        (false, "queue") => dir.join("queue_recipe.py"),
        (false, name) => dir.join(format!("{name}.py")),
    }
}

fn python_works(check: &str) -> bool {
    Command::new("python3")
        .args(["-c", check])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The lines as the page promises them, then with every number a `#`,
/// sorted: what a Python run and a Rust run must share.
fn shape(text: &str, rules: &manifest::Compare) -> Vec<String> {
    let number = Regex::new(r"\d+").unwrap();
    let mut lines: Vec<String> = normalise(text, rules)
        .iter()
        .map(|l| number.replace_all(l, "#").into_owned())
        .collect();
    lines.sort();
    lines
}

/// The captured output of the recipe's main run, without its command line.
fn captured(recipe: &manifest::Recipe) -> (String, manifest::Compare) {
    let capture = recipe.captures().remove(0);
    let text = std::fs::read_to_string(&capture.file).unwrap();
    let body = text.split_once('\n').map_or("", |(_, b)| b).to_string();
    (body, capture.compare)
}

fn compare(recipe: &manifest::Recipe, stdout: &str) {
    let (rust, rules) = captured(recipe);
    let (ours, theirs) = (shape(&rust, &rules), shape(stdout, &rules));
    assert_eq!(
        theirs.len(),
        ours.len(),
        "{}: the Python listing printed {} lines, the recipe {}\nPython:\n{stdout}",
        recipe.name,
        theirs.len(),
        ours.len()
    );
    assert_eq!(
        theirs, ours,
        "{}: the Python listing's lines differ from the recipe's\nPython:\n{stdout}",
        recipe.name
    );
}

#[test]
fn every_recipe_page_shows_its_python_listing() {
    for recipe in manifest::load().recipe {
        let file = listing(&recipe);
        assert!(file.exists(), "{}: no {}", recipe.name, file.display());
        let relative = file
            .strip_prefix(workspace_root().join("book"))
            .unwrap()
            .display()
            .to_string();
        let page = std::fs::read_to_string(recipe.page()).unwrap();
        let include = format!("```python\n{{{{#include ../../{relative}}}}}\n```");
        assert!(
            page.contains(&include),
            "{} does not show {relative} in a python block",
            recipe.page().display()
        );
        let code = std::fs::read_to_string(&file).unwrap();
        if code.contains("time.sleep") {
            assert!(
                code.contains("COOKBOOK_TIME_SCALE")
                    && code.contains("The cookbook's tests run the sleeps faster"),
                "{}: its sleeps must follow COOKBOOK_TIME_SCALE, and say so",
                file.display()
            );
        }
    }
}

#[test]
fn multiprocessing_listings_print_what_the_recipes_print() {
    if !python_works("import multiprocessing") {
        skip(
            "multiprocessing_listings_print_what_the_recipes_print",
            "python3 not found",
        );
        return;
    }
    for recipe in manifest::load().recipe.iter().filter(|r| !r.is_mpi()) {
        let file = listing(recipe);
        let out = Run::program("python3", &format!("python3 {}", recipe.name))
            .args([file.to_str().unwrap()])
            // Unbuffered, Python writes a line's text and its newline in two
            // writes, and lines from several processes can be torn apart.
            // The listings are meant to run as a reader runs them.
            .env("PYTHONUNBUFFERED", "")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            // A tenth of the book's pacing, not the tests' hundredth: the
            // background listing's daemon sleeps before its last line, and
            // at 10 ms a loaded machine can let it print that line before
            // the main program's exit terminates it.
            .time_scale(0.1)
            .timeout(Duration::from_secs(60))
            .run_ok();
        compare(recipe, &out.stdout);
    }
}

#[test]
fn mpi4py_listings_print_what_the_recipes_print() {
    let mpi: Vec<manifest::Recipe> = manifest::load()
        .recipe
        .into_iter()
        .filter(|r| r.is_mpi())
        .collect();
    // The Python with mpi4py and numpy that `cargo xtask setup` makes
    // (under target/; `cargo xtask test` makes it too).
    let Some(python) = manifest::python::mpi4py_python() else {
        skip(
            "mpi4py_listings_print_what_the_recipes_print",
            &format!(
                "no Python with mpi4py and numpy: {} mpi4py listings were not run (`cargo xtask setup` makes one under target/)",
                mpi.len()
            ),
        );
        return;
    };
    for recipe in &mpi {
        let file = listing(recipe);
        let np = recipe.np.unwrap_or(1).to_string();
        let out = Run::program("mpiexec", &format!("mpiexec python3 {}", recipe.name))
            .args(["-n", &np, python.to_str().unwrap(), file.to_str().unwrap()])
            .env("PYTHONUNBUFFERED", "")
            .timeout(Duration::from_secs(60))
            .run_ok();
        compare(recipe, &out.stdout);
    }
}

/// The introduction's `cargo xtask compare --all` table, captured from a
/// real run (`cargo xtask compare --all --out book/src/outputs/compare-all.txt`),
/// has a row for every recipe and no failed run.
#[test]
fn the_introduction_shows_a_compare_table_of_every_recipe() {
    let root = workspace_root().join("book/src");
    let intro = std::fs::read_to_string(root.join("introduction.md")).unwrap();
    assert!(
        intro.contains("{{#include outputs/compare-all.txt}}"),
        "introduction.md does not include outputs/compare-all.txt"
    );
    let table = std::fs::read_to_string(root.join("outputs/compare-all.txt")).unwrap();
    assert!(
        table.starts_with("$ cargo xtask compare --all\n"),
        "compare-all.txt was not captured from `cargo xtask compare --all`"
    );
    // The page says at which pace the table was taken: the run's own line.
    let scale = table
        .lines()
        .nth(1)
        .and_then(|l| l.strip_prefix("(sleeps scaled by COOKBOOK_TIME_SCALE="))
        .and_then(|l| l.split_whitespace().next())
        .expect("compare-all.txt's second line gives the time scale");
    assert!(
        intro.contains(&format!("the sleeps scaled by {scale})")),
        "introduction.md should say the table's sleeps were scaled by {scale}"
    );
    for recipe in manifest::load().recipe {
        let row = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(recipe.name.as_str()))
            .unwrap_or_else(|| panic!("compare-all.txt has no row for {}", recipe.name));
        assert!(
            row.contains(" 0 !") && !row.contains('*'),
            "compare-all.txt: {} has unexplained differences or a failed run: {row}",
            recipe.name
        );
    }
}
