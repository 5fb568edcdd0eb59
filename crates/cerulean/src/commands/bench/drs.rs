//! `cerulean bench drs`: device joins/s over TLS with pre-issued DRS tokens, against a real
//! `cerulean serve` child process, next to this machine's RS256 ceiling (a join costs one
//! RSA-2048 signature: the device certificate).
//!
//! Each worker joins as its own user (the quota is raised to Graph's maximum first), with
//! device and transport keys drawn from a pool so that every join of a worker is a new
//! request, not a retry the DRS would answer with the device it already made. At the end
//! the directory is asked how many devices exist: it must equal the successful joins.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use cerulean_crypto::{
    CSR_PLACEHOLDER_CN, RsaPrivateKey, b64::b64_std_encode, build_csr,
    encode_bcrypt_rsa_public_blob,
};
use cerulean_directory::{ActionContext, Actor, DeviceQuery, DeviceRegistrationPolicy};
use serde_json::{Value, json};

use super::baseline;
use super::load::{self, LoadResult};
use super::seed::{self, PASSWORD};
use super::server_process::{ServerProcess, megabytes};

const PUBLIC_CLIENT: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const DRS_RESOURCE: &str = "urn:ms-drs:enterpriseregistration.windows.net";
/// Device keys and transport keys in the pool: KEYS² distinct requests per user.
const KEYS: usize = 32;

#[derive(Debug, Clone)]
pub struct Options {
    pub seconds: u64,
    pub concurrency: usize,
    pub database_url: Option<String>,
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let duration = Duration::from_secs(options.seconds);
    let users = options.concurrency.max(1);
    println!(
        "DRS benchmark: {} cores, {} concurrent clients (one user each), {} s, TLS with keep-alive",
        baseline::cores(),
        options.concurrency,
        options.seconds
    );
    let mut config = cerulean_server::Config::default();
    config.data.dir = scratch.path().to_path_buf();
    config.database.url = options.database_url.clone();
    let domain = seed::fresh_domain()?;
    let (directory, tenant) = seed::tenant_with_users(&config, users, &domain).await?;
    let policy = DeviceRegistrationPolicy {
        user_device_quota: DeviceRegistrationPolicy::MAX_QUOTA,
        ..directory.device_registration_policy(tenant.id).await?
    };
    directory
        .put_device_registration_policy(&ActionContext::new(Actor::System), tenant.id, policy)
        .await?;

    println!(
        "generating {} RSA-2048 keys for the request pool …",
        2 * KEYS
    );
    let bodies = tokio::task::spawn_blocking(request_pool).await??;
    println!("measuring the RS256 ceiling on all cores …");
    let rs256_ceiling =
        tokio::task::spawn_blocking(move || baseline::rs256_sign_per_second(duration)).await??;

    let server = ServerProcess::start(scratch.path(), options.database_url.as_deref())?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("server idle RSS: {}", megabytes(server.rss_bytes()));
    let client = seed::http_client(&scratch.path().join("tls").join("ca.pem"))?;
    let origin = format!("https://localhost:{}", server.port);

    println!("getting {users} DRS tokens (ROPC, not measured) …");
    let mut tokens = Vec::with_capacity(users);
    for i in 0..users {
        tokens.push(drs_token(&client, &origin, &domain, i).await?);
    }
    let tokens = Arc::new(tokens);
    let bodies = Arc::new(bodies);
    let counters: Arc<Vec<AtomicUsize>> =
        Arc::new((0..users).map(|_| AtomicUsize::new(0)).collect());
    let url = format!("{origin}/EnrollmentServer/device/?api-version=2.0");

    let result = load::run(
        "join (JoinType 0)",
        options.concurrency,
        duration,
        move |i| {
            let (client, url) = (client.clone(), url.clone());
            let (tokens, bodies, counters) = (tokens.clone(), bodies.clone(), counters.clone());
            async move {
                let user = i % tokens.len();
                let n = counters
                    .get(user)
                    .map_or(0, |c| c.fetch_add(1, Ordering::Relaxed));
                // Workers start at different points of the pool; KEYS² requests per user
                // before one repeats (and becomes a retry).
                let body = bodies
                    .get((n + user * 37) % bodies.len())
                    .cloned()
                    .unwrap_or_default();
                let token = tokens.get(user).map(String::as_str).unwrap_or_default();
                join(&client, &url, token, body).await
            }
        },
    )
    .await;

    println!();
    println!("{}", LoadResult::header());
    println!("{}", result.row());
    if let Some(e) = &result.first_error {
        println!("    first error: {e}");
    }
    let page = directory
        .list_devices(
            tenant.id,
            &DeviceQuery {
                top: 1,
                with_count: true,
                ..DeviceQuery::default()
            },
        )
        .await?;
    let created = page.count.unwrap_or(0);
    println!(
        "devices in the directory: {created} (successful joins: {})",
        result.ok
    );
    println!();
    println!("RS256 ceiling (all cores): {rs256_ceiling:.1}/s");
    println!(
        "joins / RS256 ceiling:     {:.0} %",
        100.0 * result.per_second() / rs256_ceiling
    );
    println!("server peak RSS: {}", megabytes(server.peak_rss_bytes()));
    if result.ok == 0 {
        bail!("no join succeeded; see the first error above");
    }
    if created != result.ok as u64 {
        bail!(
            "{} joins succeeded but the directory holds {created} devices",
            result.ok
        );
    }
    Ok(())
}

/// KEYS² join bodies (roadtx's shape), every pair of a device key and a transport key.
fn request_pool() -> anyhow::Result<Vec<String>> {
    let mut csrs = Vec::with_capacity(KEYS);
    let mut blobs = Vec::with_capacity(KEYS);
    for _ in 0..KEYS {
        let device_key = RsaPrivateKey::generate(2048)?;
        csrs.push(b64_std_encode(&build_csr(&device_key, CSR_PLACEHOLDER_CN)?));
        let transport = RsaPrivateKey::generate(2048)?;
        blobs.push(b64_std_encode(&encode_bcrypt_rsa_public_blob(
            &transport.public_key(),
        )));
    }
    let mut bodies = Vec::with_capacity(KEYS * KEYS);
    for (i, csr) in csrs.iter().enumerate() {
        for blob in &blobs {
            bodies.push(
                json!({
                    "CertificateRequest": {"Type": "pkcs10", "Data": csr},
                    "TransportKey": blob,
                    "TargetDomain": "bench.test",
                    "DeviceType": "Windows",
                    "OSVersion": "10.0.26100.1",
                    "DeviceDisplayName": format!("BENCH-{i}"),
                    "JoinType": 0,
                    "attributes": {"ReuseDevice": "true", "ReturnClientSid": "true"}
                })
                .to_string(),
            );
        }
    }
    Ok(bodies)
}

/// A DRS access token for `user{i}`, through the v1 token endpoint as roadtx gets it.
async fn drs_token(
    client: &reqwest::Client,
    origin: &str,
    domain: &str,
    i: usize,
) -> anyhow::Result<String> {
    let upn = format!("user{i}@{domain}");
    let response = client
        .post(format!("{origin}/{domain}/oauth2/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", PUBLIC_CLIENT),
            ("resource", DRS_RESOURCE),
            ("username", upn.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no DRS token for {upn} ({status}): {body}"))
}

async fn join(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: String,
) -> Result<(), String> {
    let response = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .map_err(|e| format!("bad JSON ({status}): {e}"))?;
    if !status.is_success() || body["Certificate"]["RawBody"].as_str().is_none() {
        return Err(format!("{status}: {body}"));
    }
    Ok(())
}
