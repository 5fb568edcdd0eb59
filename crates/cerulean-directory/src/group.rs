//! Security groups and their members.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ids::{GroupId, TenantId, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: GroupId,
    pub tenant_id: TenantId,
    pub display_name: String,
    pub description: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A member of a group: a user, a device (by object id; devices arrive with the DRS
/// issue) or a nested group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Member {
    User(UserId),
    Device(Uuid),
    Group(GroupId),
}

impl Member {
    pub fn kind(&self) -> &'static str {
        match self {
            Member::User(_) => "user",
            Member::Device(_) => "device",
            Member::Group(_) => "group",
        }
    }

    pub fn id(&self) -> Uuid {
        match self {
            Member::User(id) => id.0,
            Member::Device(id) => *id,
            Member::Group(id) => id.0,
        }
    }

    pub fn from_parts(kind: &str, id: Uuid) -> Option<Member> {
        match kind {
            "user" => Some(Member::User(UserId(id))),
            "device" => Some(Member::Device(id)),
            "group" => Some(Member::Group(GroupId(id))),
            _ => None,
        }
    }
}
