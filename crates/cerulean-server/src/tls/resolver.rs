//! Serves the one server certificate to every client, with or without SNI.
//!
//! Clients that connect to an IP literal (`https://127.0.0.1:8443/…`) send no SNI
//! (RFC 6066 §3 forbids IP literals in it), and clients routed through the CONNECT proxy
//! send Microsoft host names; both must get the same SAN certificate. The certificate can
//! be replaced at run time (renewal) without touching the listener.

use std::sync::{Arc, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

#[derive(Debug)]
pub struct ServerCertResolver {
    current: RwLock<Arc<CertifiedKey>>,
}

impl ServerCertResolver {
    pub fn new(key: CertifiedKey) -> Self {
        Self {
            current: RwLock::new(Arc::new(key)),
        }
    }

    /// Serves `key` to new handshakes from now on; established connections keep theirs.
    pub fn replace(&self, key: CertifiedKey) {
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        *current = Arc::new(key);
    }

    /// The certificate currently served.
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl ResolvesServerCert for ServerCertResolver {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}
