//! The single-use guard for signed nonces: a row per used nonce, by hash.

use cerulean_directory::StoreResult;
use time::OffsetDateTime;

use crate::codec::{Arg, micros};
use crate::engine::Backend;

const INSERT: &str = "INSERT INTO used_nonces (nonce_hash, expires_at) VALUES ($1, $2) \
     ON CONFLICT (nonce_hash) DO NOTHING";

/// `true` if this call recorded the nonce (its first use), `false` if it was already
/// recorded. The primary key decides, so racing nodes have exactly one winner.
pub(crate) async fn consume_nonce<B: Backend>(
    b: &B,
    nonce_hash: &str,
    expires_at: OffsetDateTime,
) -> StoreResult<bool> {
    let args: Vec<Arg> = vec![nonce_hash.into(), micros(expires_at).into()];
    let inserted = b.execute_alone(INSERT, args).await? > 0;
    Ok(inserted)
}
