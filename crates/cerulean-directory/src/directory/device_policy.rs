//! The device registration policy: reading it (with Entra's defaults), replacing it, and
//! deciding who it includes and who becomes a local administrator of a joined device.

use serde_json::json;

use super::Directory;
use crate::audit::ActionContext;
use crate::device_policy::{
    DeviceRegistrationMembership, DeviceRegistrationPolicy, MultiFactorAuthConfiguration,
};
use crate::error::{DirectoryError, DirectoryResult};
use crate::group::Member;
use crate::ids::{GroupId, TenantId, UserId};
use crate::sid::entra_sid;
use crate::user::{Role, User};

/// Answers "does this membership include the user?", loading the user's transitive groups
/// at most once and only if an enumerated membership names groups.
#[derive(Debug)]
pub(crate) struct MembershipCheck<'a> {
    directory: &'a Directory,
    tenant: TenantId,
    user: UserId,
    groups: Option<Vec<GroupId>>,
}

impl<'a> MembershipCheck<'a> {
    pub(crate) fn new(directory: &'a Directory, tenant: TenantId, user: UserId) -> Self {
        Self {
            directory,
            tenant,
            user,
            groups: None,
        }
    }

    pub(crate) async fn includes(
        &mut self,
        membership: &DeviceRegistrationMembership,
    ) -> DirectoryResult<bool> {
        match membership {
            DeviceRegistrationMembership::All => Ok(true),
            DeviceRegistrationMembership::None => Ok(false),
            DeviceRegistrationMembership::Enumerated { users, groups } => {
                if users.contains(&self.user) {
                    return Ok(true);
                }
                if groups.is_empty() {
                    return Ok(false);
                }
                let mine = match &self.groups {
                    Some(mine) => mine,
                    None => {
                        let found = self
                            .directory
                            .transitive_member_of(self.tenant, Member::User(self.user))
                            .await?;
                        self.groups.insert(found)
                    }
                };
                Ok(groups.iter().any(|g| mine.contains(g)))
            }
        }
    }
}

impl Directory {
    /// The tenant's policy; Entra's defaults if it never set one.
    pub async fn device_registration_policy(
        &self,
        tenant: TenantId,
    ) -> DirectoryResult<DeviceRegistrationPolicy> {
        Ok(self
            .store
            .device_registration_policy(tenant)
            .await?
            .unwrap_or_default())
    }

    /// Replaces the tenant's policy (Graph's `PUT /policies/deviceRegistrationPolicy`).
    /// The quota must fit Graph's `Int32`; enumerated users and groups must exist in the
    /// tenant (lists are de-duplicated and sorted). Returns the policy as stored.
    pub async fn put_device_registration_policy(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        mut policy: DeviceRegistrationPolicy,
    ) -> DirectoryResult<DeviceRegistrationPolicy> {
        if self.store.tenant(tenant).await?.is_none() {
            return Err(DirectoryError::NotFound {
                what: "tenant",
                key: tenant.to_string(),
            });
        }
        if policy.user_device_quota > DeviceRegistrationPolicy::MAX_QUOTA {
            return Err(DirectoryError::Invalid {
                field: "userDeviceQuota",
                reason: format!(
                    "must be 0 to {} (0 means no new devices)",
                    DeviceRegistrationPolicy::MAX_QUOTA
                ),
            });
        }
        if policy.multi_factor_auth_configuration
            == MultiFactorAuthConfiguration::UnknownFutureValue
        {
            return Err(DirectoryError::Invalid {
                field: "multiFactorAuthConfiguration",
                reason: "must be notRequired or required".into(),
            });
        }
        let memberships = [
            (
                "azureADJoin.allowedToJoin",
                &mut policy.azure_ad_join.allowed_to_join,
            ),
            (
                "azureADJoin.localAdmins.registeringUsers",
                &mut policy.azure_ad_join.local_admins.registering_users,
            ),
            (
                "azureADRegistration.allowedToRegister",
                &mut policy.azure_ad_registration.allowed_to_register,
            ),
        ];
        for (field, membership) in memberships {
            self.check_membership(tenant, field, membership).await?;
        }
        let audit = ctx.event(
            self.clock.now(),
            Some(tenant),
            "policy.deviceRegistration.update",
            format!("tenant:{tenant}"),
            json!({ "policy": policy }),
        );
        self.store
            .put_device_registration_policy(tenant, &policy, &audit)
            .await?;
        Ok(policy)
    }

    /// De-duplicates an enumerated membership and checks that everything it names exists.
    async fn check_membership(
        &self,
        tenant: TenantId,
        field: &'static str,
        membership: &mut DeviceRegistrationMembership,
    ) -> DirectoryResult<()> {
        let DeviceRegistrationMembership::Enumerated { users, groups } = membership else {
            return Ok(());
        };
        users.sort();
        users.dedup();
        groups.sort();
        groups.dedup();
        for user in users.iter() {
            if self.store.user(tenant, *user).await?.is_none() {
                return Err(DirectoryError::Invalid {
                    field,
                    reason: format!("user {user} does not exist in this tenant"),
                });
            }
        }
        for group in groups.iter() {
            if self.store.group(tenant, *group).await?.is_none() {
                return Err(DirectoryError::Invalid {
                    field,
                    reason: format!("group {group} does not exist in this tenant"),
                });
            }
        }
        Ok(())
    }

    /// The SIDs a device joined by `user` puts in its local Administrators group
    /// (`MembershipChanges`, `LocalSID` `S-1-5-32-544`): the Global Administrator role's
    /// when `localAdmins.enableGlobalAdmins`, the Joined Device Local Administrator role's
    /// always, and the user's own when `localAdmins.registeringUsers` includes them.
    ///
    /// Role SIDs are derived from role template ids (see [`Role::sid`]); Entra derives
    /// them from the tenant's role object ids, so they differ from a real tenant's.
    pub async fn local_admin_sids(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> DirectoryResult<Vec<String>> {
        let policy = self.device_registration_policy(tenant).await?;
        let user =
            self.store
                .user(tenant, user)
                .await?
                .ok_or_else(|| DirectoryError::NotFound {
                    what: "user",
                    key: user.to_string(),
                })?;
        let mut check = MembershipCheck::new(self, tenant, user.id);
        local_admin_sids_for(&policy, &user, &mut check).await
    }
}

pub(crate) async fn local_admin_sids_for(
    policy: &DeviceRegistrationPolicy,
    user: &User,
    check: &mut MembershipCheck<'_>,
) -> DirectoryResult<Vec<String>> {
    let local_admins = &policy.azure_ad_join.local_admins;
    let mut sids = Vec::with_capacity(3);
    if local_admins.enable_global_admins {
        sids.push(Role::GlobalAdministrator.sid());
    }
    sids.push(Role::JoinedDeviceLocalAdministrator.sid());
    if check.includes(&local_admins.registering_users).await? {
        sids.push(entra_sid(&user.id.0));
    }
    Ok(sids)
}
