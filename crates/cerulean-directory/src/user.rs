//! Users and their directory roles.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{TenantId, UserId};

/// A directory role a user can hold. Every user is an ordinary user; these add rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    GlobalAdministrator,
    CloudDeviceAdministrator,
    /// "Microsoft Entra Joined Device Local Administrator": local administrator on every
    /// joined device (its SID is in each join's `MembershipChanges`).
    JoinedDeviceLocalAdministrator,
}

impl Role {
    pub const ALL: [Role; 3] = [
        Role::GlobalAdministrator,
        Role::CloudDeviceAdministrator,
        Role::JoinedDeviceLocalAdministrator,
    ];

    /// Entra's role template id (`roleTemplateId` in Graph), used when deriving the SIDs
    /// that become local administrators on joined devices.
    pub fn template_id(&self) -> &'static str {
        match self {
            Role::GlobalAdministrator => "62e90394-69f5-4237-9190-012177145e10",
            Role::CloudDeviceAdministrator => "7698a772-787b-4ac8-901f-60d6b08affd2",
            Role::JoinedDeviceLocalAdministrator => "9f06204d-73c1-4d4c-880a-6edb90606fd8",
        }
    }

    /// Graph's display name for the role.
    pub fn display_name(&self) -> &'static str {
        match self {
            Role::GlobalAdministrator => "Global Administrator",
            Role::CloudDeviceAdministrator => "Cloud Device Administrator",
            Role::JoinedDeviceLocalAdministrator => {
                "Microsoft Entra Joined Device Local Administrator"
            }
        }
    }

    /// The word used by the admin CLI and config.
    pub fn slug(&self) -> &'static str {
        match self {
            Role::GlobalAdministrator => "global-admin",
            Role::CloudDeviceAdministrator => "device-admin",
            Role::JoinedDeviceLocalAdministrator => "device-local-admin",
        }
    }

    pub fn from_slug(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.slug().eq_ignore_ascii_case(s))
    }
}

/// A person (or service account) in a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    /// As entered; compared case-insensitively.
    pub upn: String,
    pub display_name: String,
    pub enabled: bool,
    /// Argon2id PHC string; `None` for users who cannot sign in with a password (e.g.
    /// federated users, whose passwords live at their identity provider).
    pub password_hash: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub password_changed_at: Option<OffsetDateTime>,
    pub roles: BTreeSet<Role>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Optimistic-concurrency version: each stored update increments it, and an update
    /// based on a stale copy is refused.
    pub version: i64,
}

impl User {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The UPN's domain part, lower-case.
    pub fn domain(&self) -> String {
        upn_domain(&self.upn).unwrap_or_default()
    }
}

/// The lower-case domain part of a UPN, if it has one.
pub fn upn_domain(upn: &str) -> Option<String> {
    let (_, domain) = upn.rsplit_once('@')?;
    if domain.is_empty() {
        None
    } else {
        Some(domain.to_ascii_lowercase())
    }
}
