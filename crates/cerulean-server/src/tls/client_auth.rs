//! Optional client certificates, checked against a set of CAs that can change while the
//! server runs.
//!
//! Devices authenticate some DRS calls (e.g. roadtx's device DELETE) with the certificate
//! their tenant's device CA issued at join. Tenants, and so device CAs, are created at run
//! time, so the trusted set cannot be fixed when the `rustls::ServerConfig` is built.
//! [`ClientCas`] holds the set in named groups (one per tenant, plus `config` for
//! `tls.client_ca_file`); [`DynamicClientVerifier`] delegates each handshake to a webpki
//! verifier rebuilt whenever the set changes.
//!
//! A client certificate is never required: with no CAs at all none is requested, and with
//! CAs a client may still send none. A certificate that *is* sent must chain to one of the
//! CAs, so anything in `ConnectionInfo::client_cert_chain` has been verified — but
//! handlers must still check *which* tenant's CA issued it.
//!
//! The CertificateRequest names no CAs (empty `certificate_authorities`): RFC 5246 §7.4.4
//! and RFC 8446 §4.2.4 let the client send any certificate it has then, and listing every
//! tenant's CA to anonymous clients would disclose the tenant list.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore};

use super::TlsError;

/// The CAs whose client certificates are accepted. Cloning shares the set.
#[derive(Clone)]
pub struct ClientCas {
    provider: Arc<CryptoProvider>,
    state: Arc<RwLock<State>>,
}

#[derive(Default)]
struct State {
    groups: BTreeMap<String, Vec<CertificateDer<'static>>>,
    /// `None` while there are no CAs: then no certificate is requested.
    verifier: Option<Arc<dyn ClientCertVerifier>>,
}

impl fmt::Debug for ClientCas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        f.debug_struct("ClientCas")
            .field("groups", &state.groups.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ClientCas {
    pub fn new(provider: Arc<CryptoProvider>) -> Self {
        Self {
            provider,
            state: Arc::default(),
        }
    }

    /// Replaces the CAs of `group` (a tenant id, or `config`); an empty list removes the
    /// group. New handshakes see the change at once. On error nothing changes.
    pub fn set(&self, group: &str, cas: Vec<CertificateDer<'static>>) -> Result<(), TlsError> {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        let mut groups = state.groups.clone();
        if cas.is_empty() {
            groups.remove(group);
        } else {
            groups.insert(group.to_owned(), cas);
        }
        state.verifier = self.build(&groups)?;
        state.groups = groups;
        Ok(())
    }

    /// Removes `group`'s CAs.
    pub fn remove(&self, group: &str) -> Result<(), TlsError> {
        self.set(group, Vec::new())
    }

    /// How many CA certificates are trusted in all.
    pub fn len(&self) -> usize {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        state.groups.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn current(&self) -> Option<Arc<dyn ClientCertVerifier>> {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        state.verifier.clone()
    }

    fn build(
        &self,
        groups: &BTreeMap<String, Vec<CertificateDer<'static>>>,
    ) -> Result<Option<Arc<dyn ClientCertVerifier>>, TlsError> {
        let mut roots = RootCertStore::empty();
        for (group, cas) in groups {
            for ca in cas {
                roots.add(ca.clone()).map_err(|e| TlsError::ClientCa {
                    group: group.clone(),
                    detail: e.to_string(),
                })?;
            }
        }
        if roots.is_empty() {
            return Ok(None);
        }
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
                .allow_unauthenticated()
                .build()
                .map_err(|e| TlsError::ClientCa {
                    group: "(all)".to_owned(),
                    detail: e.to_string(),
                })?;
        Ok(Some(verifier))
    }
}

/// The `ClientCertVerifier` installed in the server config: asks for a certificate when
/// there are CAs, never insists on one, and verifies with the current set.
#[derive(Debug)]
pub(crate) struct DynamicClientVerifier {
    cas: ClientCas,
}

impl DynamicClientVerifier {
    pub(crate) fn new(cas: ClientCas) -> Self {
        Self { cas }
    }
}

impl ClientCertVerifier for DynamicClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.cas.current().is_some()
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // Deliberately empty; see the module documentation.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        match self.cas.current() {
            Some(verifier) => verifier.verify_client_cert(end_entity, intermediates, now),
            // The CAs were removed between the request and the certificate.
            None => Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.cas.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.cas.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.cas
            .provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
