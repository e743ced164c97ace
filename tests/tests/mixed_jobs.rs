//! Mixed-language MPI jobs: the mpi4py original as some ranks, the Rust
//! recipe as the others, in one MPMD launch (`mpiexec -n 1 python3
//! broadcast.py : -n 9 target/debug/broadcast`). Every MPI recipe's mixed
//! job (`mixed` in `recipes.toml`) must print what an all-Rust run of the
//! same size prints; and where the two sides disagree on a buffer, a job
//! must give the wrong values or the truncation error that the page
//! "Porting one rank at a time" shows. Without a Python that has mpi4py
//! (`cargo xtask setup` makes one under target/), each test says on the
//! terminal that it skipped: it never passes in silence.

use cookbook_tests::manifest::{self, Recipe, mixed};
use cookbook_tests::{Run, mixed_job, normalise, say, skip};

fn mpi_recipes() -> Vec<Recipe> {
    manifest::load()
        .recipe
        .into_iter()
        .filter(Recipe::is_mpi)
        .collect()
}

/// The groups of ranks of the broadcast's extra run `label`.
fn broadcast_extra(label: &str) -> (Recipe, Vec<mixed::Ranks>) {
    let recipe = mpi_recipes()
        .into_iter()
        .find(|r| r.name == "broadcast")
        .expect("broadcast in recipes.toml");
    let groups = recipe
        .extra
        .iter()
        .find(|e| e.label == label)
        .and_then(|e| e.mixed.clone())
        .unwrap_or_else(|| panic!("recipes.toml: broadcast has no mixed extra '{label}'"));
    (recipe, groups)
}

#[test]
fn every_mpi_recipe_has_a_mixed_job_with_both_languages() {
    for recipe in mpi_recipes() {
        let groups = recipe
            .mixed
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no `mixed` in recipes.toml", recipe.name));
        for lang in [mixed::Lang::Python, mixed::Lang::Rust] {
            assert!(
                groups.iter().any(|g| g.lang == lang && g.n > 0),
                "{}: its mixed job has no {lang:?} rank",
                recipe.name
            );
        }
        assert_eq!(
            Some(mixed::size(groups)),
            recipe.np,
            "{}: the mixed job should have the recipe's default number of ranks",
            recipe.name
        );
    }
}

#[test]
fn mixed_jobs_print_what_all_rust_jobs_print() {
    let recipes = mpi_recipes();
    let mut ran = 0;
    for recipe in &recipes {
        let groups = recipe.mixed.as_ref().expect("checked above");
        let Some(job) = mixed_job(&recipe.name, groups) else {
            skip(
                "mixed_jobs_print_what_all_rust_jobs_print",
                &format!(
                    "no Python with mpi4py: {} mixed jobs were not run (`cargo xtask setup` makes one)",
                    recipes.len()
                ),
            );
            return;
        };
        let mixed = job.run_ok();
        let rust = Run::recipe(&recipe.name)
            .args(&recipe.args)
            .ranks(mixed::size(groups))
            .run_ok();
        let (ours, theirs) = (
            normalise(&rust.stdout, &recipe.compare),
            normalise(&mixed.stdout, &recipe.compare),
        );
        assert!(
            !ours.is_empty(),
            "{}: the all-Rust run printed nothing",
            recipe.name
        );
        assert_eq!(
            theirs,
            ours,
            "{}: `{}` does not print what an all-Rust run prints",
            recipe.name,
            mixed::command_line(&recipe.name, groups)
        );
        ran += 1;
    }
    say(&format!(
        "mixed jobs: {ran} recipes ran with Python and Rust ranks together"
    ));
}

#[test]
fn a_float64_root_gives_rust_ranks_its_bits_as_an_integer() {
    let (recipe, groups) = broadcast_extra("float64");
    let Some(job) = mixed_job(&recipe.name, &groups) else {
        skip(
            "a_float64_root_gives_rust_ranks_its_bits_as_an_integer",
            "no Python with mpi4py",
        );
        return;
    };
    let out = job.run_ok();
    // 100.0's IEEE 754 bits read as an i64: no error, a wrong value.
    let bits = 100.0_f64.to_bits() as i64;
    assert_eq!(bits, 4636737291354636288);
    let rust_ranks = mixed::size(&groups) - 1;
    let wrong: Vec<&str> = out
        .lines()
        .into_iter()
        .filter(|l| l.ends_with(&format!("variable shared  = {bits}")))
        .collect();
    // Python prints the root's array: `[100.]`.
    assert_eq!(
        wrong.len(),
        rust_ranks as usize,
        "every Rust rank should print {bits}:\n{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("(float64, 8 bytes)"),
        "the Python root's line:\n{}",
        out.stdout
    );
}

#[test]
fn a_longer_message_than_the_python_buffer_is_a_truncation_error() {
    let (recipe, groups) = broadcast_extra("truncated");
    let Some(job) = mixed_job(&recipe.name, &groups) else {
        skip(
            "a_longer_message_than_the_python_buffer_is_a_truncation_error",
            "no Python with mpi4py",
        );
        return;
    };
    let out = job.run();
    out.assert_clean();
    assert_ne!(out.code(), 0, "the job should fail:\n{}", out.stdout);
    assert!(
        out.stderr
            .contains("mpi4py.MPI.Exception: Message truncated"),
        "MPI should report the truncation (exit code {}):\n{}\n{}",
        out.code(),
        out.stdout,
        out.stderr
    );
    assert!(
        !out.stdout.contains("(int32"),
        "the Python rank may not print a value:\n{}",
        out.stdout
    );
}

#[test]
fn a_shorter_broadcast_than_the_python_buffer_is_a_size_error() {
    // The page's "Things to try": the Python ranks expect two int64s, the
    // Rust root sends one; in a collective MPICH wants the same size on
    // every rank.
    let groups = vec![
        mixed::Ranks {
            lang: mixed::Lang::Rust,
            n: 1,
            program: None,
            args: Vec::new(),
        },
        mixed::Ranks {
            lang: mixed::Lang::Python,
            n: 2,
            program: Some("bcast_mismatch.py".into()),
            args: vec!["int64".into(), "2".into()],
        },
    ];
    let Some(job) = mixed_job("broadcast", &groups) else {
        skip(
            "a_shorter_broadcast_than_the_python_buffer_is_a_size_error",
            "no Python with mpi4py",
        );
        return;
    };
    let out = job.run();
    out.assert_clean();
    assert_ne!(out.code(), 0, "the job should fail:\n{}", out.stdout);
    assert!(
        out.stderr
            .contains("message sizes do not match across processes in the collective routine"),
        "MPICH should report the sizes (exit code {}):\n{}",
        out.code(),
        out.stderr
    );
}

#[test]
fn a_longer_message_than_a_rust_buffer_aborts_the_job() {
    // rsmpi keeps MPI's default error handler: the Rust rank's truncation
    // aborts the job (MPICH's message may or may not reach stderr first).
    let groups = vec![
        mixed::Ranks {
            lang: mixed::Lang::Python,
            n: 1,
            program: Some("bcast_mismatch.py".into()),
            args: vec!["int64".into(), "2".into()],
        },
        mixed::Ranks {
            lang: mixed::Lang::Rust,
            n: 1,
            program: None,
            args: Vec::new(),
        },
    ];
    let Some(job) = mixed_job("broadcast", &groups) else {
        skip(
            "a_longer_message_than_a_rust_buffer_aborts_the_job",
            "no Python with mpi4py",
        );
        return;
    };
    let out = job.run();
    out.assert_clean();
    assert_ne!(out.code(), 0, "the job should fail:\n{}", out.stdout);
    assert!(
        !out.stdout.contains("variable shared  = 100\n") && !out.stderr.contains("panicked"),
        "the Rust rank may not print a value, nor panic:\n{}\n{}",
        out.stdout,
        out.stderr
    );
}
