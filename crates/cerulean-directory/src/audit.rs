//! Audit events: what changed, who did it, and whether it worked. Audit events are data in
//! the store (written in the same transaction as the change they describe), not log lines.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{AuditId, TenantId};

/// Who performed an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// The operator at the machine (admin CLI against the store), by OS user name.
    Operator(String),
    /// A signed-in user, by object id.
    User(String),
    /// An application acting as itself, by client id.
    Application(String),
    /// A device, by device id.
    Device(String),
    /// Cerulean itself (seeding, scheduled clean-up).
    System,
    /// Someone not (yet) authenticated, e.g. a failed sign-in.
    Anonymous,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Operator(name) => write!(f, "operator:{name}"),
            Actor::User(id) => write!(f, "user:{id}"),
            Actor::Application(id) => write!(f, "app:{id}"),
            Actor::Device(id) => write!(f, "device:{id}"),
            Actor::System => f.write_str("system"),
            Actor::Anonymous => f.write_str("anonymous"),
        }
    }
}

/// The outcome of the audited action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", content = "reason", rename_all = "snake_case")]
pub enum AuditResult {
    Success,
    Failure(String),
}

/// One audited action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: AuditId,
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub tenant_id: Option<TenantId>,
    pub actor: Actor,
    /// Dotted verb, e.g. `tenant.create`, `user.password.set`, `signin.password`.
    pub action: String,
    /// What it acted on, e.g. `user:<oid>` or `domain:contoso.test`.
    pub target: String,
    /// The request's correlation id, when the action came over HTTP.
    pub correlation_id: Option<String>,
    pub result: AuditResult,
    /// Extra facts (never secrets).
    pub details: serde_json::Value,
}

/// The context an action runs in: who, and which request.
#[derive(Debug, Clone)]
pub struct ActionContext {
    pub actor: Actor,
    pub correlation_id: Option<String>,
}

impl ActionContext {
    pub fn new(actor: Actor) -> Self {
        Self {
            actor,
            correlation_id: None,
        }
    }

    pub fn with_correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// A successful event for this context.
    pub fn event(
        &self,
        now: OffsetDateTime,
        tenant_id: Option<TenantId>,
        action: &str,
        target: impl Into<String>,
        details: serde_json::Value,
    ) -> AuditEvent {
        AuditEvent {
            id: AuditId::random(),
            time: now,
            tenant_id,
            actor: self.actor.clone(),
            action: action.to_string(),
            target: target.into(),
            correlation_id: self.correlation_id.clone(),
            result: AuditResult::Success,
            details,
        }
    }
}

/// Which audit events to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub tenant_id: Option<TenantId>,
    /// Only actions starting with this prefix (e.g. `user.`).
    pub action_prefix: Option<String>,
    pub since: Option<OffsetDateTime>,
    pub limit: u32,
}
