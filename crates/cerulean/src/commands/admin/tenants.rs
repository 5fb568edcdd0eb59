use cerulean_directory::{ActionContext, Directory};
use serde_json::json;

use crate::cli::TenantCommand;
use crate::output::{print_object, print_table};

pub async fn run(
    directory: &Directory,
    ctx: &ActionContext,
    json: bool,
    command: TenantCommand,
) -> anyhow::Result<()> {
    match command {
        TenantCommand::Create { name, domain } => {
            let tenant = directory.create_tenant(ctx, &name, &domain).await?;
            print_object(
                json,
                &[
                    ("tenant id", tenant.id.to_string()),
                    ("name", tenant.display_name.clone()),
                    ("domain", tenant.initial_domain.clone()),
                ],
                &tenant,
            );
        }
        TenantCommand::List => {
            let tenants = directory.tenants().await?;
            let rows = tenants
                .iter()
                .map(|t| {
                    vec![
                        t.id.to_string(),
                        t.display_name.clone(),
                        t.initial_domain.clone(),
                    ]
                })
                .collect::<Vec<_>>();
            print_table(
                json,
                &["TENANT ID", "NAME", "INITIAL DOMAIN"],
                &rows,
                &tenants,
            );
        }
        TenantCommand::Show { tenant } => {
            let tenant = super::tenant(directory, &tenant).await?;
            let domains = directory.domains(tenant.id).await?;
            let users = directory.users(tenant.id).await?.len();
            let names: Vec<String> = domains
                .iter()
                .map(|d| format!("{} ({})", d.name, d.kind.namespace_type()))
                .collect();
            print_object(
                json,
                &[
                    ("tenant id", tenant.id.to_string()),
                    ("name", tenant.display_name.clone()),
                    ("domains", names.join(", ")),
                    ("users", users.to_string()),
                    ("created", tenant.created_at.to_string()),
                ],
                &json!({ "tenant": tenant, "domains": domains, "userCount": users }),
            );
        }
    }
    Ok(())
}
