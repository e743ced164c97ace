//! Exercise: a pipeline of three processes.
//!
//! `numbers` sends 0 to 9 down a pipe; `squares` squares each number and
//! sends it on; the main program prints what comes out, then "End".
//!
// TODO: add a third stage, `plus_one`, between `squares` and the main
// program, that adds 1 to each number. It needs a pipe of its own. The
// check wants 1 2 5 10 17 26 37 50 65 82, one per line, then End; and, as
// `squares` does, the new stage prints "stage plus_one (pid <its pid>)"
// when it starts: each stage in a process of its own.

use common::{Connection, Process, pipe};

fn numbers(output: Connection) -> common::Result<()> {
    for i in 0..10u64 {
        output.send(&i)?;
    }
    Ok(())
}

fn squares((input, output): (Connection, Connection)) -> common::Result<()> {
    println!("stage squares (pid {})", std::process::id());
    loop {
        match input.recv::<u64>() {
            Ok(n) => output.send(&(n * n))?,
            Err(e) if e.is_eof() => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let (a_in, a_out) = pipe(true)?;
        let (b_in, b_out) = pipe(true)?;
        let mut first = Process::with_args(numbers, a_in);
        let mut second = Process::with_args(squares, (a_out, b_in));
        first.start()?;
        second.start()?;
        loop {
            match b_out.recv::<u64>() {
                Ok(n) => println!("{n}"),
                Err(e) if e.is_eof() => break,
                Err(e) => return Err(e),
            }
        }
        println!("End");
        first.join()?;
        second.join()
    })
}
