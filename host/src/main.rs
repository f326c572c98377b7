//! The `zkaccel` command line: parse arguments, set up logging, run the subcommand.

#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// Counts heap bytes so `zkaccel bench` can report each run's peak memory exactly.
#[global_allocator]
static ALLOCATOR: zkaccel::bench::heap::CountingAllocator = zkaccel::bench::heap::CountingAllocator;

fn main() -> ExitCode {
    quiet_headless_vulkan();
    let args = cli::Cli::parse();
    cli::init_tracing(args.verbose, matches!(args.command, cli::Command::Daemon(_)));
    match cli::run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Mesa's Vulkan drivers print "error: XDG_RUNTIME_DIR is invalid or not set" while wgpu lists
/// adapters on a headless machine, though zkaccel never opens a display. Giving them the
/// temporary directory (before any thread starts) keeps `zkaccel devices` free of that noise.
fn quiet_headless_vulkan() {
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
}
