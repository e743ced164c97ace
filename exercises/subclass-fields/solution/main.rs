//! A solution: the field travels to the child with the value (it is
//! serialized), as a Python subclass's attributes are pickled.

use common::{Process, Run, current_process};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Greeter {
    greeting: String,
}

impl Run for Greeter {
    fn run(&self) -> common::Result<()> {
        println!(
            "{} from {} (pid {})",
            self.greeting,
            current_process().name,
            std::process::id()
        );
        Ok(())
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        for greeting in ["bonjour", "hola", "hallo"] {
            let mut p = Process::from_run(Greeter {
                greeting: greeting.to_string(),
            });
            p.start()?;
            p.join()?;
        }
        Ok(())
    })
}
