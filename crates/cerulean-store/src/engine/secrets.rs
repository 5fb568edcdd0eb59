//! Secrets every node shares, by name: created once (first insert wins), never changed.

use cerulean_directory::{AuditEvent, ServerSecret, StoreError, StoreResult};

use crate::codec::{Arg, Columns, Reader, micros};
use crate::engine::{Backend, audit};

const SELECT: &str = "SELECT name, value, created_at FROM server_secrets WHERE name = $1";

const INSERT: &str = "INSERT INTO server_secrets (name, value, created_at) \
     VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING";

/// Writes `secret` (and `event`) unless one with its name exists; returns the stored one.
pub(crate) async fn insert_server_secret<B: Backend>(
    b: &B,
    secret: &ServerSecret,
    event: &AuditEvent,
) -> StoreResult<ServerSecret> {
    let args: Vec<Arg> = vec![
        secret.name.as_str().into(),
        secret.value.clone().into(),
        micros(secret.created_at).into(),
    ];
    let mut tx = b.begin_write().await?;
    if b.execute(&mut tx, INSERT, args).await? > 0 {
        audit::insert(b, &mut tx, event).await?;
    }
    let row = b
        .fetch_optional_in(&mut tx, SELECT, vec![secret.name.as_str().into()])
        .await?
        .ok_or(StoreError::Conflict {
            what: "server secret",
        })?;
    let stored = decode(&row)?;
    b.commit(tx).await?;
    Ok(stored)
}

pub(crate) async fn server_secret<B: Backend>(
    b: &B,
    name: &str,
) -> StoreResult<Option<ServerSecret>> {
    b.fetch_optional(SELECT, vec![name.into()])
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

fn decode<R: Columns>(row: &R) -> StoreResult<ServerSecret> {
    let r = Reader::new(row, "server_secrets");
    Ok(ServerSecret {
        name: r.text("name")?,
        value: r.bytes("value")?,
        created_at: r.time("created_at")?,
    })
}
