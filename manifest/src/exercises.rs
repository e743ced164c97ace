//! `exercises/exercises.toml`: the classroom exercises, in the order
//! `cargo xtask exercise next` offers them. It is the one list: the
//! exercises' cargo workspace (`exercises/Cargo.toml`) must name the same
//! crates, which [`check_members`] verifies (the tests and `cargo xtask
//! exercise verify` call it).

use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercises {
    pub exercise: Vec<Exercise>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// The crate's name and folder: `exercises/<name>`.
    pub name: String,
    /// The recipe whose page the exercise belongs to.
    pub recipe: String,
    /// What the student edits, inside the exercise's folder.
    pub file: String,
    /// How hard it is: 1 (change a line or two), 2 (a few lines, one new
    /// idea), 3 (a design of your own: several steps, or an algorithm).
    pub level: u8,
}

impl Exercise {
    /// The exercise's crate folder.
    pub fn dir(&self) -> PathBuf {
        dir().join(&self.name)
    }
}

/// The exercises' folder, a cargo workspace of its own.
pub fn dir() -> PathBuf {
    crate::workspace_root().join("exercises")
}

/// Reads `exercises/exercises.toml`.
pub fn read() -> Result<Vec<Exercise>, String> {
    let path = dir().join("exercises.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let list: Exercises = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Some(e) = list.exercise.iter().find(|e| !(1..=3).contains(&e.level)) {
        return Err(format!(
            "{}: exercise {}: level {} is not 1, 2 or 3",
            path.display(),
            e.name,
            e.level
        ));
    }
    Ok(list.exercise)
}

/// Reads `exercises/exercises.toml`, or panics (for the tests).
pub fn load() -> Vec<Exercise> {
    read().unwrap_or_else(|e| panic!("{e}"))
}

/// Fails, naming the differences, unless `exercises/Cargo.toml`'s
/// workspace members are exactly the exercises of `exercises.toml`.
pub fn check_members() -> Result<(), String> {
    #[derive(Deserialize)]
    struct CargoToml {
        workspace: Workspace,
    }
    #[derive(Deserialize)]
    struct Workspace {
        members: Vec<String>,
    }
    let path = dir().join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let cargo: CargoToml = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let members: BTreeSet<String> = cargo.workspace.members.into_iter().collect();
    let listed: BTreeSet<String> = read()?.into_iter().map(|e| e.name).collect();
    let mut problems = Vec::new();
    for name in listed.difference(&members) {
        problems.push(format!(
            "exercise {name} is in exercises.toml but not a member of exercises/Cargo.toml"
        ));
    }
    for name in members.difference(&listed) {
        problems.push(format!(
            "{name} is a member of exercises/Cargo.toml but not listed in exercises.toml"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_exercise_workspace_has_exactly_the_listed_exercises() {
        super::check_members().unwrap();
    }

    #[test]
    fn every_exercise_has_its_folder_and_file() {
        for e in super::load() {
            let file = e.dir().join(&e.file);
            assert!(file.exists(), "{}: no {}", e.name, file.display());
        }
    }
}
