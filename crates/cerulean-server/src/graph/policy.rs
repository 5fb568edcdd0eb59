//! `GET` and `PUT /{v}/policies/deviceRegistrationPolicy`: the tenant's device
//! registration policy in Graph's `deviceRegistrationPolicy` shape (the directory type
//! serialises to it; this adds the fixed, read-only `id`, `displayName`, `description`).
//!
//! `PUT` replaces the whole policy, as in Graph: an omitted `userDeviceQuota` means 0
//! (no new devices), omitted `localAdmins`/`localAdminPassword` their defaults;
//! `azureADJoin` and `azureADRegistration` are required. The read-only properties and
//! `@odata.*` annotations may be sent back as read; any other unknown property is a 400,
//! as are a quota outside Graph's `Int32` range and enumerated users or groups that do not
//! exist in the tenant (the directory's rules). Answers 200 with the stored policy.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use cerulean_directory::DeviceRegistrationPolicy;
use http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use super::auth::{Access, authorize};
use super::error::{GraphError, quoted};
use super::request::{GraphRequest, json_object, typed};
use crate::app::AppState;

/// The `@odata.context` fragment of the policy.
const CONTEXT: &str = "policies/deviceRegistrationPolicy/$entity";

/// Top-level properties a `PUT` body may carry.
const WRITABLE: [&str; 5] = [
    "userDeviceQuota",
    "multiFactorAuthConfiguration",
    "azureADJoin",
    "azureADRegistration",
    "localAdminPassword",
];
const READ_ONLY: [&str; 3] = ["id", "displayName", "description"];

/// `GET /{v}/policies/deviceRegistrationPolicy`.
pub(super) async fn get(
    State(state): State<AppState>,
    request: GraphRequest,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let caller = authorize(&state, &headers, Access::ReadPolicy).await?;
        let policy = state
            .directory
            .device_registration_policy(caller.tenant())
            .await?;
        policy_response(&request, &policy)
    }
    .await;
    request.respond(result)
}

/// `PUT /{v}/policies/deviceRegistrationPolicy`.
pub(super) async fn put(
    State(state): State<AppState>,
    request: GraphRequest,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let result = async {
        let caller = authorize(&state, &headers, Access::WritePolicy).await?;
        let body = body.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                GraphError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Request_EntityTooLarge",
                    "The request body is too large.",
                )
            } else {
                GraphError::bad_request("The request body could not be read.")
            }
        })?;
        let policy = parse_policy(json_object(&body)?)?;
        let stored = state
            .directory
            .put_device_registration_policy(
                &caller.action_context(&request),
                caller.tenant(),
                policy,
            )
            .await?;
        policy_response(&request, &stored)
    }
    .await;
    request.respond(result)
}

/// The policy in a `PUT` body (see the module documentation).
pub fn parse_policy(mut body: Map<String, Value>) -> Result<DeviceRegistrationPolicy, GraphError> {
    if let Some(unknown) = body.keys().find(|k| {
        !k.starts_with("@odata.")
            && !WRITABLE.contains(&k.as_str())
            && !READ_ONLY.contains(&k.as_str())
    }) {
        return Err(GraphError::bad_request(format!(
            "Property '{}' does not exist on type 'microsoft.graph.deviceRegistrationPolicy'.",
            quoted(unknown)
        )));
    }
    body.retain(|k, _| WRITABLE.contains(&k.as_str()));
    typed(Value::Object(body), "deviceRegistrationPolicy")
}

/// The policy as Graph returns it, with the read-only properties.
pub fn policy_json(policy: &DeviceRegistrationPolicy) -> Result<Map<String, Value>, GraphError> {
    let mut map = match serde_json::to_value(policy) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(GraphError::internal(&"policy is not a JSON object")),
        Err(e) => return Err(GraphError::internal(&e)),
    };
    map.insert("id".into(), json!(DeviceRegistrationPolicy::ID));
    map.insert(
        "displayName".into(),
        json!(DeviceRegistrationPolicy::DISPLAY_NAME),
    );
    map.insert(
        "description".into(),
        json!(DeviceRegistrationPolicy::DESCRIPTION),
    );
    Ok(map)
}

fn policy_response(
    request: &GraphRequest,
    policy: &DeviceRegistrationPolicy,
) -> Result<Response, GraphError> {
    let mut body = policy_json(policy)?;
    body.insert("@odata.context".into(), json!(request.context(CONTEXT)));
    Ok(Json(Value::Object(body)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn what_get_returns_put_accepts() {
        let policy = DeviceRegistrationPolicy::default();
        let mut read = policy_json(&policy).unwrap();
        read.insert("@odata.context".into(), json!("x"));
        assert_eq!(read["id"], "deviceRegistrationPolicy");
        assert_eq!(parse_policy(read).unwrap(), policy);
    }

    #[test]
    fn unknown_properties_and_bad_values_are_refused() {
        let mut body = policy_json(&DeviceRegistrationPolicy::default()).unwrap();
        body.insert("frobnicate".into(), json!(1));
        assert!(
            parse_policy(body)
                .unwrap_err()
                .message
                .contains("frobnicate")
        );
        let body = object(json!({ "userDeviceQuota": -1 }));
        assert_eq!(parse_policy(body).unwrap_err().code, "Request_BadRequest");
        let mut body = policy_json(&DeviceRegistrationPolicy::default()).unwrap();
        body.insert("multiFactorAuthConfiguration".into(), json!("sometimes"));
        assert_eq!(
            parse_policy(body).unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }
}
