//! The tenant's device registration policy, shaped like Graph's `deviceRegistrationPolicy`
//! (`/policies/deviceRegistrationPolicy`): who may join and register devices, how many
//! devices a user may own, whether MFA is required, and who becomes a local administrator
//! of joined devices. Serde gives Graph's JSON exactly, so the Graph service can read and
//! write it as is (it adds the read-only `id`, `displayName` and `description` below).

use serde::{Deserialize, Serialize};

use crate::ids::{GroupId, UserId};

/// Who a part of the policy applies to (Graph's abstract `deviceRegistrationMembership`
/// and its three derived types, told apart by `@odata.type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "@odata.type")]
pub enum DeviceRegistrationMembership {
    #[serde(
        rename = "#microsoft.graph.allDeviceRegistrationMembership",
        alias = "microsoft.graph.allDeviceRegistrationMembership"
    )]
    All,
    #[serde(
        rename = "#microsoft.graph.noDeviceRegistrationMembership",
        alias = "microsoft.graph.noDeviceRegistrationMembership"
    )]
    None,
    /// The listed users, and the members (transitively) of the listed groups.
    #[serde(
        rename = "#microsoft.graph.enumeratedDeviceRegistrationMembership",
        alias = "microsoft.graph.enumeratedDeviceRegistrationMembership"
    )]
    Enumerated {
        #[serde(default)]
        users: Vec<UserId>,
        #[serde(default)]
        groups: Vec<GroupId>,
    },
}

/// Graph's `multiFactorAuthConfiguration`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MultiFactorAuthConfiguration {
    #[default]
    NotRequired,
    Required,
    /// Graph's evolvable-enum sentinel; accepted when read, refused when written.
    UnknownFutureValue,
}

/// Graph's `localAdminSettings`: who becomes a local administrator of joined devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalAdminSettings {
    /// Global administrators are local administrators on every joined device.
    pub enable_global_admins: bool,
    /// The registering user becomes a local administrator of the device they join.
    pub registering_users: DeviceRegistrationMembership,
}

impl Default for LocalAdminSettings {
    fn default() -> Self {
        Self {
            enable_global_admins: true,
            registering_users: DeviceRegistrationMembership::All,
        }
    }
}

/// Graph's `azureADJoinPolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureAdJoinPolicy {
    /// Informational in Cerulean (Entra derives it from licensing); stored as given.
    #[serde(default = "yes")]
    pub is_admin_configurable: bool,
    pub allowed_to_join: DeviceRegistrationMembership,
    #[serde(default)]
    pub local_admins: LocalAdminSettings,
}

/// Graph's `azureADRegistrationPolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureAdRegistrationPolicy {
    /// Informational in Cerulean, as for join.
    #[serde(default = "yes")]
    pub is_admin_configurable: bool,
    pub allowed_to_register: DeviceRegistrationMembership,
}

/// Graph's `localAdminPasswordSettings` (Windows LAPS). Stored; used by the LAPS work.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalAdminPasswordSettings {
    pub is_enabled: bool,
}

/// Graph's `deviceRegistrationPolicy`. A tenant without a stored policy has
/// [`DeviceRegistrationPolicy::default`], Entra's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRegistrationPolicy {
    /// Devices (joined + registered) a user may own. As in Graph, a document without it
    /// means 0 — no new devices — and 0 is a valid setting; the default policy says 50.
    #[serde(default)]
    pub user_device_quota: u32,
    /// Whether joining or registering needs a multi-factor sign-in (`amr`).
    #[serde(default)]
    pub multi_factor_auth_configuration: MultiFactorAuthConfiguration,
    #[serde(rename = "azureADJoin")]
    pub azure_ad_join: AzureAdJoinPolicy,
    #[serde(rename = "azureADRegistration")]
    pub azure_ad_registration: AzureAdRegistrationPolicy,
    #[serde(default)]
    pub local_admin_password: LocalAdminPasswordSettings,
}

impl DeviceRegistrationPolicy {
    /// Graph's fixed, read-only `id`.
    pub const ID: &'static str = "deviceRegistrationPolicy";
    /// Graph's fixed, read-only `displayName`.
    pub const DISPLAY_NAME: &'static str = "Device Registration Policy";
    /// Graph's fixed, read-only `description` (Microsoft's spelling included).
    pub const DESCRIPTION: &'static str = "Tenant-wide policy that manages intial provisioning \
         controls using quota restrictions, additional authentication and authorization checks";
    /// Entra's default quota.
    pub const DEFAULT_QUOTA: u32 = 50;
    /// The largest quota Graph can express (`Int32`).
    pub const MAX_QUOTA: u32 = i32::MAX as u32;

    pub fn mfa_required(&self) -> bool {
        self.multi_factor_auth_configuration == MultiFactorAuthConfiguration::Required
    }
}

impl Default for DeviceRegistrationPolicy {
    fn default() -> Self {
        Self {
            user_device_quota: Self::DEFAULT_QUOTA,
            multi_factor_auth_configuration: MultiFactorAuthConfiguration::NotRequired,
            azure_ad_join: AzureAdJoinPolicy {
                is_admin_configurable: true,
                allowed_to_join: DeviceRegistrationMembership::All,
                local_admins: LocalAdminSettings::default(),
            },
            azure_ad_registration: AzureAdRegistrationPolicy {
                is_admin_configurable: true,
                allowed_to_register: DeviceRegistrationMembership::All,
            },
            local_admin_password: LocalAdminPasswordSettings::default(),
        }
    }
}

fn yes() -> bool {
    true
}

/// The `amr` values that prove a multi-factor sign-in (PROTOCOLS.md §2.5, §5.8).
pub const MFA_AMR_VALUES: [&str; 3] = [
    "mfa",
    "ngcmfa",
    "http://schemas.microsoft.com/claims/multipleauthn",
];

/// Whether an `amr` claim shows a multi-factor sign-in.
pub fn amr_has_mfa(amr: &[String]) -> bool {
    amr.iter()
        .any(|a| MFA_AMR_VALUES.iter().any(|m| a.eq_ignore_ascii_case(m)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn default_policy_is_graphs_shape() {
        let value = serde_json::to_value(DeviceRegistrationPolicy::default()).unwrap();
        assert_eq!(
            value,
            json!({
                "userDeviceQuota": 50,
                "multiFactorAuthConfiguration": "notRequired",
                "azureADJoin": {
                    "isAdminConfigurable": true,
                    "allowedToJoin": {
                        "@odata.type": "#microsoft.graph.allDeviceRegistrationMembership"
                    },
                    "localAdmins": {
                        "enableGlobalAdmins": true,
                        "registeringUsers": {
                            "@odata.type": "#microsoft.graph.allDeviceRegistrationMembership"
                        }
                    }
                },
                "azureADRegistration": {
                    "isAdminConfigurable": true,
                    "allowedToRegister": {
                        "@odata.type": "#microsoft.graph.allDeviceRegistrationMembership"
                    }
                },
                "localAdminPassword": { "isEnabled": false }
            })
        );
    }

    #[test]
    fn graph_put_bodies_parse() {
        let body = json!({
            "@odata.context": "https://graph.microsoft.com/beta/$metadata#policies/deviceRegistrationPolicy/$entity",
            "id": "deviceRegistrationPolicy",
            "multiFactorAuthConfiguration": "required",
            "azureADJoin": {
                "allowedToJoin": {
                    "@odata.type": "microsoft.graph.enumeratedDeviceRegistrationMembership",
                    "users": ["e06e3596-82c0-4f31-ac5a-439a308e3dc2"],
                    "groups": []
                },
                "isAdminConfigurable": true
            },
            "azureADRegistration": {
                "allowedToRegister": { "@odata.type": "#microsoft.graph.noDeviceRegistrationMembership" },
                "isAdminConfigurable": false
            }
        });
        let policy: DeviceRegistrationPolicy = serde_json::from_value(body).unwrap();
        // Omitted quota means 0, as in Graph.
        assert_eq!(policy.user_device_quota, 0);
        assert!(policy.mfa_required());
        assert!(matches!(
            policy.azure_ad_join.allowed_to_join,
            DeviceRegistrationMembership::Enumerated { ref users, .. } if users.len() == 1
        ));
        assert_eq!(
            policy.azure_ad_join.local_admins,
            LocalAdminSettings::default()
        );
        assert_eq!(
            policy.azure_ad_registration.allowed_to_register,
            DeviceRegistrationMembership::None
        );
        assert!(!policy.azure_ad_registration.is_admin_configurable);
    }

    #[test]
    fn bad_membership_types_are_refused() {
        let bad = json!({ "@odata.type": "#microsoft.graph.someDeviceRegistrationMembership" });
        assert!(serde_json::from_value::<DeviceRegistrationMembership>(bad).is_err());
        let bad_user = json!({
            "@odata.type": "#microsoft.graph.enumeratedDeviceRegistrationMembership",
            "users": ["not-a-guid"]
        });
        assert!(serde_json::from_value::<DeviceRegistrationMembership>(bad_user).is_err());
    }

    #[test]
    fn mfa_amr_values() {
        let amr = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(!amr_has_mfa(&amr(&["pwd"])));
        assert!(amr_has_mfa(&amr(&["pwd", "mfa"])));
        assert!(amr_has_mfa(&amr(&["rsa", "ngcmfa"])));
        assert!(amr_has_mfa(&amr(&[
            "http://schemas.microsoft.com/claims/multipleauthn"
        ])));
        assert!(!amr_has_mfa(&[]));
    }
}
