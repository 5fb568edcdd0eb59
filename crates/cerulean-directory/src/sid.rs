//! Windows security identifiers (SIDs) for Entra objects (PROTOCOLS.md §2.5).
//!
//! Windows names an Entra user, group or role by a SID in the `S-1-12-1` authority derived
//! from the object's GUID: the GUID in Microsoft byte order (first three fields
//! little-endian), read as four little-endian `u32`s. Joined devices put such SIDs in their
//! local Administrators group (`MembershipChanges` of the join response).

use uuid::Uuid;

use crate::user::Role;

/// `S-1-12-1-a-b-c-d` for an object id.
pub fn entra_sid(object_id: &Uuid) -> String {
    let bytes = object_id.to_bytes_le();
    let word = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    format!("S-1-12-1-{}-{}-{}-{}", word(0), word(4), word(8), word(12))
}

impl Role {
    /// The SID that stands for every holder of this role on joined devices.
    ///
    /// Entra derives it from the tenant's `directoryRole` *object* id, which differs per
    /// tenant. Cerulean has no per-tenant role objects, so it derives it from the role's
    /// template id instead: stable across tenants and restarts. What matters is that the
    /// SID in a device's Administrators group and the SID in a role holder's tokens are
    /// the same, so token issuance must use this function too.
    pub fn sid(&self) -> String {
        let id = Uuid::parse_str(self.template_id()).unwrap_or_default();
        entra_sid(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_vector() {
        let id = Uuid::parse_str("e06e3596-82c0-4f31-ac5a-439a308e3dc2").unwrap();
        assert_eq!(
            entra_sid(&id),
            "S-1-12-1-3765319062-1328644800-2588105388-3258814000"
        );
    }

    #[test]
    fn extremes_and_roles() {
        assert_eq!(entra_sid(&Uuid::nil()), "S-1-12-1-0-0-0-0");
        assert_eq!(
            entra_sid(&Uuid::max()),
            "S-1-12-1-4294967295-4294967295-4294967295-4294967295"
        );
        for role in Role::ALL {
            let sid = role.sid();
            assert!(sid.starts_with("S-1-12-1-"), "{sid}");
            assert_ne!(sid, "S-1-12-1-0-0-0-0");
        }
        assert_ne!(
            Role::GlobalAdministrator.sid(),
            Role::JoinedDeviceLocalAdministrator.sid()
        );
    }
}
