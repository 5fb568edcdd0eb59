//! Shared start-up: configuration with overrides, logging, store and directory.

use std::sync::Arc;

use anyhow::Context as _;
use cerulean_directory::{Directory, Store, SystemClock};
use cerulean_server::Config;

use crate::cli::{GlobalArgs, ServeArgs};

/// Loads the config file (if any), applies env overrides (inside `Config::load`), then
/// flags, and validates the result.
pub fn load_config(global: &GlobalArgs, serve: Option<&ServeArgs>) -> anyhow::Result<Config> {
    let mut config = Config::load(global.config.as_deref())?;
    if let Some(dir) = &global.data_dir {
        config.data.dir = dir.clone();
        config.mark_overridden("data.dir", "--data-dir");
    }
    if let Some(url) = &global.database_url {
        config.database.url = Some(url.clone());
        config.mark_overridden("database.url", "--database-url");
    }
    if let Some(serve) = serve {
        if let Some(listen) = serve.listen {
            config.server.listen = listen;
            config.mark_overridden("server.listen", "--listen");
        }
        if let Some(listen) = serve.http_listen {
            config.server.http_listen = Some(listen);
            config.mark_overridden("server.http_listen", "--http-listen");
        }
        if !serve.hosts.is_empty() {
            config.server.hosts = serve.hosts.clone();
            config.mark_overridden("server.hosts", "--hosts");
        }
    }
    config.validate()?;
    Ok(config)
}

/// Installs the tracing subscriber once (text or JSON, level from config or RUST_LOG).
pub fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{},sqlx=warn", config.log.level)));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.log.format == cerulean_server::LogFormat::Json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The database URL: configured, or the SQLite file in the data directory (created now,
/// owner-only, because it will hold keys and password verifiers).
pub fn database_url(config: &Config) -> anyhow::Result<String> {
    if config.database.url.is_none() {
        create_private_dir(&config.data.dir).with_context(|| {
            format!(
                "cannot create the data directory {}: fix its permissions or choose another with --data-dir",
                config.data.dir.display()
            )
        })?;
    }
    Ok(config.database_url())
}

fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Opens the store (applying migrations) named by the config.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = database_url(config)?;
    let store = cerulean_store::open_store(&url).await?;
    Ok(store)
}

/// Store + rules, ready for the admin commands and the server.
pub async fn open_directory(config: &Config) -> anyhow::Result<Directory> {
    let store = open_store(config).await?;
    Ok(Directory::new(
        store,
        Arc::new(SystemClock),
        config.password_params(),
    )?)
}

/// Logging for one-shot commands: warnings and errors only, unless RUST_LOG says more.
pub fn init_logging_quiet() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
