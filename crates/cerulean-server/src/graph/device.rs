//! One device: `GET`, `PATCH` and `DELETE` on `/{v}/devices/{object-id}` and on Graph's
//! alternate key `/{v}/devices(deviceId='{device-id}')`.
//!
//! `PATCH` takes `accountEnabled` and `displayName` (other properties are a 400) and
//! answers 204; `DELETE` answers 204. Both go through the directory, which audits them
//! with the administrator as actor and the request's correlation id.

use axum::Json;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use cerulean_directory::{
    Device, DeviceId, DeviceObjectId, DeviceUpdate, DirectoryError, TenantId,
};
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::auth::{Access, authorize};
use super::device_json::{check_select, device_selected, select_fragment};
use super::devices;
use super::error::{GraphError, quoted};
use super::query::{QueryOptions, Target};
use super::request::{GraphRequest, json_object};
use crate::app::AppState;

/// How the path names the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeviceRef {
    /// `/devices/{id}`: the object id.
    Object(DeviceObjectId),
    /// `/devices(deviceId='{deviceId}')`.
    Device(DeviceId),
}

type PathArg = Result<Path<String>, PathRejection>;

/// `GET /{v}/devices/{id}` (and `/{v}/devices/$count`).
pub(super) async fn get_by_id(
    State(state): State<AppState>,
    request: GraphRequest,
    headers: HeaderMap,
    path: PathArg,
    RawQuery(query): RawQuery,
) -> Response {
    let result = match segment(path) {
        Ok(id) if id == "$count" => devices::count(&state, &headers, query.as_deref()).await,
        Ok(id) => match object_ref(&id) {
            Ok(r) => get(&state, &request, &headers, r, query.as_deref()).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    request.respond(result)
}

/// `GET /{v}/devices(deviceId='…')`.
pub(super) async fn get_by_key(
    State(state): State<AppState>,
    request: GraphRequest,
    headers: HeaderMap,
    path: PathArg,
    RawQuery(query): RawQuery,
) -> Response {
    let result = match segment(path).and_then(|s| keyed_ref(&s)) {
        Ok(r) => get(&state, &request, &headers, r, query.as_deref()).await,
        Err(e) => Err(e),
    };
    request.respond(result)
}

/// `PATCH /{v}/devices/{id}`.
pub(super) async fn patch_by_id(
    State(state): State<AppState>,
    request: GraphRequest,
    headers: HeaderMap,
    path: PathArg,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = match segment(path).and_then(|s| object_ref(&s)) {
        Ok(r) => patch(&state, &request, &headers, r, body).await,
        Err(e) => Err(e),
    };
    request.respond(result)
}

/// `PATCH /{v}/devices(deviceId='…')`.
pub(super) async fn patch_by_key(
    State(state): State<AppState>,
    request: GraphRequest,
    headers: HeaderMap,
    path: PathArg,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = match segment(path).and_then(|s| keyed_ref(&s)) {
        Ok(r) => patch(&state, &request, &headers, r, body).await,
        Err(e) => Err(e),
    };
    request.respond(result)
}

/// `DELETE /{v}/devices/{id}`.
pub(super) async fn delete_by_id(
    State(state): State<AppState>,
    request: GraphRequest,
    headers: HeaderMap,
    path: PathArg,
) -> Response {
    let result = match segment(path).and_then(|s| object_ref(&s)) {
        Ok(r) => delete(&state, &request, &headers, r).await,
        Err(e) => Err(e),
    };
    request.respond(result)
}

/// `DELETE /{v}/devices(deviceId='…')`.
pub(super) async fn delete_by_key(
    State(state): State<AppState>,
    request: GraphRequest,
    headers: HeaderMap,
    path: PathArg,
) -> Response {
    let result = match segment(path).and_then(|s| keyed_ref(&s)) {
        Ok(r) => delete(&state, &request, &headers, r).await,
        Err(e) => Err(e),
    };
    request.respond(result)
}

async fn get(
    state: &AppState,
    request: &GraphRequest,
    headers: &HeaderMap,
    device: DeviceRef,
    query: Option<&str>,
) -> Result<Response, GraphError> {
    let caller = authorize(state, headers, Access::ReadDevices).await?;
    let options = QueryOptions::parse(query, Target::Entity)?;
    let select = check_select(options.select.as_deref())?;
    let device = find(state, caller.tenant(), device).await?;
    let select = select.as_deref();
    let mut body = device_selected(&device, select)?;
    let fragment = format!("{}/$entity", select_fragment("devices", select));
    body.insert("@odata.context".into(), json!(request.context(&fragment)));
    Ok(Json(Value::Object(body)).into_response())
}

async fn patch(
    state: &AppState,
    request: &GraphRequest,
    headers: &HeaderMap,
    device: DeviceRef,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, GraphError> {
    let caller = authorize(state, headers, Access::WriteDevices).await?;
    let body = body.map_err(body_error)?;
    let mut enabled = None;
    let mut display_name = None;
    for (name, value) in json_object(&body)? {
        match (name.as_str(), value) {
            ("accountEnabled", Value::Bool(b)) => enabled = Some(b),
            ("displayName", Value::String(s)) => display_name = Some(s),
            ("accountEnabled", _) => {
                return Err(GraphError::bad_request(
                    "Invalid value specified for property 'accountEnabled': use true or false.",
                ));
            }
            ("displayName", _) => {
                return Err(GraphError::bad_request(
                    "Invalid value specified for property 'displayName': use a string.",
                ));
            }
            (name, _) if name.starts_with("@odata.") => {}
            (name, _) => {
                return Err(GraphError::bad_request(format!(
                    "Property '{}' cannot be updated here: PATCH on a device takes \
                     accountEnabled and displayName.",
                    quoted(name)
                )));
            }
        }
    }
    let tenant = caller.tenant();
    let device = find(state, tenant, device).await?;
    let ctx = caller.action_context(request);
    let directory = &state.directory;
    if display_name.is_some() {
        let update = DeviceUpdate {
            display_name,
            ..DeviceUpdate::default()
        };
        directory
            .update_device(&ctx, tenant, device.object_id, update)
            .await
            .map_err(|e| match e {
                // The directory names the field in words; Graph names the property.
                DirectoryError::Invalid { reason, .. } => GraphError::bad_request(format!(
                    "Invalid value specified for property 'displayName': {reason}."
                )),
                other => GraphError::from_directory(other),
            })?;
    }
    if let Some(enabled) = enabled {
        directory
            .set_device_enabled(&ctx, tenant, device.object_id, enabled)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete(
    state: &AppState,
    request: &GraphRequest,
    headers: &HeaderMap,
    device: DeviceRef,
) -> Result<Response, GraphError> {
    let caller = authorize(state, headers, Access::WriteDevices).await?;
    let tenant = caller.tenant();
    let device = find(state, tenant, device).await?;
    state
        .directory
        .delete_device(&caller.action_context(request), tenant, device.object_id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn find(state: &AppState, tenant: TenantId, device: DeviceRef) -> Result<Device, GraphError> {
    let directory = &state.directory;
    match device {
        DeviceRef::Object(id) => Ok(directory.device(tenant, id).await?),
        DeviceRef::Device(id) => directory
            .device_by_device_id(tenant, id)
            .await?
            .ok_or_else(|| GraphError::not_found(&id.to_string())),
    }
}

fn segment(path: PathArg) -> Result<String, GraphError> {
    path.map(|Path(s)| s)
        .map_err(|_| GraphError::bad_request("The request path is not valid."))
}

fn object_ref(id: &str) -> Result<DeviceRef, GraphError> {
    id.parse()
        .map(DeviceRef::Object)
        .map_err(|_| invalid_id(id))
}

/// `devices(deviceid='…')` (the path arrives lower-cased; the quote may be escaped).
fn keyed_ref(segment: &str) -> Result<DeviceRef, GraphError> {
    let Some(inner) = segment
        .strip_prefix("devices(")
        .and_then(|s| s.strip_suffix(')'))
    else {
        return Err(GraphError::unknown_segment(segment));
    };
    let Some((key, value)) = inner.split_once('=') else {
        return Err(GraphError::bad_request(
            "Use the alternate key form devices(deviceId='{deviceId}').",
        ));
    };
    if !key.trim().eq_ignore_ascii_case("deviceid") {
        return Err(GraphError::bad_request(format!(
            "'{}' is not an alternate key of devices: use deviceId.",
            quoted(key.trim())
        )));
    }
    let value = value.trim();
    let unquoted = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .or_else(|| {
            value
                .strip_prefix("%27")
                .and_then(|v| v.strip_suffix("%27"))
        })
        .unwrap_or(value);
    unquoted
        .parse()
        .map(DeviceRef::Device)
        .map_err(|_| invalid_id(unquoted))
}

fn invalid_id(id: &str) -> GraphError {
    GraphError::bad_request(format!("Invalid object identifier '{}'.", quoted(id)))
}

fn body_error(rejection: BytesRejection) -> GraphError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request_EntityTooLarge",
            "The request body is too large.",
        )
    } else {
        GraphError::bad_request("The request body could not be read.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternate_keys() {
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let want = DeviceRef::Device(id.parse().unwrap());
        assert_eq!(
            keyed_ref(&format!("devices(deviceid='{id}')")).unwrap(),
            want
        );
        assert_eq!(
            keyed_ref(&format!("devices(deviceid=%27{id}%27)")).unwrap(),
            want
        );
        assert_eq!(keyed_ref(&format!("devices(deviceid={id})")).unwrap(), want);
        assert_eq!(
            keyed_ref("devices(deviceid='x')").unwrap_err().code,
            "Request_BadRequest"
        );
        assert_eq!(
            keyed_ref("devices(id='x')").unwrap_err().code,
            "Request_BadRequest"
        );
        assert_eq!(keyed_ref("users").unwrap_err().code, "BadRequest");
        assert_eq!(object_ref("nope").unwrap_err().code, "Request_BadRequest");
    }
}
