//! Users, with optimistic concurrency on update.

use cerulean_directory::{AuditEvent, StoreError, StoreResult, TenantId, User, UserId};

use super::{Backend, audit};
use crate::codec::{self, Arg, fold_case, id_text, micros, to_json};

const COLUMNS: &str = "id, tenant_id, upn, display_name, enabled, password_hash, \
     password_changed_at, roles, created_at, version";

const INSERT: &str = "INSERT INTO users \
     (id, tenant_id, upn, upn_lower, display_name, enabled, password_hash, \
      password_changed_at, roles, created_at, version) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

const UPDATE: &str = "UPDATE users SET upn = $3, upn_lower = $4, display_name = $5, \
     enabled = $6, password_hash = $7, password_changed_at = $8, roles = $9, version = $10 \
     WHERE id = $1 AND tenant_id = $2 AND version = $11";

const EXISTS: &str = "SELECT id FROM users WHERE id = $1 AND tenant_id = $2";

pub(crate) async fn create_user<B: Backend>(
    b: &B,
    user: &User,
    event: &AuditEvent,
) -> StoreResult<()> {
    let args: Vec<Arg> = vec![
        id_text(&user.id.0).into(),
        id_text(&user.tenant_id.0).into(),
        user.upn.as_str().into(),
        fold_case(&user.upn).into(),
        user.display_name.as_str().into(),
        user.enabled.into(),
        user.password_hash.clone().into(),
        user.password_changed_at.map(micros).into(),
        to_json("user roles", &user.roles)?.into(),
        micros(user.created_at).into(),
        user.version.into(),
    ];
    let mut tx = b.begin_write().await?;
    b.execute(&mut tx, INSERT, args).await?;
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}

/// Writes `user` if the stored version is `user.version - 1`.
pub(crate) async fn update_user<B: Backend>(
    b: &B,
    user: &User,
    event: &AuditEvent,
) -> StoreResult<()> {
    let Some(expected) = user.version.checked_sub(1) else {
        return Err(StoreError::Conflict { what: "user" });
    };
    let key: Vec<Arg> = vec![
        id_text(&user.id.0).into(),
        id_text(&user.tenant_id.0).into(),
    ];
    let mut args = key.clone();
    args.extend([
        user.upn.as_str().into(),
        fold_case(&user.upn).into(),
        user.display_name.as_str().into(),
        user.enabled.into(),
        user.password_hash.clone().into(),
        user.password_changed_at.map(micros).into(),
        to_json("user roles", &user.roles)?.into(),
        user.version.into(),
        expected.into(),
    ]);
    let mut tx = b.begin_write().await?;
    if b.execute(&mut tx, UPDATE, args).await? == 0 {
        return Err(match b.fetch_optional_in(&mut tx, EXISTS, key).await? {
            Some(_) => StoreError::Conflict { what: "user" },
            None => StoreError::NotFound { what: "user" },
        });
    }
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}

pub(crate) async fn user<B: Backend>(
    b: &B,
    tenant: TenantId,
    id: UserId,
) -> StoreResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1 AND tenant_id = $2");
    b.fetch_optional(&sql, vec![id_text(&id.0).into(), id_text(&tenant.0).into()])
        .await?
        .as_ref()
        .map(codec::user)
        .transpose()
}

pub(crate) async fn user_by_upn<B: Backend>(b: &B, upn: &str) -> StoreResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE upn_lower = $1");
    b.fetch_optional(&sql, vec![fold_case(upn).into()])
        .await?
        .as_ref()
        .map(codec::user)
        .transpose()
}

pub(crate) async fn users<B: Backend>(b: &B, tenant: TenantId) -> StoreResult<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1");
    let rows = b.fetch_all(&sql, vec![id_text(&tenant.0).into()]).await?;
    let mut users = codec::decode_all(&rows, codec::user)?;
    codec::sort_users(&mut users);
    Ok(users)
}
