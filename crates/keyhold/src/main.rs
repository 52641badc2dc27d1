//! `keyhold`: one binary for the server (`keyhold server`) and the CLI
//! (`keyhold operator ...`, `keyhold key ...`). The CLI talks to a server
//! through the REST client; it never opens the store itself.

mod cli;
mod cmd;
mod output;

use std::process::ExitCode;

use clap::Parser as _;

/// mimalloc instead of the system allocator: the server allocates small,
/// short-lived buffers on every request from many threads, where glibc's
/// malloc showed in profiles (see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cmd::dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}
