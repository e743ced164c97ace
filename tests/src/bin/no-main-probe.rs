//! A test helper, not a recipe: a program that starts a process without
//! calling `common::main` first. Under `spawn` the child runs `main` from
//! the top, which would start another child, and so on; `common` must
//! refuse with one clear error instead.

use common::{Process, StartMethod};

fn child() {
    println!("child ran");
}

fn main() {
    if let Some(method) = std::env::args()
        .nth(1)
        .and_then(|m| m.parse::<StartMethod>().ok())
    {
        common::set_start_method(method);
    }
    println!("main starts a process");
    let mut p = Process::new(child);
    if let Err(e) = p.start().and_then(|()| p.join()) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
