//! Groups and membership.

use serde_json::json;

use super::Directory;
use crate::audit::ActionContext;
use crate::error::{DirectoryError, DirectoryResult};
use crate::group::{Group, Member};
use crate::ids::{GroupId, TenantId};
use crate::names;

impl Directory {
    pub async fn create_group(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        display_name: &str,
        description: Option<&str>,
    ) -> DirectoryResult<Group> {
        let display_name = names::display_name("group name", display_name)?;
        if self.store.tenant(tenant).await?.is_none() {
            return Err(DirectoryError::NotFound {
                what: "tenant",
                key: tenant.to_string(),
            });
        }
        let now = self.clock.now();
        let group = Group {
            id: GroupId::random(),
            tenant_id: tenant,
            display_name,
            description: description.map(|d| d.trim().to_string()),
            created_at: now,
        };
        let audit = ctx.event(
            now,
            Some(tenant),
            "group.create",
            format!("group:{}", group.id),
            json!({ "displayName": group.display_name }),
        );
        self.store.create_group(&group, &audit).await?;
        Ok(group)
    }

    /// Finds a group by object id or (unique) display name.
    pub async fn find_group(&self, tenant: TenantId, key: &str) -> DirectoryResult<Group> {
        let not_found = || DirectoryError::NotFound {
            what: "group",
            key: key.to_string(),
        };
        if let Ok(id) = key.parse::<GroupId>() {
            return self.store.group(tenant, id).await?.ok_or_else(not_found);
        }
        let mut matches: Vec<Group> = self
            .store
            .groups(tenant)
            .await?
            .into_iter()
            .filter(|g| g.display_name.eq_ignore_ascii_case(key.trim()))
            .collect();
        match matches.len() {
            0 => Err(not_found()),
            1 => Ok(matches.remove(0)),
            _ => Err(DirectoryError::Invalid {
                field: "group",
                reason: format!("several groups are named '{key}'; use the object id"),
            }),
        }
    }

    pub async fn groups(&self, tenant: TenantId) -> DirectoryResult<Vec<Group>> {
        Ok(self.store.groups(tenant).await?)
    }

    /// Adds a member; returns false if it already was one. The member must exist in the
    /// same tenant, and a group cannot contain itself.
    pub async fn add_member(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        group: GroupId,
        member: Member,
    ) -> DirectoryResult<bool> {
        self.require_group(tenant, group).await?;
        match member {
            Member::User(user) => {
                if self.store.user(tenant, user).await?.is_none() {
                    return Err(DirectoryError::NotFound {
                        what: "user",
                        key: user.to_string(),
                    });
                }
            }
            Member::Group(inner) => {
                if inner == group {
                    return Err(DirectoryError::Invalid {
                        field: "member",
                        reason: "a group cannot be a member of itself".into(),
                    });
                }
                self.require_group(tenant, inner).await?;
            }
            Member::Device(id) => {
                let id = crate::ids::DeviceObjectId(id);
                if self.store.device(tenant, id).await?.is_none() {
                    return Err(DirectoryError::NotFound {
                        what: "device",
                        key: id.to_string(),
                    });
                }
            }
        }
        let audit = ctx.event(
            self.clock.now(),
            Some(tenant),
            "group.member.add",
            format!("group:{group}"),
            json!({ "member": member }),
        );
        Ok(self
            .store
            .add_group_member(tenant, group, member, &audit)
            .await?)
    }

    /// Removes a member; returns false if it was not one.
    pub async fn remove_member(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        group: GroupId,
        member: Member,
    ) -> DirectoryResult<bool> {
        self.require_group(tenant, group).await?;
        let audit = ctx.event(
            self.clock.now(),
            Some(tenant),
            "group.member.remove",
            format!("group:{group}"),
            json!({ "member": member }),
        );
        Ok(self
            .store
            .remove_group_member(tenant, group, member, &audit)
            .await?)
    }

    pub async fn group_members(
        &self,
        tenant: TenantId,
        group: GroupId,
    ) -> DirectoryResult<Vec<Member>> {
        self.require_group(tenant, group).await?;
        Ok(self.store.group_members(tenant, group).await?)
    }

    /// All groups `member` belongs to, directly or through nested groups.
    pub async fn transitive_member_of(
        &self,
        tenant: TenantId,
        member: Member,
    ) -> DirectoryResult<Vec<GroupId>> {
        let mut seen: Vec<GroupId> = Vec::new();
        let mut frontier = vec![member];
        while let Some(next) = frontier.pop() {
            for group in self.store.member_of(tenant, next).await? {
                if !seen.contains(&group) {
                    seen.push(group);
                    frontier.push(Member::Group(group));
                }
            }
        }
        Ok(seen)
    }

    async fn require_group(&self, tenant: TenantId, group: GroupId) -> DirectoryResult<()> {
        match self.store.group(tenant, group).await? {
            Some(_) => Ok(()),
            None => Err(DirectoryError::NotFound {
                what: "group",
                key: group.to_string(),
            }),
        }
    }
}
