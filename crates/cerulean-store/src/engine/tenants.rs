//! Tenants and their verified domains.

use cerulean_directory::{
    Application, AuditEvent, Domain, StoreError, StoreResult, Tenant, TenantId,
};

use super::{Backend, apps, audit};
use crate::codec::{self, Arg, fold_case, id_text, micros, to_json};

const TENANT_COLUMNS: &str = "id, display_name, initial_domain, branding, created_at";
const DOMAIN_COLUMNS: &str = "name, tenant_id, kind, is_initial, created_at";

const INSERT_TENANT: &str = "INSERT INTO tenants \
     (id, display_name, initial_domain, branding, created_at) VALUES ($1, $2, $3, $4, $5)";
const UPDATE_TENANT: &str = "UPDATE tenants SET display_name = $2, branding = $3 WHERE id = $1";
const INSERT_DOMAIN: &str = "INSERT INTO domains \
     (name, tenant_id, kind, is_initial, created_at) VALUES ($1, $2, $3, $4, $5)";
const UPDATE_DOMAIN: &str = "UPDATE domains SET kind = $3 WHERE name = $1 AND tenant_id = $2";

pub(crate) async fn create_tenant<B: Backend>(
    b: &B,
    tenant: &Tenant,
    initial_domain: &Domain,
    applications: &[Application],
    event: &AuditEvent,
) -> StoreResult<()> {
    let tenant_args: Vec<Arg> = vec![
        id_text(&tenant.id.0).into(),
        tenant.display_name.as_str().into(),
        tenant.initial_domain.as_str().into(),
        to_json("tenant branding", &tenant.branding)?.into(),
        micros(tenant.created_at).into(),
    ];
    let domain_args = domain_args(initial_domain)?;
    let app_args = applications
        .iter()
        .map(apps::insert_args)
        .collect::<StoreResult<Vec<_>>>()?;

    // Dropping `tx` on any error below rolls everything back: no tenant without its
    // domain, applications and audit record.
    let mut tx = b.begin_write().await?;
    b.execute(&mut tx, INSERT_TENANT, tenant_args).await?;
    b.execute(&mut tx, INSERT_DOMAIN, domain_args).await?;
    for args in app_args {
        b.execute(&mut tx, apps::INSERT, args).await?;
    }
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}

/// Writes the tenant's display name and branding (its id, initial domain and creation
/// time never change).
pub(crate) async fn update_tenant<B: Backend>(
    b: &B,
    tenant: &Tenant,
    event: &AuditEvent,
) -> StoreResult<()> {
    let args: Vec<Arg> = vec![
        id_text(&tenant.id.0).into(),
        tenant.display_name.as_str().into(),
        to_json("tenant branding", &tenant.branding)?.into(),
    ];
    let mut tx = b.begin_write().await?;
    if b.execute(&mut tx, UPDATE_TENANT, args).await? == 0 {
        return Err(StoreError::NotFound { what: "tenant" });
    }
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}

pub(crate) async fn tenant<B: Backend>(b: &B, id: TenantId) -> StoreResult<Option<Tenant>> {
    let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1");
    b.fetch_optional(&sql, vec![id_text(&id.0).into()])
        .await?
        .as_ref()
        .map(codec::tenant)
        .transpose()
}

pub(crate) async fn tenants<B: Backend>(b: &B) -> StoreResult<Vec<Tenant>> {
    let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants");
    let rows = b.fetch_all(&sql, Vec::new()).await?;
    let mut tenants = codec::decode_all(&rows, codec::tenant)?;
    codec::sort_tenants(&mut tenants);
    Ok(tenants)
}

fn domain_args(domain: &Domain) -> StoreResult<Vec<Arg>> {
    Ok(vec![
        fold_case(&domain.name).into(),
        id_text(&domain.tenant_id.0).into(),
        to_json("domain kind", &domain.kind)?.into(),
        domain.is_initial.into(),
        micros(domain.created_at).into(),
    ])
}

pub(crate) async fn add_domain<B: Backend>(
    b: &B,
    domain: &Domain,
    event: &AuditEvent,
) -> StoreResult<()> {
    let args = domain_args(domain)?;
    let mut tx = b.begin_write().await?;
    b.execute(&mut tx, INSERT_DOMAIN, args).await?;
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}

/// Replaces the domain's kind; the domain is identified by name and tenant.
pub(crate) async fn update_domain<B: Backend>(
    b: &B,
    domain: &Domain,
    event: &AuditEvent,
) -> StoreResult<()> {
    let args: Vec<Arg> = vec![
        fold_case(&domain.name).into(),
        id_text(&domain.tenant_id.0).into(),
        to_json("domain kind", &domain.kind)?.into(),
    ];
    let mut tx = b.begin_write().await?;
    if b.execute(&mut tx, UPDATE_DOMAIN, args).await? == 0 {
        return Err(StoreError::NotFound { what: "domain" });
    }
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}

pub(crate) async fn domain<B: Backend>(b: &B, name: &str) -> StoreResult<Option<Domain>> {
    let sql = format!("SELECT {DOMAIN_COLUMNS} FROM domains WHERE name = $1");
    b.fetch_optional(&sql, vec![fold_case(name).into()])
        .await?
        .as_ref()
        .map(codec::domain)
        .transpose()
}

pub(crate) async fn domains<B: Backend>(b: &B, tenant: TenantId) -> StoreResult<Vec<Domain>> {
    let sql = format!("SELECT {DOMAIN_COLUMNS} FROM domains WHERE tenant_id = $1");
    let rows = b.fetch_all(&sql, vec![id_text(&tenant.0).into()]).await?;
    let mut domains = codec::decode_all(&rows, codec::domain)?;
    codec::sort_domains(&mut domains);
    Ok(domains)
}
