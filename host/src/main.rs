//! The `zkaccel` command line: parse arguments, set up logging, run the subcommand.

#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// Counts heap bytes so `zkaccel bench` can report each run's peak memory exactly.
#[global_allocator]
static ALLOCATOR: zkaccel::bench::heap::CountingAllocator = zkaccel::bench::heap::CountingAllocator;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_tracing(args.verbose);
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
