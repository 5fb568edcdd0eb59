//! The fixture organization every interop test uses (INTEROP.md §2.1).

use std::collections::BTreeSet;

use cerulean_crypto::SecretString;
use cerulean_directory::{ActionContext, Actor, Directory, NewUser, Role, Tenant, User};

/// The password of every fixture user.
pub const FIXTURE_PASSWORD: &str = "Passw0rd!";

/// Host names real clients hard-code; the test server's certificate covers them all.
pub const MICROSOFT_HOSTS: &[&str] = &[
    "login.microsoftonline.com",
    "login.windows.net",
    "login.microsoft.com",
    "sts.windows.net",
    "enterpriseregistration.windows.net",
    "enrollment.manage.microsoft.com",
    "graph.microsoft.com",
    "graph.windows.net",
];

/// Contoso with an administrator and two users.
#[derive(Debug, Clone)]
pub struct Fixtures {
    pub tenant: Tenant,
    pub admin: User,
    pub alice: User,
    pub bob: User,
}

impl Fixtures {
    pub async fn create(directory: &Directory) -> anyhow::Result<Self> {
        let ctx = ActionContext::new(Actor::System);
        let tenant = directory
            .create_tenant(&ctx, "Contoso", "contoso.test")
            .await?;
        let admin = add_user(
            directory,
            &ctx,
            "admin",
            "Contoso Administrator",
            &[Role::GlobalAdministrator],
        )
        .await?;
        let alice = add_user(directory, &ctx, "alice", "Alice Adams", &[]).await?;
        let bob = add_user(directory, &ctx, "bob", "Bob Brown", &[]).await?;
        Ok(Self {
            tenant,
            admin,
            alice,
            bob,
        })
    }
}

async fn add_user(
    directory: &Directory,
    ctx: &ActionContext,
    local: &str,
    name: &str,
    roles: &[Role],
) -> anyhow::Result<User> {
    Ok(directory
        .create_user(
            ctx,
            NewUser {
                upn: format!("{local}@contoso.test"),
                display_name: name.to_string(),
                password: Some(SecretString::new(FIXTURE_PASSWORD.to_string())),
                roles: roles.iter().copied().collect::<BTreeSet<_>>(),
                enabled: true,
            },
        )
        .await?)
}
