use anyhow::Context as _;
use base64::Engine as _;
use cerulean_directory::{
    ActionContext, Directory, DomainKind, FederationProtocol, FederationSettings,
};

use crate::cli::{DomainCommand, FederateArgs};
use crate::output::{print_object, print_table};

pub async fn run(
    directory: &Directory,
    ctx: &ActionContext,
    json: bool,
    command: DomainCommand,
) -> anyhow::Result<()> {
    let domain = match command {
        DomainCommand::Add { tenant, domain } => {
            let tenant = super::tenant(directory, &tenant).await?;
            directory
                .add_domain(ctx, tenant.id, &domain, DomainKind::Managed)
                .await?
        }
        DomainCommand::List { tenant } => {
            let tenant = super::tenant(directory, &tenant).await?;
            let domains = directory.domains(tenant.id).await?;
            let rows = domains
                .iter()
                .map(|d| {
                    vec![
                        d.name.clone(),
                        d.kind.namespace_type().to_string(),
                        if d.is_initial { "yes" } else { "" }.to_string(),
                    ]
                })
                .collect::<Vec<_>>();
            print_table(
                json,
                &["DOMAIN", "AUTHENTICATION", "INITIAL"],
                &rows,
                &domains,
            );
            return Ok(());
        }
        DomainCommand::Federate(args) => {
            let settings = federation_settings(&args)?;
            directory
                .set_domain_kind(ctx, &args.domain, DomainKind::Federated(settings))
                .await?
        }
        DomainCommand::Manage { domain } => {
            directory
                .set_domain_kind(ctx, &domain, DomainKind::Managed)
                .await?
        }
    };
    print_object(
        json,
        &[
            ("domain", domain.name.clone()),
            ("tenant id", domain.tenant_id.to_string()),
            ("authentication", domain.kind.namespace_type().to_string()),
        ],
        &domain,
    );
    Ok(())
}

fn federation_settings(args: &FederateArgs) -> anyhow::Result<FederationSettings> {
    let signing_certificate = match &args.signing_certificate {
        Some(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read the certificate {}", path.display()))?;
            Some(certificate_base64(&bytes)?)
        }
        None => None,
    };
    Ok(FederationSettings {
        issuer_uri: args.issuer.clone(),
        passive_sign_in_uri: args.passive_sign_in_url.clone(),
        active_sign_in_uri: args.active_sign_in_url.clone(),
        metadata_exchange_uri: args.metadata_url.clone(),
        sign_out_uri: args.sign_out_url.clone(),
        signing_certificate,
        preferred_authentication_protocol: if args.saml {
            FederationProtocol::Saml
        } else {
            FederationProtocol::WsFed
        },
        brand_name: args.brand_name.clone(),
    })
}

/// Accepts a PEM or DER certificate and returns base64 of the DER, as Graph stores it.
fn certificate_base64(bytes: &[u8]) -> anyhow::Result<String> {
    let engine = base64::engine::general_purpose::STANDARD;
    if let Ok(text) = std::str::from_utf8(bytes) {
        if text.contains("-----BEGIN CERTIFICATE-----") {
            let body: String = text
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<Vec<_>>()
                .concat();
            let der = engine
                .decode(body.trim())
                .context("the PEM certificate's body is not valid base64")?;
            return Ok(engine.encode(der));
        }
    }
    Ok(engine.encode(bytes))
}
