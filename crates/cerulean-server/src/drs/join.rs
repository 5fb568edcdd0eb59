//! `POST /EnrollmentServer/device/?api-version=…` (1.0 to 3.0): join (JoinType 0) or
//! register (JoinType 4) a device (MS-DVRJ; PROTOCOLS.md §4.1–§4.6, INTEROP.md §3.6).
//!
//! In order: `api-version`; the DRS bearer token of a user; the body (at most
//! [`MAX_JOIN_REQUEST_LEN`], members in any case); `TargetDomain`, when it names an
//! organization here, must be the user's; the CSR (RSA ≥ 2048, self-signature verified)
//! and the transport key (BCRYPT blob or JWK). Then [`Directory::register_device`]
//! applies the registration policy, MFA, the quota (race-free, in the store), retries
//! (same user, join type, CSR key and transport key → the same device and certificate)
//! and ReuseDevice (the device named by the token's `deviceid`, or by the TLS client
//! certificate the client presents, gets new keys). The certificate is issued by the
//! tenant's device CA in the directory's callback: subject `CN=<device id>` and the
//! …284.x extensions (PROTOCOLS.md §4.6).
//!
//! Success is `200` with `Certificate`, `User` and, when `ReturnClientSid` is true and
//! the device is joined, `MembershipChanges` (`S-1-5-32-544` ← the policy's local
//! administrators). Every failure is a DRS `ErrorDetails` and writes no device row.
//!
//! [`Directory::register_device`]: cerulean_directory::Directory::register_device

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use cerulean_crypto::device_ca::DEVICE_CERT_VALIDITY_DAYS;
use cerulean_crypto::{
    CertificationRequest, DeviceCa, DeviceCertParams, parse_and_verify_csr, parse_transport_key,
};
use cerulean_directory::{
    ActionContext, Actor, CertificateToIssue, DeviceId, DirectoryResult, RegisterDevice,
    RegistrationKind, TrustType,
};
use cerulean_proto::drs::join::MAX_JOIN_REQUEST_LEN;
use cerulean_proto::drs::{
    DrsError, JoinRequest, JoinRequestValidated, JoinResponse, JoinType, MembershipChange,
};
use http::{Extensions, HeaderMap, StatusCode};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use super::auth::{self, DrsUser};
use super::respond::{self, ApiVersion, drs_error, json_response};
use super::tenant;
use crate::app::AppState;
use crate::authority::realm::query_value;
use crate::middleware::observe::CorrelationId;

/// Device certificates start this long before "now", for devices with a slow clock.
const CERT_BACKDATE: Duration = Duration::minutes(5);

/// A refused join: the error and its metrics word.
struct Refused {
    error: DrsError,
    result: &'static str,
}

impl Refused {
    fn invalid(error: impl Into<DrsError>) -> Self {
        Self {
            error: error.into(),
            result: "invalid_request",
        }
    }
}

/// `POST /EnrollmentServer/device`.
pub async fn join(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    correlation: CorrelationId,
    headers: HeaderMap,
    extensions: Extensions,
    body: Body,
) -> Response {
    let now = state.directory.clock().now();
    let mut join_type = None;
    let request = Incoming {
        state: &state,
        query: query.as_deref(),
        headers: &headers,
        extensions: &extensions,
        correlation: &correlation,
        now,
    };
    match request.run(body, &mut join_type).await {
        Ok((kind, body)) => {
            let result = match kind {
                RegistrationKind::Created => "created",
                RegistrationKind::Reused => "reused",
                RegistrationKind::Retried => "retried",
            };
            state.drs.metrics.record(join_type, result);
            json_response(StatusCode::OK, body)
        }
        Err(refused) => {
            state.drs.metrics.record(join_type, refused.result);
            drs_error(&refused.error, &correlation, now)
        }
    }
}

struct Incoming<'a> {
    state: &'a AppState,
    query: Option<&'a str>,
    headers: &'a HeaderMap,
    extensions: &'a Extensions,
    correlation: &'a CorrelationId,
    now: OffsetDateTime,
}

impl Incoming<'_> {
    async fn run(
        &self,
        body: Body,
        join_type: &mut Option<JoinType>,
    ) -> Result<(RegistrationKind, String), Refused> {
        let version = query_value(self.query, "api-version");
        ApiVersion::require(version.as_deref(), (1, 0), (3, 0)).map_err(Refused::invalid)?;
        let caller = auth::user_token(self.state, self.headers)
            .await
            .map_err(|e| {
                let error = e.to_drs();
                let result = if error.http_status() >= 500 {
                    "error"
                } else {
                    "unauthenticated"
                };
                Refused { error, result }
            })?;
        let bytes = axum::body::to_bytes(body, MAX_JOIN_REQUEST_LEN + 1)
            .await
            .map_err(|_| {
                Refused::invalid(DrsError::invalid_request(format!(
                    "The request body could not be read or is larger than {MAX_JOIN_REQUEST_LEN} bytes."
                )))
            })?;
        let parsed = JoinRequest::parse(&bytes).map_err(Refused::invalid)?;
        *join_type = JoinType::from_wire(parsed.join_type).ok();
        let request = parsed.validate().map_err(Refused::invalid)?;
        self.check_target_domain(&caller, request.target_domain.as_deref())
            .await?;
        let csr = parse_and_verify_csr(&request.csr_der).map_err(|e| {
            Refused::invalid(DrsError::invalid_request(format!(
                "CertificateRequest.Data was refused: {e}"
            )))
        })?;
        let transport = parse_transport_key(&request.transport_key).map_err(|e| {
            Refused::invalid(DrsError::invalid_request(format!(
                "TransportKey was refused: {e}"
            )))
        })?;
        let transport_spki = transport.spki_der().to_vec();
        let reuse_device = self.reuse_target(&caller, &request).await?;
        let tenant = caller.token.tenant.id;
        let ca = self
            .state
            .drs
            .cas
            .get(
                &self.state.directory,
                self.state.client_cas.as_ref(),
                tenant,
            )
            .await
            .map_err(|e| {
                tracing::error!(%tenant, "device CA unavailable: {e}");
                Refused {
                    error: DrsError::directory_error(),
                    result: "error",
                }
            })?;
        let registration = RegisterDevice {
            tenant,
            user: caller.user.id,
            amr: caller.token.claims.amr.clone().unwrap_or_default(),
            trust_type: trust_type(request.join_type),
            reuse_device,
            display_name: request.display_name.clone(),
            operating_system: request.device_type.clone(),
            operating_system_version: request.os_version.clone(),
            cert_public_key_spki: csr.spki_der.clone(),
            transport_key_spki: transport_spki.clone(),
            request_fingerprint: fingerprint(request.join_type, &csr.spki_der, &transport_spki),
        };
        let ctx = ActionContext::new(Actor::User(caller.user.id.to_string()))
            .with_correlation_id(self.correlation.as_str());
        let now = self.now;
        let outcome = self
            .state
            .directory
            .register_device_as(&ctx, registration, Some(caller.user.clone()), |c| {
                issue(&ca, &csr, c, now)
            })
            .await;
        let registered = match outcome {
            Ok(Ok(registered)) => registered,
            Ok(Err(refusal)) => {
                return Err(Refused {
                    error: respond::refusal(&refusal),
                    result: refusal.code(),
                });
            }
            Err(e) => {
                let error = respond::directory_failure(&e);
                let result = if error.http_status() >= 500 {
                    "error"
                } else {
                    "invalid_request"
                };
                return Err(Refused { error, result });
            }
        };
        let device = &registered.device;
        let mut response = JoinResponse::new(device.cert_thumbprint.clone(), &device.cert_der)
            .with_upn(registered.user.upn.clone());
        if request.attributes.return_client_sid && device.trust_type == TrustType::AzureAd {
            response = response.with_membership_change(MembershipChange::local_administrators(
                registered.local_admin_sids.clone(),
            ));
        }
        tracing::info!(
            device_id = %device.device_id,
            trust_type = %device.trust_type,
            kind = ?registered.kind,
            "device registration"
        );
        Ok((registered.kind, response.to_json()))
    }

    /// `TargetDomain` is informational (roadtx sends `iminyour.cloud` by default), but one
    /// that names another organization here means the user signed in to the wrong one.
    async fn check_target_domain(
        &self,
        caller: &DrsUser,
        target: Option<&str>,
    ) -> Result<(), Refused> {
        let Some(target) = target else {
            return Ok(());
        };
        match tenant::resolve(self.state, target).await {
            Ok(found) if found.tenant.id != caller.token.tenant.id => {
                Err(Refused::invalid(DrsError::invalid_request(format!(
                    "TargetDomain '{target}' belongs to another organization than the signed-in \
                     user's. Sign in with a work account of that organization."
                ))))
            }
            Ok(_) => Ok(()),
            Err(e) if e.http_status() >= 500 => Err(Refused {
                error: e,
                result: "error",
            }),
            Err(_) => Ok(()),
        }
    }

    /// With `ReuseDevice`, the device to re-key: the token's `deviceid`, else the device
    /// whose certificate the client presented over TLS (same tenant). The directory reuses
    /// it only if the user owns it.
    async fn reuse_target(
        &self,
        caller: &DrsUser,
        request: &JoinRequestValidated,
    ) -> Result<Option<DeviceId>, Refused> {
        if !request.attributes.reuse_device {
            return Ok(None);
        }
        if let Some(id) = caller.token.device_id {
            return Ok(Some(DeviceId(id)));
        }
        let device = auth::certificate_device(self.state, self.extensions)
            .await
            .map_err(|e| Refused {
                error: respond::directory_failure(&e),
                result: "error",
            })?;
        Ok(device
            .filter(|d| d.tenant_id == caller.token.tenant.id)
            .map(|d| d.device_id))
    }
}

fn trust_type(join_type: JoinType) -> TrustType {
    match join_type {
        JoinType::Join => TrustType::AzureAd,
        JoinType::Register => TrustType::Workplace,
    }
}

/// Hex SHA-256 over the join type and both keys (each length-prefixed): the same request
/// retried hashes the same, a request with any other key does not.
fn fingerprint(join_type: JoinType, csr_spki: &[u8], transport_spki: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(b"cerulean-drs-join-v1");
    hash.update(join_type.code().to_be_bytes());
    for key in [csr_spki, transport_spki] {
        hash.update(u64::try_from(key.len()).unwrap_or(u64::MAX).to_be_bytes());
        hash.update(key);
    }
    hex_lower(&hash.finalize())
}

fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The directory's certificate callback: one device certificate from the tenant's CA.
fn issue(
    ca: &Arc<DeviceCa>,
    csr: &CertificationRequest,
    c: &CertificateToIssue<'_>,
    now: OffsetDateTime,
) -> DirectoryResult<Vec<u8>> {
    let issued = ca.issue_device_certificate(DeviceCertParams {
        device_id: c.device_id.0,
        tenant_id: c.tenant_id.0,
        user_object_id: c.user_id.0,
        join_type_joined: c.trust_type == TrustType::AzureAd,
        region: None,
        public_key: &csr.public_key,
        not_before: now - CERT_BACKDATE,
        validity_days: DEVICE_CERT_VALIDITY_DAYS,
    })?;
    Ok(issued.der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_separate_join_types_and_keys() {
        let a = fingerprint(JoinType::Join, b"key-a", b"key-b");
        assert_eq!(a.len(), 64);
        assert_eq!(a, fingerprint(JoinType::Join, b"key-a", b"key-b"));
        assert_ne!(a, fingerprint(JoinType::Register, b"key-a", b"key-b"));
        assert_ne!(a, fingerprint(JoinType::Join, b"key-b", b"key-a"));
        // Length prefixes: moving bytes between the keys changes the hash.
        assert_ne!(a, fingerprint(JoinType::Join, b"key-ak", b"ey-b"));
    }
}
