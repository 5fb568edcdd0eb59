//! Groups and their direct members.

use cerulean_directory::{AuditEvent, Group, GroupId, Member, StoreError, StoreResult, TenantId};

use super::{Backend, audit};
use crate::codec::{self, Arg, Reader, id_text, micros};

const COLUMNS: &str = "id, tenant_id, display_name, description, created_at";

const INSERT: &str = "INSERT INTO groups (id, tenant_id, display_name, description, created_at) \
     VALUES ($1, $2, $3, $4, $5)";

const GROUP_EXISTS: &str = "SELECT id FROM groups WHERE id = $1 AND tenant_id = $2";

const INSERT_MEMBER: &str = "INSERT INTO group_members \
     (tenant_id, group_id, member_kind, member_id, added_at) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (group_id, member_kind, member_id) DO NOTHING";

const DELETE_MEMBER: &str = "DELETE FROM group_members \
     WHERE tenant_id = $1 AND group_id = $2 AND member_kind = $3 AND member_id = $4";

pub(crate) async fn create_group<B: Backend>(
    b: &B,
    group: &Group,
    event: &AuditEvent,
) -> StoreResult<()> {
    let args: Vec<Arg> = vec![
        id_text(&group.id.0).into(),
        id_text(&group.tenant_id.0).into(),
        group.display_name.as_str().into(),
        group.description.clone().into(),
        micros(group.created_at).into(),
    ];
    let mut tx = b.begin_write().await?;
    b.execute(&mut tx, INSERT, args).await?;
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}

pub(crate) async fn group<B: Backend>(
    b: &B,
    tenant: TenantId,
    id: GroupId,
) -> StoreResult<Option<Group>> {
    let sql = format!("SELECT {COLUMNS} FROM groups WHERE id = $1 AND tenant_id = $2");
    b.fetch_optional(&sql, vec![id_text(&id.0).into(), id_text(&tenant.0).into()])
        .await?
        .as_ref()
        .map(codec::group)
        .transpose()
}

pub(crate) async fn groups<B: Backend>(b: &B, tenant: TenantId) -> StoreResult<Vec<Group>> {
    let sql = format!("SELECT {COLUMNS} FROM groups WHERE tenant_id = $1");
    let rows = b.fetch_all(&sql, vec![id_text(&tenant.0).into()]).await?;
    let mut groups = codec::decode_all(&rows, codec::group)?;
    codec::sort_groups(&mut groups);
    Ok(groups)
}

/// `NotFound { what: "group" }` unless `group` is a group of `tenant` (checked in `tx`).
async fn require_group<B: Backend>(
    b: &B,
    tx: &mut B::Tx,
    tenant: TenantId,
    group: GroupId,
) -> StoreResult<()> {
    let key: Vec<Arg> = vec![id_text(&group.0).into(), id_text(&tenant.0).into()];
    match b.fetch_optional_in(tx, GROUP_EXISTS, key).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::NotFound { what: "group" }),
    }
}

/// Adds `member`; `Ok(false)`, with nothing written, if it already was one.
pub(crate) async fn add_group_member<B: Backend>(
    b: &B,
    tenant: TenantId,
    group: GroupId,
    member: Member,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let args: Vec<Arg> = vec![
        id_text(&tenant.0).into(),
        id_text(&group.0).into(),
        member.kind().into(),
        id_text(&member.id()).into(),
        micros(event.time).into(),
    ];
    let mut tx = b.begin_write().await?;
    require_group(b, &mut tx, tenant, group).await?;
    if b.execute(&mut tx, INSERT_MEMBER, args).await? == 0 {
        // Already a member: `tx` rolls back (it wrote nothing) and no audit is recorded.
        return Ok(false);
    }
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await?;
    Ok(true)
}

/// Removes `member`; `Ok(false)`, with nothing written, if it was not one.
pub(crate) async fn remove_group_member<B: Backend>(
    b: &B,
    tenant: TenantId,
    group: GroupId,
    member: Member,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let args: Vec<Arg> = vec![
        id_text(&tenant.0).into(),
        id_text(&group.0).into(),
        member.kind().into(),
        id_text(&member.id()).into(),
    ];
    let mut tx = b.begin_write().await?;
    if b.execute(&mut tx, DELETE_MEMBER, args).await? == 0 {
        require_group(b, &mut tx, tenant, group).await?;
        return Ok(false);
    }
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await?;
    Ok(true)
}

pub(crate) async fn group_members<B: Backend>(
    b: &B,
    tenant: TenantId,
    group: GroupId,
) -> StoreResult<Vec<Member>> {
    let sql = "SELECT member_kind, member_id FROM group_members \
               WHERE tenant_id = $1 AND group_id = $2";
    let rows = b
        .fetch_all(
            sql,
            vec![id_text(&tenant.0).into(), id_text(&group.0).into()],
        )
        .await?;
    let mut members = codec::decode_all(&rows, codec::member)?;
    members.sort();
    Ok(members)
}

pub(crate) async fn member_of<B: Backend>(
    b: &B,
    tenant: TenantId,
    member: Member,
) -> StoreResult<Vec<GroupId>> {
    let sql = "SELECT group_id FROM group_members \
               WHERE tenant_id = $1 AND member_kind = $2 AND member_id = $3";
    let args: Vec<Arg> = vec![
        id_text(&tenant.0).into(),
        member.kind().into(),
        id_text(&member.id()).into(),
    ];
    let rows = b.fetch_all(sql, args).await?;
    let mut groups = rows
        .iter()
        .map(|row| Reader::new(row, "group_members").id::<GroupId>("group_id"))
        .collect::<StoreResult<Vec<_>>>()?;
    groups.sort();
    Ok(groups)
}
