//! What every Graph handler knows about its request: the API version it was called on
//! (`/v1.0` or `/beta`), the public base URL for absolute links, and the correlation id
//! errors carry. Plus JSON body parsing that answers bad input with a 400, never a 500.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::response::Response;
use bytes::Bytes;
use http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::{GraphError, quoted};
use crate::app::AppState;
use crate::middleware::observe::CorrelationId;
use crate::public_url::PublicBase;

/// The Graph API version in the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    V1,
    Beta,
}

impl ApiVersion {
    /// The path segment: `v1.0` or `beta`.
    pub fn segment(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }
}

/// Per-request context of a Graph call.
#[derive(Debug, Clone)]
pub struct GraphRequest {
    pub version: ApiVersion,
    pub base: PublicBase,
    pub correlation: CorrelationId,
}

impl GraphRequest {
    /// `{base}/{version}` — where absolute links start.
    pub fn service_root(&self) -> String {
        format!("{}/{}", self.base, self.version.segment())
    }

    /// `{service root}/$metadata#{fragment}` for `@odata.context`.
    pub fn context(&self, fragment: &str) -> String {
        format!("{}/$metadata#{fragment}", self.service_root())
    }

    /// Answers an error in Graph's format for this request.
    pub fn error(&self, error: GraphError) -> Response {
        error.respond(self.correlation.as_str(), &self.base)
    }

    /// Either side of a handler's result as a response.
    pub fn respond(&self, result: Result<Response, GraphError>) -> Response {
        result.unwrap_or_else(|e| self.error(e))
    }
}

impl FromRequestParts<AppState> for GraphRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let base = PublicBase::from_request_parts(parts, state).await?;
        let correlation = CorrelationId::from_request_parts(parts, state).await?;
        let version = if parts.uri.path().starts_with("/beta") {
            ApiVersion::Beta
        } else {
            ApiVersion::V1
        };
        Ok(Self {
            version,
            base,
            correlation,
        })
    }
}

/// Parses a JSON object body: empty, non-JSON, or non-object bodies are 400s with
/// serde's (bounded) explanation.
pub fn json_object(body: &Bytes) -> Result<Map<String, Value>, GraphError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(GraphError::bad_request(
            "The request body is empty: send a JSON object.",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(GraphError::bad_request(
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(GraphError::bad_request(format!(
            "The request body is not valid JSON: {}.",
            quoted(&e.to_string())
        ))),
    }
}

/// Deserializes an already parsed value into `T`, with serde's explanation as the 400.
pub fn typed<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, GraphError> {
    serde_json::from_value(value).map_err(|e| {
        GraphError::bad_request(format!("Invalid {what}: {}.", quoted(&e.to_string())))
    })
}
