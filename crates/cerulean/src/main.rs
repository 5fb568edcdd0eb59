//! `cerulean`: the composition root. It reads configuration, opens the store, builds the
//! directory and the server, and runs the command the operator asked for.

mod cli;
mod commands;
mod context;
mod output;
mod secrets;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => commands::serve::run(&cli.global, &args).await,
            Command::Admin(cmd) => commands::admin::run(&cli.global, cmd).await,
            Command::Quickstart(args) => commands::quickstart::run(&cli.global, &args).await,
            Command::Bench(cmd) => commands::bench::run(&cli.global, cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line that says what went wrong and, where we know, what to do next.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
