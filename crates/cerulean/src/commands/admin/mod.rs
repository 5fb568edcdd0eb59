//! `cerulean admin`: offline administration against the store.

mod apps;
mod audit;
mod device_policy;
mod devices;
mod domains;
mod groups;
mod tenants;
mod users;

use cerulean_directory::{ActionContext, Actor, Directory, Tenant};

use crate::cli::{AdminCommand, GlobalArgs};
use crate::context;

pub use device_policy::DevicePolicyCommand;
pub use devices::DeviceCommand;

pub async fn run(global: &GlobalArgs, command: AdminCommand) -> anyhow::Result<()> {
    let config = context::load_config(global, None)?;
    context::init_logging_quiet();
    let directory = context::open_directory(&config).await?;
    let ctx = operator_context();
    let json = global.json;
    match command {
        AdminCommand::Tenant(cmd) => tenants::run(&directory, &ctx, json, cmd).await,
        AdminCommand::Domain(cmd) => domains::run(&directory, &ctx, json, cmd).await,
        AdminCommand::User(cmd) => users::run(&directory, &ctx, json, cmd).await,
        AdminCommand::Group(cmd) => groups::run(&directory, &ctx, json, cmd).await,
        AdminCommand::App(cmd) => apps::run(&directory, &ctx, json, cmd).await,
        AdminCommand::Audit(cmd) => audit::run(&directory, json, cmd).await,
        AdminCommand::Device(cmd) => devices::run(&directory, &ctx, json, cmd).await,
        AdminCommand::DevicePolicy(cmd) => device_policy::run(&directory, &ctx, json, cmd).await,
    }
}

/// Changes made from the CLI are attributed to the OS user running it.
pub fn operator_context() -> ActionContext {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| process_uid().unwrap_or_else(|| "unknown".to_string()));
    ActionContext::new(Actor::Operator(name))
}

/// Resolves a tenant given by id or domain, with an error that says how to list them.
pub async fn tenant(directory: &Directory, key: &str) -> anyhow::Result<Tenant> {
    match directory.resolve_tenant(key).await? {
        Some(t) => Ok(t),
        None => anyhow::bail!(
            "no tenant '{key}': give a tenant id or one of its domains (see `cerulean admin tenant list`)"
        ),
    }
}

/// `uid:N` from /proc when no user name is in the environment (cron, containers).
fn process_uid() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    let uid = line.split_whitespace().nth(1)?;
    Some(format!("uid:{uid}"))
}
