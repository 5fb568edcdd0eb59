//! `cerulean_drs_registrations_total{join_type,result}`: join and register outcomes.
//!
//! Both labels come from bounded sets: `join_type` is `join`, `register` or `unknown`
//! (the request never got as far as a valid join type); `result` is `created`, `reused`,
//! `retried`, a refusal code (`quota_exceeded`, `not_allowed_to_join`, …),
//! `invalid_request`, `unauthenticated` or `error`.

use cerulean_proto::drs::JoinType;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use crate::metrics::Metrics;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Labels {
    join_type: &'static str,
    result: &'static str,
}

/// The DRS counters.
#[derive(Debug, Clone, Default)]
pub struct DrsMetrics {
    registrations: Family<Labels, Counter>,
}

impl DrsMetrics {
    /// Creates the family and registers it (`cerulean_drs_registrations_total`).
    pub fn register(metrics: &Metrics) -> Self {
        let this = Self::default();
        metrics.register(
            "drs_registrations",
            "DRS join (JoinType 0) and register (JoinType 4) requests by outcome",
            this.registrations.clone(),
        );
        this
    }

    /// Counts one join request. `result` must be one of the words in the module docs.
    pub fn record(&self, join_type: Option<JoinType>, result: &'static str) {
        let join_type = match join_type {
            Some(JoinType::Join) => "join",
            Some(JoinType::Register) => "register",
            None => "unknown",
        };
        self.registrations
            .get_or_create(&Labels { join_type, result })
            .inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_join_type_and_result() {
        let metrics = Metrics::new();
        let drs = DrsMetrics::register(&metrics);
        drs.record(Some(JoinType::Join), "created");
        drs.record(Some(JoinType::Register), "quota_exceeded");
        drs.record(None, "invalid_request");
        let text = metrics.render().unwrap_or_default();
        for line in [
            r#"cerulean_drs_registrations_total{join_type="join",result="created"} 1"#,
            r#"cerulean_drs_registrations_total{join_type="register",result="quota_exceeded"} 1"#,
            r#"cerulean_drs_registrations_total{join_type="unknown",result="invalid_request"} 1"#,
        ] {
            assert!(text.contains(line), "{text}");
        }
    }
}
