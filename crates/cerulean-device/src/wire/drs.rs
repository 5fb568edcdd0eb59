//! The Device Registration Service (PROTOCOLS.md §3–4): discovery, join or register, and
//! delete (leave) authenticated by the device certificate.

use cerulean_crypto::{
    DeviceCertificateInfo, RsaPrivateKey, build_csr, encode_bcrypt_rsa_public_blob,
    parse_device_certificate,
};
use cerulean_proto::drs::{DrsDiscovery, DrsErrorBody, JoinRequest, JoinResponse, JoinType};

use crate::error::{DeviceError, Result};
use crate::http::{Answer, Http};
use crate::state::Services;

/// The CSR subject clients send; the server assigns the device id itself.
const CSR_SUBJECT: &str = "7E980AD9-B86D-4306-9425-9AC066FB014A";

/// `GET {drs}/{domain}/Discover?api-version=1.9` with the DRS token; fills in `services`.
pub async fn discover(
    http: &Http,
    services: &mut Services,
    domain: &str,
    drs_token: &str,
) -> Result<Option<DiscoveredTenant>> {
    let url = format!(
        "{}/{}/Discover?api-version=1.9&managed=True",
        services.drs.trim_end_matches('/'),
        super::realm::percent_encode_path(domain)
    );
    let answer = http.get(&url, Some(drs_token)).await?;
    if !answer.status.is_success() {
        return Err(drs_refusal(&answer));
    }
    let doc = DrsDiscovery::from_json(&answer.body).map_err(|e| DeviceError::Garbage {
        host: answer.host.clone(),
        what: "DRS discovery document",
        detail: e.to_string(),
    })?;
    let join = doc
        .device_join_service
        .as_ref()
        .filter(|j| j.join_endpoint.starts_with("https://"))
        .ok_or_else(|| DeviceError::Garbage {
            host: answer.host.clone(),
            what: "DRS discovery document",
            detail: "no https DeviceJoinService.JoinEndpoint".into(),
        })?;
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    services.join_endpoint = Some(join.join_endpoint.clone());
    services.join_service_version = nonempty(&join.service_version).or_else(|| Some("2.0".into()));
    services.key_provisioning_endpoint = doc
        .key_provisioning_service
        .as_ref()
        .and_then(|k| nonempty(&k.key_provision_endpoint));
    services.nonce_endpoint = doc
        .nonce_service
        .as_ref()
        .and_then(|n| nonempty(&n.endpoint));
    if let Some(auth) = doc.authentication_service.as_ref() {
        services.auth_code_endpoint = nonempty(&auth.oauth2.auth_code_endpoint);
        services.token_endpoint = nonempty(&auth.oauth2.token_endpoint);
    }
    services.device_management_endpoint = doc
        .device_management_service
        .as_ref()
        .and_then(|d| nonempty(&d.device_management_endpoint));
    Ok(doc.tenant_info.map(|t| DiscoveredTenant {
        id: t.tenant_id,
        name: if t.display_name.is_empty() {
            t.tenant_name
        } else {
            t.display_name
        },
    }))
}

/// `TenantInfo` of the discovery document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredTenant {
    pub id: String,
    pub name: String,
}

/// What the device sends in a join, built once and reused on every retry so that the
/// server recognises a retried join (same keys) and answers with the same device.
#[derive(Debug, Clone)]
pub struct JoinPlan {
    pub join_type: JoinType,
    pub display_name: String,
    pub os_version: String,
    pub target_domain: String,
}

/// A successful join, checked against the device's own key.
#[derive(Debug, Clone)]
pub struct Joined {
    pub certificate: DeviceCertificateInfo,
    pub upn: Option<String>,
    pub local_administrators: Vec<String>,
}

/// `POST {JoinEndpoint}?api-version=…`.
pub async fn join(
    http: &Http,
    services: &Services,
    drs_token: &str,
    device_key: &RsaPrivateKey,
    transport_key: &RsaPrivateKey,
    plan: &JoinPlan,
) -> Result<Joined> {
    let endpoint = services
        .join_endpoint
        .as_deref()
        .ok_or_else(|| DeviceError::Input("DRS discovery has not run".into()))?;
    let version = services.join_service_version.as_deref().unwrap_or("2.0");
    let csr = build_csr(device_key, CSR_SUBJECT)?;
    let transport_blob = encode_bcrypt_rsa_public_blob(&transport_key.public_key());
    let mut request = JoinRequest::new(
        &csr,
        &transport_blob,
        "Windows",
        &plan.os_version,
        &plan.display_name,
        plan.join_type,
    );
    request.target_domain = Some(plan.target_domain.clone());
    let url = format!("{endpoint}?api-version={version}");
    let answer = http
        .post_json(&url, Some(drs_token), request.to_json())
        .await?;
    if !answer.status.is_success() {
        return Err(drs_refusal(&answer));
    }
    let response = JoinResponse::from_json(&answer.body).map_err(|e| DeviceError::Garbage {
        host: answer.host.clone(),
        what: "join response",
        detail: e.to_string(),
    })?;
    let der = response
        .certificate_der()
        .map_err(|e| DeviceError::Garbage {
            host: answer.host.clone(),
            what: "join response",
            detail: format!("Certificate.RawBody is not base64: {e}"),
        })?;
    let certificate = parse_device_certificate(&der).map_err(|e| DeviceError::Garbage {
        host: answer.host.clone(),
        what: "device certificate",
        detail: e.to_string(),
    })?;
    if certificate.spki_der != device_key.public_key().spki_der() {
        return Err(DeviceError::CertificateMismatch {
            detail: "its public key is not the device key sent in the request".into(),
        });
    }
    let local_administrators = response
        .membership_changes
        .iter()
        .flat_map(|c| c.add_sids.iter().cloned())
        .collect();
    Ok(Joined {
        certificate,
        upn: response.user.map(|u| u.upn),
        local_administrators,
    })
}

/// `DELETE {JoinEndpoint}{device id}` over TLS authenticated by the device certificate.
/// `Ok(false)` when the server no longer knows the device.
pub async fn delete(
    http_with_device_identity: &Http,
    services: &Services,
    device_id: &str,
) -> Result<bool> {
    let endpoint = services
        .join_endpoint
        .as_deref()
        .ok_or_else(|| DeviceError::Input("the DRS join endpoint is unknown".into()))?;
    let version = services.join_service_version.as_deref().unwrap_or("2.0");
    let url = format!(
        "{}/{device_id}?api-version={version}",
        endpoint.trim_end_matches('/')
    );
    let answer = http_with_device_identity.delete(&url).await?;
    if answer.status.is_success() {
        return Ok(true);
    }
    if answer.status == reqwest::StatusCode::NOT_FOUND {
        return Ok(false);
    }
    Err(drs_refusal(&answer))
}

/// The DRS error body of a refusal (or garbage).
fn drs_refusal(answer: &Answer) -> DeviceError {
    match serde_json::from_slice::<DrsErrorBody>(&answer.body) {
        Ok(body) if !body.error_type.is_empty() || !body.message.is_empty() => {
            DeviceError::RegistrationRefused {
                code: body.error_type,
                message: body.message,
                status: answer.status.as_u16(),
            }
        }
        _ => match super::oauth::refusal(answer) {
            DeviceError::Garbage { .. } => DeviceError::Garbage {
                host: answer.host.clone(),
                what: "DRS answer",
                detail: format!("HTTP {} with an unreadable body", answer.status.as_u16()),
            },
            oauth => oauth,
        },
    }
}
