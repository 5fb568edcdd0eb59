//! Audit events: written inside every mutation's transaction, listed newest first.

use cerulean_directory::{AuditEvent, AuditQuery, StoreResult};

use super::Backend;
use crate::codec::{self, Arg, id_text, micros, to_json};

/// The default (and `limit: 0`) number of events a query returns.
pub(crate) const DEFAULT_LIMIT: u32 = 100;

const INSERT: &str = "INSERT INTO audit_events \
     (id, time, tenant_id, actor, action, target, correlation_id, result, details) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

const COLUMNS: &str = "id, time, tenant_id, actor, action, target, correlation_id, result, details";

/// Writes `event` in `tx`, the transaction of the change it describes.
pub(crate) async fn insert<B: Backend>(
    b: &B,
    tx: &mut B::Tx,
    event: &AuditEvent,
) -> StoreResult<()> {
    b.execute(tx, INSERT, args(event)?).await?;
    Ok(())
}

fn args(event: &AuditEvent) -> StoreResult<Vec<Arg>> {
    Ok(vec![
        id_text(&event.id.0).into(),
        micros(event.time).into(),
        event.tenant_id.map(|t| id_text(&t.0)).into(),
        to_json("audit actor", &event.actor)?.into(),
        event.action.as_str().into(),
        event.target.as_str().into(),
        event.correlation_id.clone().into(),
        to_json("audit result", &event.result)?.into(),
        to_json("audit details", &event.details)?.into(),
    ])
}

/// The statement that writes `event` as part of another write, with its placeholders
/// numbered from `first`, ending in `condition` (which ties it to that write: SQLite's
/// `WHERE changes() > 0` after it in a batch, PostgreSQL's `FROM` a data-modifying CTE);
/// and its arguments.
pub(crate) fn insert_with(
    first: usize,
    event: &AuditEvent,
    condition: &str,
) -> StoreResult<(String, Vec<Arg>)> {
    let args = args(event)?;
    let placeholders: Vec<String> = (first..first + args.len())
        .map(|n| format!("${n}"))
        .collect();
    let sql = format!(
        "INSERT INTO audit_events ({COLUMNS}) SELECT {} {condition}",
        placeholders.join(", ")
    );
    Ok((sql, args))
}

/// An event that describes no change of its own (a sign-in, a refusal): one statement.
pub(crate) async fn record_audit<B: Backend>(b: &B, event: &AuditEvent) -> StoreResult<()> {
    b.execute_alone(INSERT, args(event)?).await.map(|_| ())
}

pub(crate) async fn audit_events<B: Backend>(
    b: &B,
    query: &AuditQuery,
) -> StoreResult<Vec<AuditEvent>> {
    let (sql, args) = select::<B>(query);
    let rows = b.fetch_all(&sql, args).await?;
    codec::decode_all(&rows, codec::audit_event)
}

/// The SELECT for `query` and its arguments.
fn select<B: Backend>(query: &AuditQuery) -> (String, Vec<Arg>) {
    let mut conditions: Vec<String> = Vec::new();
    let mut args: Vec<Arg> = Vec::new();
    if let Some(tenant) = query.tenant_id {
        args.push(id_text(&tenant.0).into());
        conditions.push(format!("tenant_id = ${}", args.len()));
    }
    if let Some(prefix) = &query.action_prefix {
        let (condition, value) = B::starts_with("action", args.len() + 1, prefix);
        args.push(value.into());
        conditions.push(condition);
    }
    if let Some(since) = query.since {
        args.push(micros(since).into());
        conditions.push(format!("time >= ${}", args.len()));
    }
    let limit = if query.limit == 0 {
        DEFAULT_LIMIT
    } else {
        query.limit
    };
    args.push(i64::from(limit).into());
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_events{filter} ORDER BY time DESC, seq DESC LIMIT ${}",
        args.len()
    );
    (sql, args)
}

/// `prefix` as a LIKE pattern with `\` as the escape character: `%`, `_` and `\` in the
/// prefix match only themselves.
pub(crate) fn like_prefix_pattern(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `prefix` as a GLOB pattern: `*`, `?` and `[` in the prefix match only themselves.
pub(crate) fn glob_prefix_pattern(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        match c {
            '*' | '?' | '[' => {
                pattern.push('[');
                pattern.push(c);
                pattern.push(']');
            }
            _ => pattern.push(c),
        }
    }
    pattern.push('*');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_prefix_pattern("user."), "user.%");
        assert_eq!(like_prefix_pattern("50%_off\\"), "50\\%\\_off\\\\%");
    }

    #[test]
    fn glob_patterns_escape_wildcards() {
        assert_eq!(glob_prefix_pattern("user."), "user.*");
        assert_eq!(glob_prefix_pattern("a*b?c[d"), "a[*]b[?]c[[]d*");
    }
}
