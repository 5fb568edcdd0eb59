//! The server's own view of the run: time spent per route, from its Prometheus
//! histogram `cerulean_http_request_duration_seconds` read before and after the run.
//!
//! A device measures a phase from its side (TLS, its own signing, the network, the
//! server's queue); the server's sum over count is what it spent from request head to
//! response head. Routes are templates, so the token endpoint's sign-ins and PRT requests
//! share one line. Works against any server exposing that histogram at `/metrics`
//! (Cerulean); elsewhere the run simply has no such table.

use std::collections::BTreeMap;

use crate::http::Http;

const PREFIX: &str = "cerulean_http_request_duration_seconds";

/// Per route: (requests, seconds spent).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot(BTreeMap<String, (u64, f64)>);

/// Server time of one route during the run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RouteTime {
    pub route: String,
    pub requests: u64,
    pub mean_ms: f64,
}

/// Reads `{server}/metrics`; `None` if it is not there. A server that has answered nothing
/// yet has no histogram lines, and that empty snapshot is the right "before": only a
/// server that is not Cerulean's leaves the "after" empty too, and shows nothing.
pub async fn scrape(http: &Http, server: &str) -> Option<Snapshot> {
    let url = format!("{}/metrics", server.trim_end_matches('/'));
    let answer = http.get(&url, None).await.ok()?;
    if !answer.status.is_success() {
        return None;
    }
    Some(parse(&answer.text()))
}

fn parse(text: &str) -> Snapshot {
    let mut out: BTreeMap<String, (u64, f64)> = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(PREFIX) else {
            continue;
        };
        let (is_sum, rest) = if let Some(r) = rest.strip_prefix("_sum{") {
            (true, r)
        } else if let Some(r) = rest.strip_prefix("_count{") {
            (false, r)
        } else {
            continue;
        };
        let Some((labels, value)) = rest.rsplit_once("} ") else {
            continue;
        };
        let Some(route) = labels
            .split(',')
            .find_map(|l| l.strip_prefix("route=\""))
            .and_then(|r| r.strip_suffix('"'))
        else {
            continue;
        };
        // OpenMetrics may follow the value with a timestamp or an exemplar.
        let value = value.split_whitespace().next().unwrap_or_default();
        let entry = out.entry(route.to_string()).or_default();
        if is_sum {
            entry.1 = value.parse().unwrap_or(0.0);
        } else {
            entry.0 = value.parse().unwrap_or(0);
        }
    }
    Snapshot(out)
}

/// What happened between `before` and `after`, busiest route first.
pub fn difference(before: &Snapshot, after: &Snapshot) -> Vec<RouteTime> {
    let mut out: Vec<RouteTime> = after
        .0
        .iter()
        .filter(|(route, _)| route.as_str() != "/metrics")
        .filter_map(|(route, (count, sum))| {
            let (c0, s0) = before.0.get(route).copied().unwrap_or_default();
            let requests = count.checked_sub(c0).filter(|n| *n > 0)?;
            Some(RouteTime {
                route: route.clone(),
                requests,
                mean_ms: (sum - s0) * 1000.0 / requests as f64,
            })
        })
        .collect();
    out.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.route.cmp(&b.route)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "\
# TYPE cerulean_http_request_duration_seconds histogram
cerulean_http_request_duration_seconds_sum{route=\"/{tenant}/oauth2/token\"} 1.0
cerulean_http_request_duration_seconds_count{route=\"/{tenant}/oauth2/token\"} 10
cerulean_http_request_duration_seconds_bucket{le=\"0.004\",route=\"/{tenant}/oauth2/token\"} 1
";
    const AFTER: &str = "\
cerulean_http_request_duration_seconds_sum{route=\"/{tenant}/oauth2/token\"} 3.0
cerulean_http_request_duration_seconds_count{route=\"/{tenant}/oauth2/token\"} 30
cerulean_http_request_duration_seconds_sum{route=\"/EnrollmentServer/device/\"} 0.5
cerulean_http_request_duration_seconds_count{route=\"/EnrollmentServer/device/\"} 10
cerulean_http_request_duration_seconds_sum{route=\"/metrics\"} 0.1
cerulean_http_request_duration_seconds_count{route=\"/metrics\"} 2
cerulean_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"} 2
";

    #[test]
    fn the_run_is_the_difference_of_two_scrapes() {
        let diff = difference(&parse(BEFORE), &parse(AFTER));
        assert_eq!(
            diff,
            [
                RouteTime {
                    route: "/{tenant}/oauth2/token".into(),
                    requests: 20,
                    mean_ms: 100.0
                },
                RouteTime {
                    route: "/EnrollmentServer/device/".into(),
                    requests: 10,
                    mean_ms: 50.0
                },
            ]
        );
    }

    #[test]
    fn a_server_that_answered_nothing_yet_counts_from_zero() {
        let fresh = parse("# HELP cerulean_http_requests HTTP requests answered\n");
        let diff = difference(&fresh, &parse(AFTER));
        assert_eq!(diff.len(), 2, "{diff:?}");
        assert_eq!(diff[0].requests, 30);
        assert!((diff[0].mean_ms - 100.0).abs() < 1e-9);
    }
}
