//! Applications, with optimistic concurrency on update.

use cerulean_directory::{Application, AuditEvent, ClientId, StoreError, StoreResult, TenantId};

use super::{Backend, audit};
use crate::codec::{self, Arg, id_text, micros, to_json};

const COLUMNS: &str = "tenant_id, client_id, display_name, first_party, public_client, \
     redirect_uris, identifier_uris, scopes, secrets, created_at, version";

pub(crate) const INSERT: &str = "INSERT INTO applications \
     (tenant_id, client_id, display_name, first_party, public_client, redirect_uris, \
      identifier_uris, scopes, secrets, created_at, version) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

const UPDATE: &str = "UPDATE applications SET display_name = $3, first_party = $4, \
     public_client = $5, redirect_uris = $6, identifier_uris = $7, scopes = $8, \
     secrets = $9, version = $10 \
     WHERE tenant_id = $1 AND client_id = $2 AND version = $11";

const EXISTS: &str = "SELECT client_id FROM applications WHERE tenant_id = $1 AND client_id = $2";

fn key(app: &Application) -> Vec<Arg> {
    vec![
        id_text(&app.tenant_id.0).into(),
        id_text(&app.client_id.0).into(),
    ]
}

/// The mutable columns, `$3` to `$9`.
fn body(app: &Application) -> StoreResult<Vec<Arg>> {
    Ok(vec![
        app.display_name.as_str().into(),
        app.first_party.into(),
        app.public_client.into(),
        to_json("application redirect URIs", &app.redirect_uris)?.into(),
        to_json("application identifier URIs", &app.identifier_uris)?.into(),
        to_json("application scopes", &app.scopes)?.into(),
        to_json("application secrets", &app.secrets)?.into(),
    ])
}

/// The arguments of [`INSERT`] (shared with tenant creation, which seeds applications).
pub(crate) fn insert_args(app: &Application) -> StoreResult<Vec<Arg>> {
    let mut args = key(app);
    args.extend(body(app)?);
    args.push(micros(app.created_at).into());
    args.push(app.version.into());
    Ok(args)
}

pub(crate) async fn create_application<B: Backend>(
    b: &B,
    app: &Application,
    event: &AuditEvent,
) -> StoreResult<()> {
    let args = insert_args(app)?;
    let mut tx = b.begin_write().await?;
    b.execute(&mut tx, INSERT, args).await?;
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}

/// Writes `app` if the stored version is `app.version - 1`.
pub(crate) async fn update_application<B: Backend>(
    b: &B,
    app: &Application,
    event: &AuditEvent,
) -> StoreResult<()> {
    let Some(expected) = app.version.checked_sub(1) else {
        return Err(StoreError::Conflict {
            what: "application",
        });
    };
    let mut args = key(app);
    args.extend(body(app)?);
    args.push(app.version.into());
    args.push(expected.into());
    let mut tx = b.begin_write().await?;
    if b.execute(&mut tx, UPDATE, args).await? == 0 {
        return Err(
            match b.fetch_optional_in(&mut tx, EXISTS, key(app)).await? {
                Some(_) => StoreError::Conflict {
                    what: "application",
                },
                None => StoreError::NotFound {
                    what: "application",
                },
            },
        );
    }
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}

pub(crate) async fn application<B: Backend>(
    b: &B,
    tenant: TenantId,
    client_id: ClientId,
) -> StoreResult<Option<Application>> {
    let sql = format!("SELECT {COLUMNS} FROM applications WHERE tenant_id = $1 AND client_id = $2");
    let args: Vec<Arg> = vec![id_text(&tenant.0).into(), id_text(&client_id.0).into()];
    b.fetch_optional(&sql, args)
        .await?
        .as_ref()
        .map(codec::application)
        .transpose()
}

pub(crate) async fn applications<B: Backend>(
    b: &B,
    tenant: TenantId,
) -> StoreResult<Vec<Application>> {
    let sql = format!("SELECT {COLUMNS} FROM applications WHERE tenant_id = $1");
    let rows = b.fetch_all(&sql, vec![id_text(&tenant.0).into()]).await?;
    let mut apps = codec::decode_all(&rows, codec::application)?;
    codec::sort_applications(&mut apps);
    Ok(apps)
}
