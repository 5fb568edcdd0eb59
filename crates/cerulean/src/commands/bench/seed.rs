//! What every server benchmark needs: a fresh tenant with numbered users, and an HTTPS
//! client that trusts the child server's generated CA.

use std::collections::BTreeSet;

use anyhow::Context as _;
use cerulean_crypto::SecretString;
use cerulean_directory::{ActionContext, Actor, Directory, NewUser, Tenant};

use crate::context;

/// The password of every benchmark user.
pub const PASSWORD: &str = "Bench-password-2026";

/// A fresh domain per run (`bench-xxxxxxxx.test`), so a shared database can be
/// benchmarked repeatedly.
pub fn fresh_domain() -> anyhow::Result<String> {
    Ok(format!(
        "bench-{}.test",
        &cerulean_crypto::random_token(6)?
            .to_lowercase()
            .replace(['-', '_'], "x")
    ))
}

/// Creates the tenant and `users` users named `user{i}@{domain}`.
pub async fn tenant_with_users(
    config: &cerulean_server::Config,
    users: usize,
    domain: &str,
) -> anyhow::Result<(Directory, Tenant)> {
    let directory = context::open_directory(config).await?;
    let ctx = ActionContext::new(Actor::System);
    let tenant = directory.create_tenant(&ctx, "Bench", domain).await?;
    for i in 0..users {
        directory
            .create_user(
                &ctx,
                NewUser {
                    upn: format!("user{i}@{domain}"),
                    display_name: format!("Bench User {i}"),
                    password: Some(SecretString::new(PASSWORD.to_string())),
                    roles: BTreeSet::new(),
                    enabled: true,
                },
            )
            .await?;
    }
    Ok((directory, tenant))
}

/// Keep-alive HTTP/1.1 over rustls, trusting only the server's CA.
pub fn http_client(ca_path: &std::path::Path) -> anyhow::Result<reqwest::Client> {
    let pem = std::fs::read(ca_path)
        .with_context(|| format!("cannot read the server's CA at {}", ca_path.display()))?;
    let ca = reqwest::Certificate::from_pem(&pem)?;
    Ok(reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .pool_max_idle_per_host(256)
        .http1_only()
        .build()?)
}
