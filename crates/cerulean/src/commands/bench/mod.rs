//! `cerulean bench`: measurements printed as throughput and latency percentiles.

mod authority;
mod baseline;
mod drs;
mod load;
mod prt;
mod seed;
mod server_process;

use anyhow::Context as _;

use crate::cli::{BenchCommand, GlobalArgs};
use crate::context;

pub async fn run(global: &GlobalArgs, command: BenchCommand) -> anyhow::Result<()> {
    context::init_logging_quiet();
    match command {
        BenchCommand::Store { users, concurrency } => {
            // A throwaway SQLite file unless a database is named: benchmarks must not
            // fill an operator's directory with synthetic users.
            let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
            let url = match &global.database_url {
                Some(url) => url.clone(),
                None => scratch.path().join("bench.db").display().to_string(),
            };
            let store = cerulean_store::open_store(&url).await?;
            println!(
                "store benchmark: backend {}, {users} users, concurrency {concurrency}",
                store.backend()
            );
            let report =
                cerulean_store::bench::run_store_benchmark(store, users, concurrency).await?;
            println!("{report}");
        }
        BenchCommand::Authority {
            seconds,
            concurrency,
            users,
        } => {
            authority::run(authority::Options {
                seconds,
                concurrency,
                users,
                database_url: global.database_url.clone(),
            })
            .await?;
        }
        BenchCommand::Drs {
            seconds,
            concurrency,
        } => {
            drs::run(drs::Options {
                seconds,
                concurrency,
                database_url: global.database_url.clone(),
            })
            .await?;
        }
        BenchCommand::Prt {
            seconds,
            concurrency,
        } => {
            prt::run(prt::Options {
                seconds,
                concurrency,
                database_url: global.database_url.clone(),
            })
            .await?;
        }
    }
    Ok(())
}
