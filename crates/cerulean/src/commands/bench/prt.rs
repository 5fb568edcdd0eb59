//! `cerulean bench prt`: Primary Refresh Token issuances/s (device-signed request with the
//! password inner grant) and PRT-to-access-token exchanges/s (session-key-signed request,
//! encrypted answer), over TLS against a `cerulean serve` child process, next to the
//! crypto ceilings they are bound by.
//!
//! Setup (not measured): one user and one joined device per client, through the real
//! token endpoint and DRS; each client then holds its device key, certificate, PRT and
//! session key exactly as a device would.
//!
//! * Issuance: `srv_challenge` for a nonce, then the RS256 `request` (`grant_type:
//!   password`). The server verifies the device signature, checks the nonce once, runs
//!   argon2id, signs the id token and seals a session key: argon2id bounds it.
//! * Exchange: an HS256 `request` (KDFv2, `iat` freshness, one round trip) for a Graph
//!   token. The server derives the key, verifies the HMAC, reads the PRT, device and user,
//!   signs an access token and an id token (v1 answers carry both) and encrypts the
//!   answer: two RS256 signatures bound it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use cerulean_crypto::b64::b64_std_encode;
use cerulean_crypto::prt::{KdfVersion, decrypt_response, open_session_key_jwe, sign_session_jws};
use cerulean_crypto::{
    CSR_PLACEHOLDER_CN, RsaPrivateKey, SecretBytes, build_csr, encode_bcrypt_rsa_public_blob,
    sign_jwt,
};
use serde_json::{Map, Value, json};

use super::baseline;
use super::load::{self, LoadResult};
use super::seed::{self, PASSWORD};
use super::server_process::{ServerProcess, megabytes};

const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
const BROKER: &str = "29d9ed98-a469-4536-ade2-f981bc1d605e";
const PRT_CLIENT: &str = "38aa3b87-a06d-4817-b275-7a316988d93b";
const DRS_RESOURCE: &str = "urn:ms-drs:enterpriseregistration.windows.net";
const GRAPH: &str = "https://graph.microsoft.com";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Distinct device keys (key generation is slow; devices may share a key pair).
const KEYS: usize = 8;

#[derive(Debug, Clone)]
pub struct Options {
    pub seconds: u64,
    pub concurrency: usize,
    pub database_url: Option<String>,
}

/// What one client holds after joining: a device.
struct Device {
    upn: String,
    key: Arc<RsaPrivateKey>,
    cert_b64: String,
    prt: String,
    session_key: SecretBytes,
}

pub async fn run(options: Options) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let duration = Duration::from_secs(options.seconds);
    let users = options.concurrency.max(1);
    println!(
        "PRT benchmark: {} cores, {users} concurrent clients (one user and device each), {} s per scenario",
        baseline::cores(),
        options.seconds
    );
    let mut config = cerulean_server::Config::default();
    config.data.dir = scratch.path().to_path_buf();
    config.database.url = options.database_url.clone();
    let params = config.password_params();
    let domain = seed::fresh_domain()?;
    seed::tenant_with_users(&config, users, &domain).await?;

    println!("measuring crypto ceilings on all cores …");
    let argon2_ceiling =
        tokio::task::spawn_blocking(move || baseline::argon2_verify_per_second(params, duration))
            .await??;
    let rs256_ceiling =
        tokio::task::spawn_blocking(move || baseline::rs256_sign_per_second(duration)).await??;
    let keys: Vec<Arc<RsaPrivateKey>> = tokio::task::spawn_blocking(|| {
        (0..KEYS)
            .map(|_| RsaPrivateKey::generate(2048).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()
    })
    .await??;

    let server = ServerProcess::start(scratch.path(), options.database_url.as_deref())?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("server idle RSS: {}", megabytes(server.rss_bytes()));
    let client = seed::http_client(&scratch.path().join("tls").join("ca.pem"))?;
    let origin: Arc<str> = Arc::from(format!("https://localhost:{}", server.port));

    println!("joining {users} devices and getting their PRTs (not measured) …");
    let mut devices = Vec::with_capacity(users);
    for i in 0..users {
        let key = keys.get(i % KEYS).cloned().context("key pool")?;
        devices.push(Arc::new(enroll(&client, &origin, &domain, i, key).await?));
    }
    let devices = Arc::new(devices);

    let mut results = Vec::new();
    {
        let (client, origin, devices) = (client.clone(), origin.clone(), devices.clone());
        results.push(
            load::run("prt issuance", options.concurrency, duration, move |i| {
                let (client, origin, devices) = (client.clone(), origin.clone(), devices.clone());
                async move {
                    let device = devices.get(i % devices.len()).ok_or("no device")?;
                    request_prt(&client, &origin, device)
                        .await
                        .map(|_| ())
                        .map_err(|e| format!("{e:#}"))
                }
            })
            .await,
        );
    }
    {
        let (client, origin, devices) = (client.clone(), origin.clone(), devices.clone());
        results.push(
            load::run(
                "prt -> access token",
                options.concurrency,
                duration,
                move |i| {
                    let (client, origin, devices) =
                        (client.clone(), origin.clone(), devices.clone());
                    async move {
                        let device = devices.get(i % devices.len()).ok_or("no device")?;
                        exchange(&client, &origin, device)
                            .await
                            .map_err(|e| format!("{e:#}"))
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
    if let [issuance, exchange] = results.as_slice() {
        println!(
            "issuances / argon2id ceiling:                 {:.0} %",
            100.0 * issuance.per_second() / argon2_ceiling
        );
        println!(
            "exchanges / (RS256 ceiling / 2 signatures):   {:.0} %",
            100.0 * exchange.per_second() / (rs256_ceiling / 2.0)
        );
    }
    println!("server peak RSS: {}", megabytes(server.peak_rss_bytes()));
    if results.iter().any(|r| r.ok == 0) {
        bail!("a scenario completed no request; see the first errors above");
    }
    Ok(())
}

/// DRS token → join (transport key = device key, as roadtx does) → first PRT.
async fn enroll(
    client: &reqwest::Client,
    origin: &str,
    domain: &str,
    i: usize,
    key: Arc<RsaPrivateKey>,
) -> anyhow::Result<Device> {
    let upn = format!("user{i}@{domain}");
    let token = post_form(
        client,
        &format!("{origin}/{domain}/oauth2/token"),
        &[
            ("grant_type", "password"),
            ("client_id", AZURE_CLI),
            ("resource", DRS_RESOURCE),
            ("username", upn.as_str()),
            ("password", PASSWORD),
        ],
    )
    .await?;
    let token = token["access_token"]
        .as_str()
        .context("no DRS access token")?
        .to_owned();
    let csr = build_csr(&key, CSR_PLACEHOLDER_CN)?;
    let body = json!({
        "CertificateRequest": {"Type": "pkcs10", "Data": b64_std_encode(&csr)},
        "TransportKey": b64_std_encode(&encode_bcrypt_rsa_public_blob(&key.public_key())),
        "TargetDomain": domain,
        "DeviceType": "Windows",
        "OSVersion": "10.0.26100.1",
        "DeviceDisplayName": format!("BENCH-PRT-{i}"),
        "JoinType": 0,
    });
    let response = client
        .post(format!("{origin}/EnrollmentServer/device/?api-version=2.0"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let joined: Value = response.json().await?;
    let cert_b64 = joined["Certificate"]["RawBody"]
        .as_str()
        .with_context(|| format!("join failed ({status}): {joined}"))?
        .to_owned();
    let mut device = Device {
        upn,
        key,
        cert_b64,
        prt: String::new(),
        session_key: SecretBytes::new(Vec::new()),
    };
    let answer = request_prt(client, origin, &device).await?;
    device.prt = answer["refresh_token"]
        .as_str()
        .context("no PRT in the answer")?
        .to_owned();
    let jwe = answer["session_key_jwe"]
        .as_str()
        .context("no session_key_jwe")?;
    device.session_key = open_session_key_jwe(&device.key, jwe)?;
    Ok(device)
}

/// One PRT issuance: a nonce, then the device-signed password request.
async fn request_prt(
    client: &reqwest::Client,
    origin: &str,
    device: &Device,
) -> anyhow::Result<Value> {
    let url = format!("{origin}/common/oauth2/token");
    let nonce = post_form(client, &url, &[("grant_type", "srv_challenge")]).await?;
    let nonce = nonce["Nonce"].as_str().context("no Nonce")?.to_owned();
    let mut header = Map::new();
    header.insert("typ".into(), "JWT".into());
    header.insert("x5c".into(), Value::String(device.cert_b64.clone()));
    let claims = json!({
        "client_id": PRT_CLIENT,
        "request_nonce": nonce,
        "scope": "openid aza ugs",
        "grant_type": "password",
        "username": device.upn,
        "password": PASSWORD,
    });
    let request = sign_jwt(&device.key, &header, &claims)?;
    let answer = post_form(
        client,
        &url,
        &[
            ("grant_type", JWT_BEARER),
            ("request", request.as_str()),
            ("windows_api_version", "2.2"),
            ("client_info", "1"),
        ],
    )
    .await?;
    if answer["refresh_token"].as_str().is_none() {
        bail!("no PRT in {answer}");
    }
    Ok(answer)
}

/// One PRT → Graph access token exchange (HS256, KDFv2, `iat` freshness).
async fn exchange(client: &reqwest::Client, origin: &str, device: &Device) -> anyhow::Result<()> {
    let iat = time::OffsetDateTime::now_utc().unix_timestamp();
    let payload = json!({
        "client_id": BROKER,
        "grant_type": "refresh_token",
        "refresh_token": device.prt,
        "resource": GRAPH,
        "iss": "aad:brokerplugin",
        "aud": "login.microsoftonline.com",
        "iat": iat,
    });
    let request = sign_session_jws(
        &device.session_key,
        &Map::new(),
        &serde_json::to_vec(&payload)?,
        KdfVersion::V2,
    )?;
    let response = client
        .post(format!("{origin}/common/oauth2/token"))
        .form(&[
            ("grant_type", JWT_BEARER),
            ("request", request.as_str()),
            ("windows_api_version", "2.2"),
        ])
        .send()
        .await?;
    let status = response.status();
    let body = response.text().await?;
    if !status.is_success() {
        bail!("{status}: {body}");
    }
    let decrypted = decrypt_response(&device.session_key, &body)?;
    let answer: Value = serde_json::from_slice(decrypted.plaintext.expose())?;
    if answer["access_token"].as_str().is_none() {
        bail!("no access token in the decrypted answer");
    }
    Ok(())
}

async fn post_form(
    client: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<Value> {
    let response = client.post(url).form(form).send().await?;
    let status = response.status();
    let body: Value = response.json().await?;
    if !status.is_success() {
        bail!("{status}: {body}");
    }
    Ok(body)
}
