//! `cerulean bench authority`: token-endpoint throughput over TLS with keep-alive,
//! against a real `cerulean serve` child process, next to the crypto ceilings.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use cerulean_directory::{ActionContext, Actor, NewApplication};
use serde_json::Value;
use tokio::sync::Mutex;

use super::baseline;
use super::load::{self, LoadResult};
use super::seed::{self, PASSWORD};
use super::server_process::{ServerProcess, megabytes};

/// A seeded first-party public client (the Azure CLI), as real clients send.
const PUBLIC_CLIENT: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

#[derive(Debug, Clone)]
pub struct Options {
    pub seconds: u64,
    pub concurrency: usize,
    pub users: usize,
    /// A database to run against (a fresh tenant is created in it); default: a temporary
    /// SQLite file.
    pub database_url: Option<String>,
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let duration = Duration::from_secs(options.seconds);
    println!(
        "authority benchmark: {} cores, {} concurrent clients, {} s per scenario, TLS with keep-alive",
        baseline::cores(),
        options.concurrency,
        options.seconds
    );

    let mut config = cerulean_server::Config::default();
    config.data.dir = scratch.path().to_path_buf();
    config.database.url = options.database_url.clone();
    let params = config.password_params();
    // A fresh domain per run, so a shared database can be benchmarked repeatedly.
    let domain = seed::fresh_domain()?;
    let secret = seed_tenant(&config, options.users, &domain).await?;
    println!(
        "backend: {}",
        if options.database_url.is_some() {
            "postgres/other (--database-url)"
        } else {
            "sqlite (temporary file)"
        }
    );

    println!("measuring crypto ceilings on all cores …");
    let argon2_ceiling =
        tokio::task::spawn_blocking(move || baseline::argon2_verify_per_second(params, duration))
            .await??;
    let rs256_ceiling =
        tokio::task::spawn_blocking(move || baseline::rs256_sign_per_second(duration)).await??;

    let server = ServerProcess::start(scratch.path(), options.database_url.as_deref())?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("server idle RSS: {}", megabytes(server.rss_bytes()));
    let client = seed::http_client(&scratch.path().join("tls").join("ca.pem"))?;
    let base = format!(
        "https://localhost:{}/{domain}/oauth2/v2.0/token",
        server.port
    );
    let users = options.users;

    let mut results: Vec<LoadResult> = Vec::new();
    {
        let (client, base) = (client.clone(), base.clone());
        let domain: Arc<str> = Arc::from(domain.as_str());
        results.push(
            load::run("ropc (password)", options.concurrency, duration, move |i| {
                let (client, base, domain) = (client.clone(), base.clone(), domain.clone());
                async move {
                    let upn = format!("user{}@{domain}", i % users);
                    let form = [
                        ("grant_type", "password"),
                        ("client_id", PUBLIC_CLIENT),
                        ("scope", GRAPH_SCOPE),
                        ("username", upn.as_str()),
                        ("password", PASSWORD),
                    ];
                    token(&client, &base, &form).await.map(|_| ())
                }
            })
            .await,
        );
    }

    // One refresh token per worker, rotated on every use as a real client would.
    let mut chains = Vec::new();
    for i in 0..options.concurrency {
        let upn = format!("user{}@{domain}", i % users);
        let scope = format!("{GRAPH_SCOPE} offline_access");
        let form = [
            ("grant_type", "password"),
            ("client_id", PUBLIC_CLIENT),
            ("scope", scope.as_str()),
            ("username", upn.as_str()),
            ("password", PASSWORD),
        ];
        let body = token(&client, &base, &form)
            .await
            .map_err(anyhow::Error::msg)?;
        let rt = body["refresh_token"]
            .as_str()
            .context("the password grant returned no refresh_token")?
            .to_string();
        chains.push(Arc::new(Mutex::new(rt)));
    }
    let chains = Arc::new(chains);
    {
        let (client, base) = (client.clone(), base.clone());
        results.push(
            load::run("refresh_token", options.concurrency, duration, move |i| {
                let (client, base, chains) = (client.clone(), base.clone(), chains.clone());
                async move {
                    let Some(chain) = chains.get(i) else {
                        return Err("no chain".to_string());
                    };
                    let mut current = chain.lock().await;
                    let form = [
                        ("grant_type", "refresh_token"),
                        ("client_id", PUBLIC_CLIENT),
                        ("scope", GRAPH_SCOPE),
                        ("refresh_token", current.as_str()),
                    ];
                    let body = token(&client, &base, &form).await?;
                    match body["refresh_token"].as_str() {
                        Some(next) => {
                            *current = next.to_string();
                            Ok(())
                        }
                        None => Err("no rotated refresh_token".to_string()),
                    }
                }
            })
            .await,
        );
    }
    {
        let (client, base) = (client.clone(), base.clone());
        let (client_id, client_secret) = secret.clone();
        results.push(
            load::run(
                "client_credentials",
                options.concurrency,
                duration,
                move |_| {
                    let (client, base) = (client.clone(), base.clone());
                    let (id, secret) = (client_id.clone(), client_secret.clone());
                    async move {
                        let form = [
                            ("grant_type", "client_credentials"),
                            ("client_id", id.as_str()),
                            ("client_secret", secret.as_str()),
                            ("scope", GRAPH_SCOPE),
                        ];
                        token(&client, &base, &form).await.map(|_| ())
                    }
                },
            )
            .await,
        );
    }

    println!();
    println!("{}", LoadResult::header());
    for r in &results {
        println!("{}", r.row());
        if let Some(e) = &r.first_error {
            println!("    first error: {e}");
        }
    }
    println!();
    println!(
        "crypto ceilings (all cores): argon2id verify {argon2_ceiling:.1}/s, RS256 sign {rs256_ceiling:.1}/s"
    );
    if let Some(ropc) = results.first() {
        println!(
            "ropc / argon2id ceiling:             {:.0} %",
            100.0 * ropc.per_second() / argon2_ceiling
        );
    }
    for r in results.iter().skip(1) {
        println!(
            "{:<36} {:.0} %",
            format!("{} / RS256 ceiling:", r.name),
            100.0 * r.per_second() / rs256_ceiling
        );
    }
    println!("server peak RSS: {}", megabytes(server.peak_rss_bytes()));
    if results.iter().any(|r| r.ok == 0) {
        bail!("a scenario completed no request; see the first errors above");
    }
    Ok(())
}

/// Creates the benchmark tenant, its users and a confidential client; returns the
/// client's id and secret.
async fn seed_tenant(
    config: &cerulean_server::Config,
    users: usize,
    domain: &str,
) -> anyhow::Result<(String, String)> {
    let (directory, tenant) = seed::tenant_with_users(config, users, domain).await?;
    let ctx = ActionContext::new(Actor::System);
    let app = directory
        .create_application(
            &ctx,
            tenant.id,
            NewApplication {
                display_name: "Bench daemon".to_string(),
                public_client: false,
                redirect_uris: Vec::new(),
                identifier_uris: Vec::new(),
            },
        )
        .await?;
    let secret = directory
        .add_client_secret(&ctx, tenant.id, app.client_id, "bench", None)
        .await?;
    Ok((
        app.client_id.to_string(),
        secret.plaintext.expose().to_string(),
    ))
}

/// POSTs a token request; a non-200 answer is an error carrying the OAuth error code.
async fn token(
    client: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> Result<Value, String> {
    let response = client
        .post(url)
        .form(form)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| format!("bad JSON ({status}): {e}"))?;
    if !status.is_success() || body.get("access_token").is_none() {
        return Err(format!(
            "{status}: {} {}",
            body["error"].as_str().unwrap_or("?"),
            body["error_description"].as_str().unwrap_or("")
        ));
    }
    Ok(body)
}
