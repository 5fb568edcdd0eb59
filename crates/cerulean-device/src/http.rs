//! The device's HTTPS client: one place that turns transport failures into
//! [`DeviceError`]s a person understands, and that retries while the network is down.

use std::path::Path;
use std::time::Duration;

use reqwest::{Client, Method, StatusCode};

use crate::error::{DeviceError, Result};

/// How the device trusts servers.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// Extra root CAs (PEM), e.g. a lab's CA. The public web roots are always trusted too,
    /// so the same binary reaches the real Entra ID.
    pub extra_roots_pem: Vec<Vec<u8>>,
}

impl Trust {
    /// Reads a PEM bundle from `path`.
    pub fn from_ca_file(path: &Path) -> Result<Self> {
        let pem = std::fs::read(path).map_err(|e| {
            DeviceError::Input(format!("can't read the CA file {}: {e}", path.display()))
        })?;
        Ok(Self {
            extra_roots_pem: vec![pem],
        })
    }
}

/// The file in a state directory that remembers the CA given at join.
const TRUST_FILE: &str = "trusted-ca.pem";

impl Trust {
    /// Remembers these roots in `state_dir`, so later commands trust the same servers.
    pub fn remember(&self, state_dir: &Path) -> Result<()> {
        crate::fsutil::ensure_private_dir(state_dir)?;
        crate::fsutil::write_private(&state_dir.join(TRUST_FILE), &self.extra_roots_pem.concat())
    }

    /// The roots remembered in `state_dir` (none: the public web roots only).
    pub fn remembered(state_dir: &Path) -> Result<Self> {
        Ok(
            match crate::fsutil::read_optional(&state_dir.join(TRUST_FILE))? {
                Some(pem) => Self {
                    extra_roots_pem: vec![pem],
                },
                None => Self::default(),
            },
        )
    }
}

/// A response: status and body, already read.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
    pub host: String,
}

impl Answer {
    /// The body as JSON of type `T`, or [`DeviceError::Garbage`] naming `what`.
    pub fn json<T: serde::de::DeserializeOwned>(&self, what: &'static str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| DeviceError::Garbage {
            host: self.host.clone(),
            what,
            detail: format!("HTTP {}: {e}", self.status.as_u16()),
        })
    }

    /// The body as text (lossy), for compact JWE answers.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Retries of a step whose failure was the network's.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// First wait; doubles each time.
    pub first_delay: Duration,
    /// Longest wait between tries.
    pub max_delay: Duration,
    /// Give up once this much time has passed since the first failure.
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(15),
            give_up_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            first_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            give_up_after: Duration::ZERO,
        }
    }
}

/// The client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Http {
    client: Client,
}

/// The user agent: Windows-like enough for servers that look, and honest about who we are.
const USER_AGENT: &str = concat!(
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) cerulean-device/",
    env!("CARGO_PKG_VERSION")
);

impl Http {
    /// A client trusting the web roots plus `trust`'s, with an optional TLS client
    /// identity (PEM certificate followed by its PKCS#8 key) for the DRS device calls.
    pub fn new(trust: &Trust, identity_pem: Option<&[u8]>) -> Result<Self> {
        let mut builder = Client::builder()
            .use_rustls_tls()
            .user_agent(USER_AGENT)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .pool_idle_timeout(Duration::from_secs(30));
        for pem in &trust.extra_roots_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                DeviceError::Input(format!("the CA file is not PEM certificates: {e}"))
            })?;
            if certs.is_empty() {
                return Err(DeviceError::Input(
                    "the CA file holds no PEM certificate".into(),
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some(pem) = identity_pem {
            let identity = reqwest::Identity::from_pem(pem).map_err(|e| {
                DeviceError::Input(format!("the device certificate can't be used for TLS: {e}"))
            })?;
            builder = builder.identity(identity);
        }
        let client = builder
            .build()
            .map_err(|e| DeviceError::Input(format!("can't set up HTTPS: {e}")))?;
        Ok(Self { client })
    }

    /// `POST` a form.
    pub async fn post_form(&self, url: &str, fields: &[(&str, &str)]) -> Result<Answer> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request = self
            .client
            .request(Method::POST, url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body);
        self.send(url, request).await
    }

    /// `GET` with an optional bearer token.
    pub async fn get(&self, url: &str, bearer: Option<&str>) -> Result<Answer> {
        let mut request = self
            .client
            .request(Method::GET, url)
            .header("accept", "application/json");
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        self.send(url, request).await
    }

    /// `POST` a JSON body with an optional bearer token.
    pub async fn post_json(&self, url: &str, bearer: Option<&str>, body: String) -> Result<Answer> {
        let mut request = self
            .client
            .request(Method::POST, url)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        self.send(url, request).await
    }

    /// `DELETE`.
    pub async fn delete(&self, url: &str) -> Result<Answer> {
        let request = self
            .client
            .request(Method::DELETE, url)
            .header("accept", "application/json");
        self.send(url, request).await
    }

    async fn send(&self, url: &str, request: reqwest::RequestBuilder) -> Result<Answer> {
        let host = host_of(url);
        let response = request
            .send()
            .await
            .map_err(|e| transport_error(&host, &e))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(&host, &e))?
            .to_vec();
        if status.is_server_error() {
            // A 5xx says nothing about our request; treat it like a dropped connection so
            // the step is retried (a load balancer with no healthy node answers 502/503).
            return Err(DeviceError::Network {
                host,
                detail: format!("the service answered HTTP {}", status.as_u16()),
            });
        }
        Ok(Answer { status, body, host })
    }
}

/// Runs `step` until it succeeds, fails for a reason other than the network, or `policy`
/// gives up. `on_retry(error, wait)` is told before each wait (the OOBE shows it).
pub async fn with_retries<T, F, Fut>(
    policy: RetryPolicy,
    mut on_retry: impl FnMut(&DeviceError, Duration),
    mut step: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let started = tokio::time::Instant::now();
    let mut delay = policy.first_delay;
    loop {
        match step().await {
            Err(e) if e.is_transient() && started.elapsed() + delay <= policy.give_up_after => {
                on_retry(&e, delay);
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(policy.max_delay);
            }
            other => return other,
        }
    }
}

/// `host[:port]` of a URL, for messages.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or(rest)
        .to_string()
}

fn transport_error(host: &str, e: &reqwest::Error) -> DeviceError {
    let chain = error_chain(e);
    let lower = chain.to_ascii_lowercase();
    let tls = [
        "certificate",
        "unknownissuer",
        "invalid peer",
        "notvalidforname",
        "handshake",
    ];
    if tls.iter().any(|needle| lower.contains(needle)) {
        return DeviceError::UntrustedServer {
            host: host.to_string(),
            detail: chain,
        };
    }
    let detail = if e.is_timeout() {
        "the connection timed out".to_string()
    } else if e.is_connect() {
        format!("no connection ({})", last_cause(e))
    } else {
        chain
    };
    DeviceError::Network {
        host: host.to_string(),
        detail,
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn last_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        last = inner.to_string();
        source = inner.source();
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_of_strips_scheme_and_path() {
        assert_eq!(host_of("https://login.test:8443/x?y"), "login.test:8443");
        assert_eq!(host_of("login.test"), "login.test");
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_network_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let http = Http::new(&Trust::default(), None).unwrap();
        let e = http
            .get(&format!("https://127.0.0.1:{port}/"), None)
            .await
            .unwrap_err();
        assert!(matches!(e, DeviceError::Network { .. }), "{e:?}");
    }

    #[tokio::test]
    async fn retries_stop_at_the_deadline() {
        let policy = RetryPolicy {
            first_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(10),
            give_up_after: Duration::from_millis(40),
        };
        let mut tries = 0;
        let mut waits = 0;
        let result: Result<()> = with_retries(
            policy,
            |_, _| waits += 1,
            || {
                tries += 1;
                async {
                    Err(DeviceError::Network {
                        host: "h".into(),
                        detail: "down".into(),
                    })
                }
            },
        )
        .await;
        assert!(result.is_err());
        assert!(tries >= 3, "tried {tries} times");
        assert_eq!(waits, tries - 1);
    }

    #[tokio::test]
    async fn a_refusal_is_not_retried() {
        let mut tries = 0;
        let result: Result<()> = with_retries(
            RetryPolicy::default(),
            |_, _| {},
            || {
                tries += 1;
                async { Err(DeviceError::NotJoined) }
            },
        )
        .await;
        assert!(matches!(result, Err(DeviceError::NotJoined)));
        assert_eq!(tries, 1);
    }
}
