use std::collections::BTreeSet;

use anyhow::bail;
use cerulean_directory::{ActionContext, Directory, NewUser, Role, User};

use crate::cli::UserCommand;
use crate::output::{print_object, print_table};
use crate::secrets::read_password;

pub async fn run(
    directory: &Directory,
    ctx: &ActionContext,
    json: bool,
    command: UserCommand,
) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            upn,
            name,
            role,
            password,
            disabled,
        } => {
            let roles = parse_roles(&role)?;
            let password = read_password(&password)?;
            let display_name =
                name.unwrap_or_else(|| upn.split('@').next().unwrap_or(&upn).to_string());
            let user = directory
                .create_user(
                    ctx,
                    NewUser {
                        upn,
                        display_name,
                        password: password.as_ref().map(|(p, _)| p.clone()),
                        roles,
                        enabled: !disabled,
                    },
                )
                .await?;
            show(json, &user);
            if let Some((password, true)) = password {
                // Shown once, on stderr so `--json` output on stdout stays parseable.
                eprintln!("generated password (shown once): {}", password.expose());
            }
        }
        UserCommand::List { tenant } => {
            let tenant = super::tenant(directory, &tenant).await?;
            let users = directory.users(tenant.id).await?;
            let rows = users
                .iter()
                .map(|u| {
                    vec![
                        u.upn.clone(),
                        u.display_name.clone(),
                        enabled_word(u.enabled).to_string(),
                        roles_text(u),
                        u.id.to_string(),
                    ]
                })
                .collect::<Vec<_>>();
            let public: Vec<serde_json::Value> = users.iter().map(public_view).collect();
            print_table(
                json,
                &["UPN", "NAME", "STATE", "ROLES", "OBJECT ID"],
                &rows,
                &public,
            );
        }
        UserCommand::Show { upn } => show(json, &find(directory, &upn).await?),
        UserCommand::Disable { upn } => {
            let user = find(directory, &upn).await?;
            let user = directory
                .set_user_enabled(ctx, user.tenant_id, user.id, false)
                .await?;
            show(json, &user);
        }
        UserCommand::Enable { upn } => {
            let user = find(directory, &upn).await?;
            let user = directory
                .set_user_enabled(ctx, user.tenant_id, user.id, true)
                .await?;
            show(json, &user);
        }
        UserCommand::SetPassword { upn, password } => {
            let user = find(directory, &upn).await?;
            let Some((password, generated)) = read_password(&password)? else {
                bail!(
                    "no password given: use --password-stdin, --password-file FILE or --generate-password"
                );
            };
            let user = directory
                .set_password(ctx, user.tenant_id, user.id, &password)
                .await?;
            show(json, &user);
            if generated {
                eprintln!("generated password (shown once): {}", password.expose());
            }
        }
        UserCommand::SetRoles { upn, role } => {
            let user = find(directory, &upn).await?;
            let roles = parse_roles(&role)?;
            let user = directory
                .set_user_roles(ctx, user.tenant_id, user.id, roles)
                .await?;
            show(json, &user);
        }
    }
    Ok(())
}

async fn find(directory: &Directory, upn: &str) -> anyhow::Result<User> {
    match directory.user_by_upn(upn).await? {
        Some(user) => Ok(user),
        None => bail!("no user '{upn}' (see `cerulean admin user list --tenant <domain>`)"),
    }
}

fn parse_roles(words: &[String]) -> anyhow::Result<BTreeSet<Role>> {
    let mut roles = BTreeSet::new();
    for word in words.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
        if word.eq_ignore_ascii_case("user") {
            continue;
        }
        match Role::from_slug(word) {
            Some(role) => {
                roles.insert(role);
            }
            None => bail!(
                "unknown role '{word}': use global-admin, device-admin, device-local-admin or user"
            ),
        }
    }
    Ok(roles)
}

fn enabled_word(enabled: bool) -> &'static str {
    if enabled { "enabled" } else { "disabled" }
}

fn roles_text(user: &User) -> String {
    let names: Vec<&str> = user.roles.iter().map(|r| r.slug()).collect();
    if names.is_empty() {
        "user".to_string()
    } else {
        names.join(",")
    }
}

/// A user without its password verifier: the CLI never prints hashes.
fn public_view(user: &User) -> serde_json::Value {
    serde_json::json!({
        "id": user.id,
        "tenantId": user.tenant_id,
        "userPrincipalName": user.upn,
        "displayName": user.display_name,
        "accountEnabled": user.enabled,
        "hasPassword": user.password_hash.is_some(),
        "roles": user.roles,
        "createdDateTime": user.created_at.to_string(),
    })
}

fn show(json: bool, user: &User) {
    print_object(
        json,
        &[
            ("upn", user.upn.clone()),
            ("name", user.display_name.clone()),
            ("object id", user.id.to_string()),
            ("tenant id", user.tenant_id.to_string()),
            ("state", enabled_word(user.enabled).to_string()),
            ("roles", roles_text(user)),
            (
                "password",
                if user.password_hash.is_some() {
                    "set"
                } else {
                    "none"
                }
                .to_string(),
            ),
        ],
        &public_view(user),
    );
}
