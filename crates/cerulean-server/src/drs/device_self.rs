//! The device changing itself (MS-DVRJ §3.1.5.1.2; PROTOCOLS.md §4.7):
//!
//! * `DELETE /EnrollmentServer/device/{device-id}?api-version=…` → `200` with an empty
//!   body (roadtx `device -a delete`);
//! * `PUT /EnrollmentServer/device/{device-id}?api-version=…` with a JSON body of
//!   `OSVersion` and/or `DeviceDisplayName` (member names in any case) → `200` with the
//!   device's current values. The hybrid-join form of this `PUT` (`JoinType: 6`,
//!   `CertificateRequest`, `ServerAdJoinData`) is refused: it needs on-premises AD.
//!
//! Both authenticate with the device's certificate as TLS client certificate, no bearer:
//! it must be byte-equal to a registered device's current certificate (thumbprint and
//! key match too), that device must be enabled, and its id must be the one in the path —
//! a device can change only itself. No certificate → 401; another device's id or a
//! disabled device → 403. The directory audits both changes with the device as actor.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use cerulean_directory::{ActionContext, Actor, Device, DeviceRefusal, DeviceUpdate};
use cerulean_proto::drs::{DrsError, JoinRequestError};
use http::{Extensions, StatusCode};
use serde_json::{Map, Value, json};

use super::auth;
use super::respond::{self, ApiVersion, drs_error, empty_ok, json_response};
use crate::app::AppState;
use crate::authority::realm::query_value;
use crate::middleware::observe::CorrelationId;

/// Largest update body accepted.
const MAX_UPDATE_LEN: usize = 16 * 1024;

/// `DELETE /EnrollmentServer/device/{device_id}`.
pub async fn delete(
    State(state): State<AppState>,
    Path(device_id): Path<String>,
    RawQuery(query): RawQuery,
    correlation: CorrelationId,
    extensions: Extensions,
) -> Response {
    let now = state.directory.clock().now();
    let answer = async {
        let device = authenticate(&state, query.as_deref(), &device_id, &extensions).await?;
        let ctx = device_context(&device, &correlation);
        state
            .directory
            .delete_device(&ctx, device.tenant_id, device.object_id)
            .await
            .map_err(|e| respond::directory_failure(&e))?;
        tracing::info!(device_id = %device.device_id, "device deleted itself");
        Ok::<_, DrsError>(())
    };
    match answer.await {
        Ok(()) => empty_ok(),
        Err(e) => drs_error(&e, &correlation, now),
    }
}

/// `PUT /EnrollmentServer/device/{device_id}`.
pub async fn update(
    State(state): State<AppState>,
    Path(device_id): Path<String>,
    RawQuery(query): RawQuery,
    correlation: CorrelationId,
    extensions: Extensions,
    body: Body,
) -> Response {
    let now = state.directory.clock().now();
    let answer = async {
        let device = authenticate(&state, query.as_deref(), &device_id, &extensions).await?;
        let bytes = axum::body::to_bytes(body, MAX_UPDATE_LEN + 1)
            .await
            .map_err(|_| {
                DrsError::invalid_request(format!(
                    "The request body could not be read or is larger than {MAX_UPDATE_LEN} bytes."
                ))
            })?;
        let update = parse_update(&bytes)?;
        let ctx = device_context(&device, &correlation);
        let updated = state
            .directory
            .update_device_self(&ctx, &device, update)
            .await
            .map_err(|e| respond::directory_failure(&e))?;
        Ok::<_, DrsError>(json!({
            "DeviceId": updated.device_id,
            "DeviceDisplayName": updated.display_name,
            "OSVersion": updated.operating_system_version,
        }))
    };
    match answer.await {
        Ok(body) => json_response(StatusCode::OK, body.to_string()),
        Err(e) => drs_error(&e, &correlation, now),
    }
}

fn device_context(device: &Device, correlation: &CorrelationId) -> ActionContext {
    ActionContext::new(Actor::Device(device.device_id.to_string()))
        .with_correlation_id(correlation.as_str())
}

/// The device the TLS client certificate authenticates, if it may act on `path_id`.
async fn authenticate(
    state: &AppState,
    query: Option<&str>,
    path_id: &str,
    extensions: &Extensions,
) -> Result<Device, DrsError> {
    // Optional: roadtx's `device -a delete` sends none (INTEROP.md §4.4).
    let version = query_value(query, "api-version");
    ApiVersion::optional(version.as_deref(), (1, 0), (3, 0))?;
    let Ok(path_id) = uuid::Uuid::parse_str(path_id.trim()) else {
        return Err(DrsError::invalid_request(
            "The device id in the path is not a GUID.",
        ));
    };
    if !auth::has_client_certificate(extensions) {
        return Err(DrsError::authentication(
            "Authenticate with the device certificate (TLS client certificate) issued at join.",
        ));
    }
    let device = auth::certificate_device(state, extensions)
        .await
        .map_err(|e| respond::directory_failure(&e))?
        .ok_or_else(|| {
            DrsError::authentication(
                "The client certificate is not the current certificate of a registered \
                 device. Join or register the device again.",
            )
        })?;
    if device.device_id.0 != path_id {
        return Err(DrsError::authorization(
            "A device can only change or delete itself: the device id in the path is not \
             the one in its certificate.",
        ));
    }
    if !device.enabled {
        return Err(respond::refusal(&DeviceRefusal::DeviceDisabled));
    }
    Ok(device)
}

/// The members of an update body, names matched ignoring case.
fn parse_update(bytes: &[u8]) -> Result<DeviceUpdate, DrsError> {
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(bytes) else {
        return Err(DrsError::invalid_request(
            "The request body must be a JSON object.",
        ));
    };
    let join_type = member(&obj, "JoinType")?;
    let hybrid = matches!(join_type, Some(Value::Number(n)) if n.as_i64() == Some(6))
        || matches!(join_type, Some(Value::String(s)) if s.trim() == "6")
        || member(&obj, "ServerAdJoinData")?.is_some()
        || member(&obj, "CertificateRequest")?.is_some();
    if hybrid {
        return Err(JoinRequestError::HybridJoinUnsupported.into());
    }
    let text = |name: &'static str| -> Result<Option<String>, DrsError> {
        match member(&obj, name)? {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(DrsError::invalid_request(format!(
                "{name} must be a string."
            ))),
        }
    };
    let update = DeviceUpdate {
        display_name: text("DeviceDisplayName")?,
        operating_system: None,
        operating_system_version: text("OSVersion")?,
    };
    if update.display_name.is_none() && update.operating_system_version.is_none() {
        return Err(DrsError::invalid_request(
            "Nothing to update: send OSVersion and/or DeviceDisplayName.",
        ));
    }
    Ok(update)
}

fn member<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<Option<&'a Value>, DrsError> {
    let mut found = obj
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v);
    let first = found.next();
    if found.next().is_some() {
        return Err(DrsError::invalid_request(format!(
            "{name} appears more than once (member names are case-insensitive)."
        )));
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_bodies() {
        let ok = parse_update(br#"{"osversion":"10.0.26100.1","DeviceDisplayName":"pc"}"#).unwrap();
        assert_eq!(ok.operating_system_version.as_deref(), Some("10.0.26100.1"));
        assert_eq!(ok.display_name.as_deref(), Some("pc"));
        for bad in [
            &br#"{"JoinType":6,"OSVersion":"x"}"#[..],
            br#"{"joinType":"6","OSVersion":"x"}"#,
            br#"{"CertificateRequest":{},"OSVersion":"x"}"#,
            br#"{}"#,
            br#"[]"#,
            br#"{"OSVersion":1}"#,
            br#"{"OSVersion":"a","osversion":"b"}"#,
        ] {
            let e = parse_update(bad).unwrap_err();
            assert_eq!(e.http_status(), 400, "{}", String::from_utf8_lossy(bad));
        }
        let hybrid = parse_update(br#"{"JoinType":6}"#).unwrap_err();
        assert!(hybrid.message.contains("hybrid join"), "{}", hybrid.message);
    }
}
