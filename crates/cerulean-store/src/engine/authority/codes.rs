//! Authorization codes: single use, decided by the database.

use cerulean_directory::StoreResult;
use cerulean_directory::authority::{AuthorizationCode, CodeRedemption};
use time::OffsetDateTime;

use crate::codec::{Arg, Columns, Reader, id_text, micros, to_json};
use crate::engine::Backend;

const COLUMNS: &str = "code_hash, client_id, redirect_uri, scope, resource, nonce, \
     code_challenge, code_challenge_method, auth, family_id, v2, created_at, expires_at";

const INSERT: &str = "INSERT INTO authorization_codes \
     (code_hash, tenant_id, user_id, client_id, redirect_uri, scope, resource, nonce, \
      code_challenge, code_challenge_method, auth, family_id, v2, created_at, expires_at, \
      used_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULL)";

/// Affects one row only for the first redemption: a concurrent one waits for the row
/// lock and then no longer matches `used_at IS NULL`.
const MARK_USED: &str = "UPDATE authorization_codes SET used_at = $2 \
     WHERE code_hash = $1 AND used_at IS NULL";

/// `Duplicate { what: "authorization code" }` if the hash exists, `NotFound { what:
/// "tenant" }` if the sign-in's tenant does not.
pub(crate) async fn insert_authorization_code<B: Backend>(
    b: &B,
    code: &AuthorizationCode,
) -> StoreResult<()> {
    let args: Vec<Arg> = vec![
        code.code_hash.as_str().into(),
        id_text(&code.auth.tenant_id.0).into(),
        id_text(&code.auth.user_id.0).into(),
        id_text(&code.client_id.0).into(),
        code.redirect_uri.as_str().into(),
        code.scope.clone().into(),
        code.resource.clone().into(),
        code.nonce.clone().into(),
        code.code_challenge.clone().into(),
        code.code_challenge_method.clone().into(),
        to_json("authorization code auth context", &code.auth)?.into(),
        id_text(&code.family_id).into(),
        code.v2.into(),
        micros(code.created_at).into(),
        micros(code.expires_at).into(),
    ];
    b.execute_alone(INSERT, args).await.map(|_| ())
}

/// Marks the code used at `now`: `Fresh` for the first redemption, `Replayed` for every
/// later one, `NotFound` for an unknown hash. Expired codes are returned too.
pub(crate) async fn consume_authorization_code<B: Backend>(
    b: &B,
    code_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<CodeRedemption> {
    let mut tx = b.begin_write().await?;
    let marked = b
        .execute(
            &mut tx,
            MARK_USED,
            vec![code_hash.into(), micros(now).into()],
        )
        .await?;
    let sql = format!("SELECT {COLUMNS} FROM authorization_codes WHERE code_hash = $1");
    let row = b
        .fetch_optional_in(&mut tx, &sql, vec![code_hash.into()])
        .await?;
    let redemption = match row.as_ref().map(decode).transpose()? {
        None => CodeRedemption::NotFound,
        Some(code) if marked > 0 => CodeRedemption::Fresh(code),
        Some(code) => CodeRedemption::Replayed(code),
    };
    b.commit(tx).await?;
    Ok(redemption)
}

fn decode<R: Columns>(row: &R) -> StoreResult<AuthorizationCode> {
    let r = Reader::new(row, "authorization_codes");
    Ok(AuthorizationCode {
        code_hash: r.text("code_hash")?,
        client_id: r.id("client_id")?,
        redirect_uri: r.text("redirect_uri")?,
        scope: r.opt_text("scope")?,
        resource: r.opt_text("resource")?,
        nonce: r.opt_text("nonce")?,
        code_challenge: r.opt_text("code_challenge")?,
        code_challenge_method: r.opt_text("code_challenge_method")?,
        auth: r.json("auth")?,
        family_id: r.uuid("family_id")?,
        v2: r.boolean("v2")?,
        created_at: r.time("created_at")?,
        expires_at: r.time("expires_at")?,
    })
}
