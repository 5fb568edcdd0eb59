use anyhow::Context as _;
use cerulean_directory::{ActionContext, ClientId, Directory, NewApplication};
use time::Duration;

use crate::cli::AppCommand;
use crate::output::{print_object, print_table};

pub async fn run(
    directory: &Directory,
    ctx: &ActionContext,
    json: bool,
    command: AppCommand,
) -> anyhow::Result<()> {
    match command {
        AppCommand::Create {
            tenant,
            name,
            redirect_uri,
            confidential,
        } => {
            let tenant = super::tenant(directory, &tenant).await?;
            let app = directory
                .create_application(
                    ctx,
                    tenant.id,
                    NewApplication {
                        display_name: name,
                        public_client: !confidential,
                        redirect_uris: redirect_uri,
                        identifier_uris: Vec::new(),
                    },
                )
                .await?;
            print_object(
                json,
                &[
                    ("client id", app.client_id.to_string()),
                    ("name", app.display_name.clone()),
                    (
                        "type",
                        if app.public_client {
                            "public"
                        } else {
                            "confidential"
                        }
                        .to_string(),
                    ),
                    ("redirect uris", app.redirect_uris.join(", ")),
                ],
                &app,
            );
        }
        AppCommand::List { tenant } => {
            let tenant = super::tenant(directory, &tenant).await?;
            let apps = directory.applications(tenant.id).await?;
            let rows = apps
                .iter()
                .map(|a| {
                    vec![
                        a.client_id.to_string(),
                        a.display_name.clone(),
                        if a.first_party { "first-party" } else { "" }.to_string(),
                        if a.public_client {
                            "public"
                        } else {
                            "confidential"
                        }
                        .to_string(),
                    ]
                })
                .collect::<Vec<_>>();
            // Secrets' verifiers are never printed: strip them from the JSON view.
            let public: Vec<serde_json::Value> = apps
                .iter()
                .map(|a| {
                    serde_json::json!({
                        "appId": a.client_id, "displayName": a.display_name,
                        "firstParty": a.first_party, "publicClient": a.public_client,
                        "redirectUris": a.redirect_uris, "identifierUris": a.identifier_uris,
                        "secretHints": a.secrets.iter().map(|s| &s.hint).collect::<Vec<_>>(),
                    })
                })
                .collect();
            print_table(
                json,
                &["CLIENT ID", "NAME", "ORIGIN", "TYPE"],
                &rows,
                &public,
            );
        }
        AppCommand::AddSecret {
            tenant,
            client_id,
            name,
            days,
        } => {
            let tenant = super::tenant(directory, &tenant).await?;
            let client_id: ClientId = client_id
                .parse()
                .context("the client id must be a GUID (see `cerulean admin app list`)")?;
            let created = directory
                .add_client_secret(ctx, tenant.id, client_id, &name, days.map(Duration::days))
                .await?;
            print_object(
                json,
                &[
                    ("secret id", created.secret.id.to_string()),
                    (
                        "secret (shown once)",
                        created.plaintext.expose().to_string(),
                    ),
                    (
                        "expires",
                        created
                            .secret
                            .expires_at
                            .map(|t| t.to_string())
                            .unwrap_or_else(|| "never".into()),
                    ),
                ],
                &serde_json::json!({
                    "secretId": created.secret.id,
                    "secretText": created.plaintext.expose(),
                    "hint": created.secret.hint,
                }),
            );
        }
    }
    Ok(())
}
