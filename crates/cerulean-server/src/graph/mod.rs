//! A Microsoft Graph shim for device identities and the device registration policy
//! (`docs/graph.md` describes it for operators and client authors).
//!
//! | method | path (as registered: lower-case, no trailing slash) | module |
//! |---|---|---|
//! | GET | `/{v}/devices` | [`devices`] |
//! | GET | `/{v}/devices/$count` | [`devices`] |
//! | GET, PATCH, DELETE | `/{v}/devices/{object-id}` | [`device`] |
//! | GET, PATCH, DELETE | `/{v}/devices(deviceId='{device-id}')` | [`device`] |
//! | GET, PUT | `/{v}/policies/deviceRegistrationPolicy` | [`policy`] |
//!
//! `{v}` is `v1.0` or `beta` (the same API). Callers are users holding Global
//! Administrator or Cloud Device Administrator, with a Graph access token from the
//! authority ([`auth`]); the tenant is the token's. Query options are in [`query`] and
//! [`filter`], the device resource in [`device_json`], errors — always Graph's OData
//! format, never a 500 for bad input — in [`error`].

pub mod auth;
pub mod device;
pub mod device_json;
pub mod devices;
pub mod error;
pub mod filter;
pub mod policy;
pub mod query;
pub mod request;

use axum::Router;
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use http::StatusCode;

use self::error::GraphError;
use self::request::GraphRequest;
use crate::app::AppState;

pub use device_json::{certificate_binding_key, device_json};
pub use policy::{parse_policy, policy_json};

/// The API versions served, as path prefixes.
const VERSIONS: [&str; 2] = ["/v1.0", "/beta"];

/// Every Graph route.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for v in VERSIONS {
        router = router
            .route(&format!("{v}/devices"), graph(get(devices::list)))
            .route(
                &format!("{v}/devices/{{id}}"),
                graph(
                    get(device::get_by_id)
                        .patch(device::patch_by_id)
                        .delete(device::delete_by_id),
                ),
            )
            // `devices(deviceId='…')`: one segment, told apart in the handler.
            .route(
                &format!("{v}/{{entity}}"),
                graph(
                    get(device::get_by_key)
                        .patch(device::patch_by_key)
                        .delete(device::delete_by_key),
                ),
            )
            .route(
                &format!("{v}/policies/deviceregistrationpolicy"),
                graph(get(policy::get).put(policy::put)),
            );
    }
    router
}

/// Answers methods a route does not take in Graph's format.
fn graph(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.fallback(method_not_allowed)
}

async fn method_not_allowed(request: GraphRequest) -> Response {
    request.error(GraphError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    ))
}
