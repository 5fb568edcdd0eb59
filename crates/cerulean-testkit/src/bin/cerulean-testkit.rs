//! `cerulean-testkit serve`: a real Cerulean server with the Contoso fixtures and the
//! CONNECT proxy, for the interop rig (`interop/run.sh`) and for hand-driven clients.
//!
//! It writes a JSON ready file (atomically: temp file + rename) that tells clients where
//! everything is, then runs until SIGTERM, SIGINT or end of standard input.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use cerulean_directory::{ActionContext, Actor, NewApplication, User};
use cerulean_testkit::{ConnectProxy, FIXTURE_PASSWORD, Fixtures, TestServer, TestServerOptions};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};

/// The seeded first-party Azure CLI client the public-client tests use (INTEROP.md §2.1).
const AZURE_CLI_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

#[derive(Debug, Parser)]
#[command(
    name = "cerulean-testkit",
    about = "Cerulean test rig for interop tests"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start a test server (temporary SQLite database, generated CA, Contoso fixtures) and
    /// a CONNECT proxy to it; write the ready file; run until SIGTERM/SIGINT or stdin EOF.
    Serve {
        /// Where to write the JSON ready file (written atomically once everything listens).
        #[arg(long)]
        ready_file: PathBuf,
        /// Also open a plain-HTTP listener (libhimmelblau's lab route).
        #[arg(long)]
        plain_http: bool,
        /// Keep running when standard input reaches end of file. Without this flag the
        /// server stops when its stdin closes (so a parent that dies takes it along),
        /// unless stdin is /dev/null.
        #[arg(long)]
        ignore_stdin: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_logging();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            ready_file,
            plain_http,
            ignore_stdin,
        } => serve(&ready_file, plain_http, ignore_stdin).await,
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,cerulean_testkit=debug"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

async fn serve(ready_file: &Path, plain_http: bool, ignore_stdin: bool) -> anyhow::Result<()> {
    let server = TestServer::start_with(TestServerOptions {
        plain_http,
        fixtures: true,
        database_url: None,
        data_dir: None,
        https_port: None,
    })
    .await
    .context("starting the test server")?;
    let proxy = ConnectProxy::start(server.https_addr)
        .await
        .context("starting the CONNECT proxy")?;
    let fixtures = server
        .fixtures
        .clone()
        .context("the test server was started without fixtures")?;

    let (client_id, client_secret) = confidential_app(&server, &fixtures).await?;
    let device_ca_path = write_device_ca(&server, &fixtures, ready_file).await?;

    let mut ready = json!({
        "https_url": server.base_url(),
        "port": server.https_addr.port(),
        "proxy_url": proxy.url(),
        "proxy_port": proxy.addr.port(),
        "ca_path": server.ca_path.display().to_string(),
        "tenant_id": fixtures.tenant.id.to_string(),
        "tenant_domain": fixtures.tenant.initial_domain,
        "device_ca_path": device_ca_path.display().to_string(),
        "public_client_id": AZURE_CLI_CLIENT_ID,
        "users": {
            "admin": user_entry(&fixtures.admin),
            "alice": user_entry(&fixtures.alice),
            "bob": user_entry(&fixtures.bob),
        },
        "confidential_app": {
            "client_id": client_id,
            "client_secret": client_secret,
        },
        "pid": std::process::id(),
    });
    if let (Some(addr), Some(obj)) = (server.http_addr, ready.as_object_mut()) {
        obj.insert("http_url".into(), Value::String(format!("http://{addr}")));
        obj.insert("http_port".into(), Value::from(addr.port()));
    }
    write_atomically(ready_file, &serde_json::to_vec_pretty(&ready)?)
        .with_context(|| format!("writing the ready file {}", ready_file.display()))?;
    tracing::info!(
        https = %server.base_url(),
        proxy = %proxy.url(),
        ready_file = %ready_file.display(),
        "test server ready"
    );

    wait_for_stop(ignore_stdin).await;
    tracing::info!("stopping the test server");
    drop(proxy);
    server.stop().await;
    let _ = std::fs::remove_file(ready_file);
    Ok(())
}

/// Creates the fixture tenant's device CA now (as its first join would) and writes its
/// certificate next to the ready file, so clients can check device certificates against
/// it (`openssl verify -CAfile`).
async fn write_device_ca(
    server: &TestServer,
    fixtures: &Fixtures,
    ready_file: &Path,
) -> anyhow::Result<PathBuf> {
    let state = &server.state;
    let ca = state
        .drs
        .cas
        .get(
            &state.directory,
            state.client_cas.as_ref(),
            fixtures.tenant.id,
        )
        .await
        .context("creating the fixture tenant's device CA")?;
    let path = ready_file.with_file_name("device-ca.pem");
    write_atomically(&path, ca.cert_pem().as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn user_entry(user: &User) -> Value {
    json!({
        "upn": user.upn,
        "password": FIXTURE_PASSWORD,
        "object_id": user.id.to_string(),
        "display_name": user.display_name,
    })
}

/// Registers a confidential application with one client secret (client-credentials tests).
async fn confidential_app(
    server: &TestServer,
    fixtures: &Fixtures,
) -> anyhow::Result<(String, String)> {
    let ctx = ActionContext::new(Actor::System);
    let tenant = fixtures.tenant.id;
    let app = server
        .directory
        .create_application(
            &ctx,
            tenant,
            NewApplication {
                display_name: "Interop Daemon".to_string(),
                public_client: false,
                redirect_uris: vec!["https://localhost/interop-daemon".to_string()],
                identifier_uris: Vec::new(),
            },
        )
        .await
        .context("registering the confidential application")?;
    let secret = server
        .directory
        .add_client_secret(&ctx, tenant, app.client_id, "interop", None)
        .await
        .context("adding a client secret")?;
    Ok((
        app.client_id.to_string(),
        secret.plaintext.expose().to_string(),
    ))
}

/// Writes `bytes` beside `path` and renames it into place, so readers never see half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

async fn wait_for_stop(ignore_stdin: bool) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!("cannot listen for SIGTERM: {e}");
            None
        }
    };
    let sigterm = async {
        match term.as_mut() {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    let stdin_eof = async {
        if ignore_stdin || stdin_is_dev_null() {
            return std::future::pending::<()>().await;
        }
        // A blocking read on its own thread: stdin may be a pipe, a FIFO or a terminal.
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin().lock();
            loop {
                match stdin.read(&mut sink) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            let _ = tx.send(());
        });
        let _ = rx.await;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT"),
        () = sigterm => tracing::info!("SIGTERM"),
        () = stdin_eof => tracing::info!("standard input closed"),
    }
}

/// True when stdin is `/dev/null` (a backgrounded shell job, CI without input): EOF there
/// says nothing about the parent, so it must not stop the server.
fn stdin_is_dev_null() -> bool {
    use std::os::fd::AsFd as _;
    use std::os::unix::fs::MetadataExt as _;
    let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
        return true;
    };
    let (Ok(stdin), Ok(null)) = (
        std::fs::File::from(fd).metadata(),
        std::fs::metadata("/dev/null"),
    ) else {
        return false;
    };
    stdin.dev() == null.dev() && stdin.ino() == null.ino()
}
