//! Listing devices with Graph's filters, a page at a time in object-id order (keyset
//! paging: a page starts after the last object id of the previous one, so pages stay
//! consistent while devices come and go).

use cerulean_directory::{DevicePage, DeviceQuery, StoreResult, TenantId};

use super::{COLUMNS, rows};
use crate::codec::{self, Arg, fold_case, id_text, micros};
use crate::engine::Backend;

pub(crate) async fn list_devices<B: Backend>(
    b: &B,
    tenant: TenantId,
    query: &DeviceQuery,
) -> StoreResult<DevicePage> {
    let (filter, args) = conditions(tenant, query, false);
    let count = if query.with_count {
        let sql = format!("SELECT COUNT(*) AS n FROM devices WHERE {filter}");
        let found = b.fetch_all(&sql, args).await?;
        Some(u64::from(rows::count(found.first())?))
    } else {
        None
    };
    let (filter, mut args) = conditions(tenant, query, true);
    let size = query.page_size();
    // One more than a page tells whether there is a next page.
    args.push(i64::from(size + 1).into());
    let sql = format!(
        "SELECT {COLUMNS} FROM devices WHERE {filter} ORDER BY object_id LIMIT ${}",
        args.len()
    );
    let found = b.fetch_all(&sql, args).await?;
    let mut devices = codec::decode_all(&found, rows::device)?;
    let next = if devices.len() > size as usize {
        devices.truncate(size as usize);
        devices.last().map(|d| d.object_id)
    } else {
        None
    };
    Ok(DevicePage {
        devices,
        next,
        count,
    })
}

/// The WHERE clause for `query` and its arguments; `paged` adds the keyset condition.
fn conditions(tenant: TenantId, query: &DeviceQuery, paged: bool) -> (String, Vec<Arg>) {
    let mut args: Vec<Arg> = vec![id_text(&tenant.0).into()];
    let mut conditions = vec!["tenant_id = $1".to_string()];
    let mut add = |condition: &str, arg: Arg| {
        args.push(arg);
        conditions.push(format!("{condition} ${}", args.len()));
    };
    if let Some(id) = query.device_id {
        add("device_id =", id_text(&id.0).into());
    }
    if let Some(name) = &query.display_name {
        add("display_name_lower =", fold_case(name).into());
    }
    if let Some(trust) = query.trust_type {
        add("trust_type =", trust.as_str().into());
    }
    if let Some(enabled) = query.enabled {
        add("enabled =", enabled.into());
    }
    if let Some(os) = &query.operating_system {
        add("operating_system_lower =", fold_case(os).into());
    }
    if let Some(owner) = query.owner {
        add("owner_user_id =", id_text(&owner.0).into());
    }
    if let Some(before) = query.last_activity_before {
        add(
            "COALESCE(approximate_last_sign_in, registered_at) <",
            micros(before).into(),
        );
    }
    if paged {
        if let Some(after) = query.after {
            add("object_id >", id_text(&after.0).into());
        }
    }
    (conditions.join(" AND "), args)
}
