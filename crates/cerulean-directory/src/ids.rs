//! Identifier newtypes. Every identifier in the directory is a GUID on the wire; wrapping
//! each in its own type keeps a tenant id from being passed where a user id belongs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! guid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random (version 4) identifier.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // Entra prints GUIDs lower-case and hyphenated.
                write!(f, "{}", self.0.hyphenated())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }
    };
}

guid_id!(
    /// A tenant (directory) id, `tid` in tokens.
    TenantId
);
guid_id!(
    /// A user's object id, `oid` in tokens.
    UserId
);
guid_id!(
    /// A group's object id.
    GroupId
);
guid_id!(
    /// An application's client id (`appid` / `azp` in tokens).
    ClientId
);
guid_id!(
    /// The id of one audit event.
    AuditId
);
guid_id!(
    /// A device's directory object id (Graph's `id` of a device).
    DeviceObjectId
);
guid_id!(
    /// A device's device id (Graph's `deviceId`): the subject CN of its certificate and
    /// the `deviceid` claim of its tokens. Assigned by Cerulean at registration.
    DeviceId
);
guid_id!(
    /// The id of a Windows Hello for Business key (the `kid` the key registration returns).
    HelloKeyId
);
