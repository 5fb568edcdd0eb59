//! What the connection knows that the request does not: peer, listener, scheme, SNI and
//! the verified client certificate chain. Inserted into every request's extensions.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use http::request::Parts;
use rustls::pki_types::CertificateDer;

use crate::error::ApiError;

/// The scheme of the listener a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    /// 80 or 443: the port a URL of this scheme may omit.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// Per-connection facts, available to handlers as an extractor (or
/// `Extension<ConnectionInfo>`). Cheap to clone: the chain is shared.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    pub peer_addr: SocketAddr,
    /// The listener's address (with the real port when bound to port 0).
    pub local_addr: SocketAddr,
    pub scheme: Scheme,
    /// The TLS server name the client asked for; `None` on plain HTTP and for clients
    /// that connect to an IP literal.
    pub sni: Option<String>,
    /// The client's certificate chain, leaf first, already verified against the
    /// trusted client CAs (`TlsMaterial::client_cas`); empty when none was sent.
    /// Handlers must still check that the issuer is the right tenant's CA.
    pub client_cert_chain: Arc<[CertificateDer<'static>]>,
}

impl ConnectionInfo {
    /// The info of a plain connection, for tests that drive the router without sockets.
    pub fn for_tests(scheme: Scheme, local_addr: SocketAddr) -> Self {
        Self {
            peer_addr: SocketAddr::from(([127, 0, 0, 1], 50000)),
            local_addr,
            scheme,
            sni: None,
            client_cert_chain: Arc::new([]),
        }
    }

    /// The verified client certificate, if the client sent one.
    pub fn client_certificate(&self) -> Option<&CertificateDer<'static>> {
        self.client_cert_chain.first()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ConnectionInfo {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ConnectionInfo>()
            .cloned()
            .ok_or_else(|| {
                ApiError::internal("ConnectionInfo missing: router not served by Server")
            })
    }
}
