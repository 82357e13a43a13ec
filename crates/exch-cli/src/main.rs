//! The `exch` command: market data, account and order queries on any venue of the exch
//! unified API, live market data (`exch watch`), a decoder for raw venue payloads, and
//! `exch demo`, an offline tour against simulated venues.
//!
//! Exit codes: 0 success, 2 usage or configuration error, 1 venue error (the typed kind and the
//! venue's code are printed on stderr).
#![deny(missing_docs)]

mod candles;
mod cli;
mod commands;
mod demo;
mod failure;
mod output;
mod session;
mod time;
mod watch;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::failure::Failure;

fn main() -> ExitCode {
    // Usage errors: clap prints them and exits with code 2 (`--help`/`--version` exit 0).
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return report(&Failure::Io(e)),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = runtime.block_on(commands::run(cli, &mut out));
    let flushed = out.flush().map_err(Failure::Io);
    match result.and(flushed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => report(&f),
    }
}

fn report(f: &Failure) -> ExitCode {
    let text = f.report();
    if !text.is_empty() {
        let _ = io::stderr().write_all(text.as_bytes());
    }
    ExitCode::from(u8::try_from(f.exit_code()).unwrap_or(1))
}
