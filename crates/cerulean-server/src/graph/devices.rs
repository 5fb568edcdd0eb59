//! `GET /{v}/devices` (a page of devices, with `$filter`, `$top`, `$count`, `$select`
//! and `@odata.nextLink`) and `GET /{v}/devices/$count` (the number, as text).

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use cerulean_directory::DevicePage;
use http::{HeaderMap, HeaderValue, header};
use serde_json::{Map, Value, json};

use super::auth::{Access, authorize};
use super::device_json::{check_select, device_selected, select_fragment};
use super::error::GraphError;
use super::query::{QueryOptions, Target};
use super::request::GraphRequest;
use crate::app::AppState;

/// `GET /{v}/devices`.
pub(super) async fn list(
    State(state): State<AppState>,
    request: GraphRequest,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    request.respond(list_page(&state, &request, &headers, query.as_deref()).await)
}

async fn list_page(
    state: &AppState,
    request: &GraphRequest,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, GraphError> {
    let caller = authorize(state, headers, Access::ReadDevices).await?;
    let options = QueryOptions::parse(query, Target::Collection)?;
    let select = check_select(options.select.as_deref())?;
    let page = if options.matches_nothing() {
        DevicePage {
            count: options.count.then_some(0),
            ..DevicePage::default()
        }
    } else {
        state
            .directory
            .list_devices(caller.tenant(), &options.device_query())
            .await?
    };
    let select = select.as_deref();
    let value = page
        .devices
        .iter()
        .map(|d| device_selected(d, select).map(Value::Object))
        .collect::<Result<Vec<_>, _>>()?;
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(request.context(&select_fragment("devices", select))),
    );
    if let Some(count) = page.count {
        body.insert("@odata.count".into(), json!(count));
    }
    if let Some(next) = page.next {
        let collection = format!("{}/devices", request.service_root());
        body.insert(
            "@odata.nextLink".into(),
            json!(options.next_link(&collection, next)),
        );
    }
    body.insert("value".into(), Value::Array(value));
    Ok(Json(Value::Object(body)).into_response())
}

/// `GET /{v}/devices/$count`: the number of (matching) devices as `text/plain`.
pub(super) async fn count(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, GraphError> {
    let caller = authorize(state, headers, Access::ReadDevices).await?;
    let options = QueryOptions::parse(query, Target::Collection)?;
    if options.top.is_some() || options.select.is_some() || options.after.is_some() {
        return Err(GraphError::unsupported_query(
            "/devices/$count takes only $filter.",
        ));
    }
    let count = if options.matches_nothing() {
        0
    } else {
        let mut query = options.device_query();
        query.top = 1;
        query.with_count = true;
        state
            .directory
            .list_devices(caller.tenant(), &query)
            .await?
            .count
            .unwrap_or_default()
    };
    let mut response = count.to_string().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(response)
}
