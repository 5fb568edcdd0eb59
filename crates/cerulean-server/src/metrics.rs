//! Prometheus metrics (OpenMetrics text via `prometheus-client`).
//!
//! Label values come only from bounded sets (route templates, not raw paths; known
//! methods; status codes), so a scanner cannot blow up the series count.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Metric, Registry, Unit};

/// Route label for requests no route matched (404s, scans).
pub const UNMATCHED_ROUTE: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    version: String,
}

fn duration_histogram() -> Histogram {
    // 1 ms … ~33 s: covers a health check and a slow Argon2 sign-in.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The server's metrics. Services register their own with [`Metrics::register`].
#[derive(Debug)]
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    resident_memory: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("cerulean");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        let durations: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(duration_histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time from request head to response head, by route template",
            Unit::Seconds,
            durations.clone(),
        );
        let resident_memory = Gauge::default();
        registry.register_with_unit(
            "process_resident_memory",
            "Resident set size of the process, read at scrape time",
            Unit::Bytes,
            resident_memory.clone(),
        );
        let build_info = Family::<VersionLabels, Gauge>::default();
        build_info
            .get_or_create(&VersionLabels {
                version: env!("CARGO_PKG_VERSION").to_owned(),
            })
            .set(1);
        registry.register(
            "build_info",
            "Always 1; labelled with the version",
            build_info,
        );
        Self {
            registry: Mutex::new(registry),
            requests,
            durations,
            resident_memory,
        }
    }

    /// Adds a service's metric; `name` gets the `cerulean_` prefix.
    pub fn register(&self, name: &str, help: &str, metric: impl Metric) {
        let mut registry = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        registry.register(name, help, metric);
    }

    /// Records one answered request. `route` must be a route template or
    /// [`UNMATCHED_ROUTE`], never a raw path.
    pub fn observe_request(
        &self,
        method: &http::Method,
        route: &str,
        status: u16,
        elapsed: Duration,
    ) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method_label(method).to_owned(),
                route: route.to_owned(),
                status: status.to_string(),
            })
            .inc();
        self.durations
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// The OpenMetrics text exposition, with process gauges refreshed first.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        if let Some(rss) = resident_memory_bytes() {
            self.resident_memory.set(rss);
        }
        let registry = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &registry)?;
        Ok(out)
    }
}

fn method_label(method: &http::Method) -> &'static str {
    use http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Resident set size from `/proc/self/status` (`VmRSS`, in KiB). `statm` counts pages and
/// the page size cannot be read without `unsafe` `sysconf`; `VmRSS` needs no page size.
fn resident_memory_bytes() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: i64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_documented_series() {
        let metrics = Metrics::new();
        metrics.observe_request(
            &http::Method::GET,
            "/healthz",
            200,
            Duration::from_millis(3),
        );
        metrics.observe_request(
            &http::Method::from_bytes(b"BREW").unwrap(),
            UNMATCHED_ROUTE,
            404,
            Duration::ZERO,
        );
        let text = metrics.render().unwrap();
        assert!(
            text.contains(
                r#"cerulean_http_requests_total{method="GET",route="/healthz",status="200"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"cerulean_http_requests_total{method="other",route="unmatched",status="404"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"cerulean_http_request_duration_seconds_bucket{le="0.004",route="/healthz"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"cerulean_build_info{version=""#), "{text}");
        assert!(
            text.contains("cerulean_process_resident_memory_bytes "),
            "{text}"
        );
        assert!(
            !text.contains("cerulean_process_resident_memory_bytes 0\n"),
            "{text}"
        );
    }
}
