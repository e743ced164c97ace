// The greeters are made with their field, but the main program prints the
// greetings itself instead of starting them: no child says anything (each
// line carries the pid of the process that printed it).

use common::current_process;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Greeter {
    greeting: String,
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let _ = current_process();
        for (i, greeting) in ["bonjour", "hola", "hallo"].into_iter().enumerate() {
            let g = Greeter {
                greeting: greeting.to_string(),
            };
            println!(
                "{} from Greeter-{} (pid {})",
                g.greeting,
                i + 1,
                std::process::id()
            );
        }
        Ok(())
    })
}
