// One greeter process says all three greetings: right words and names,
// one pid for all three lines.

use common::{Process, Run, current_process};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Greeter {
    greeting: Vec<String>,
}

impl Run for Greeter {
    fn run(&self) -> common::Result<()> {
        let _ = current_process();
        for (i, g) in self.greeting.iter().enumerate() {
            println!("{g} from Greeter-{} (pid {})", i + 1, std::process::id());
        }
        Ok(())
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let mut p = Process::from_run(Greeter {
            greeting: vec!["bonjour".into(), "hola".into(), "hallo".into()],
        });
        p.start()?;
        p.join()?;
        Ok(())
    })
}
