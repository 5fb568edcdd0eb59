use anyhow::bail;
use cerulean_directory::{ActionContext, Directory, Member};

use crate::cli::GroupCommand;
use crate::output::{print_object, print_table};

pub async fn run(
    directory: &Directory,
    ctx: &ActionContext,
    json: bool,
    command: GroupCommand,
) -> anyhow::Result<()> {
    match command {
        GroupCommand::Create {
            tenant,
            name,
            description,
        } => {
            let tenant = super::tenant(directory, &tenant).await?;
            let group = directory
                .create_group(ctx, tenant.id, &name, description.as_deref())
                .await?;
            print_object(
                json,
                &[
                    ("group id", group.id.to_string()),
                    ("name", group.display_name.clone()),
                ],
                &group,
            );
        }
        GroupCommand::List { tenant } => {
            let tenant = super::tenant(directory, &tenant).await?;
            let groups = directory.groups(tenant.id).await?;
            let rows = groups
                .iter()
                .map(|g| {
                    vec![
                        g.display_name.clone(),
                        g.id.to_string(),
                        g.description.clone().unwrap_or_default(),
                    ]
                })
                .collect::<Vec<_>>();
            print_table(json, &["NAME", "GROUP ID", "DESCRIPTION"], &rows, &groups);
        }
        GroupCommand::AddMember { tenant, group, upn } => {
            let (tenant, group, member) = resolve(directory, &tenant, &group, &upn).await?;
            let added = directory.add_member(ctx, tenant, group, member).await?;
            report(json, added, "added", "was already a member");
        }
        GroupCommand::RemoveMember { tenant, group, upn } => {
            let (tenant, group, member) = resolve(directory, &tenant, &group, &upn).await?;
            let removed = directory.remove_member(ctx, tenant, group, member).await?;
            report(json, removed, "removed", "was not a member");
        }
        GroupCommand::Members { tenant, group } => {
            let tenant = super::tenant(directory, &tenant).await?;
            let group = directory.find_group(tenant.id, &group).await?;
            let members = directory.group_members(tenant.id, group.id).await?;
            let mut rows = Vec::new();
            for member in &members {
                let name = match member {
                    Member::User(id) => directory
                        .find_user(tenant.id, &id.to_string())
                        .await
                        .map(|u| u.upn)
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                rows.push(vec![
                    member.kind().to_string(),
                    member.id().to_string(),
                    name,
                ]);
            }
            print_table(json, &["KIND", "ID", "NAME"], &rows, &members);
        }
    }
    Ok(())
}

async fn resolve(
    directory: &Directory,
    tenant: &str,
    group: &str,
    upn: &str,
) -> anyhow::Result<(
    cerulean_directory::TenantId,
    cerulean_directory::GroupId,
    Member,
)> {
    let tenant = super::tenant(directory, tenant).await?;
    let group = directory.find_group(tenant.id, group).await?;
    let Some(user) = directory.user_by_upn(upn).await? else {
        bail!("no user '{upn}'");
    };
    if user.tenant_id != tenant.id {
        bail!("'{upn}' belongs to another tenant");
    }
    Ok((tenant.id, group.id, Member::User(user.id)))
}

fn report(json: bool, changed: bool, yes: &str, no: &str) {
    if json {
        println!("{}", serde_json::json!({ "changed": changed }));
    } else if changed {
        println!("{yes}");
    } else {
        println!("nothing to do: the user {no}");
    }
}
