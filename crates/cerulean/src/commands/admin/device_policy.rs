//! `cerulean admin device-policy show|set`: the tenant's device registration policy (who
//! may join and register devices, the per-user quota, MFA, local administrators), offline
//! against the store. `--json` and `--from-file` speak Graph's `deviceRegistrationPolicy`.

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::{Context as _, anyhow, bail};
use cerulean_directory::{
    ActionContext, DeviceRegistrationMembership, DeviceRegistrationPolicy, Directory, GroupId,
    MultiFactorAuthConfiguration, Tenant, UserId,
};
use cerulean_server::graph::{parse_policy, policy_json};
use clap::{Args, Subcommand, ValueEnum};

use crate::output::print_object;

const SET_EXAMPLES: &str = "\
Options not given keep their current value; user and group lists replace the old ones.

Examples:
  # at most 10 devices per user, and MFA to join or register
  cerulean admin device-policy set --tenant contoso.com --quota 10 --mfa required

  # only the pilot group and one administrator may Entra-join devices
  cerulean admin device-policy set --tenant contoso.com \\
      --join selected --join-groups Pilots --join-users it-admin@contoso.com

  # nobody may register personal devices; joiners do not become local administrators
  cerulean admin device-policy set --tenant contoso.com \\
      --register none --local-admin-registering-users none

  # the whole policy from Graph JSON (e.g. edited output of `--json device-policy show`)
  cerulean admin device-policy set --tenant contoso.com --from-file policy.json

A quota of 0 lets nobody add devices. `selected` needs --…-users and/or --…-groups
(UPNs or object ids; group names or ids); giving only those implies `selected`.";

#[derive(Debug, Subcommand)]
pub enum DevicePolicyCommand {
    /// Show the tenant's device registration policy (Entra's defaults until set).
    Show {
        /// Tenant id or one of its domains.
        #[arg(long)]
        tenant: String,
    },
    /// Change the device registration policy.
    #[command(after_long_help = SET_EXAMPLES)]
    Set(SetArgs),
}

/// Who a part of the policy applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Who {
    /// Every user.
    All,
    /// Nobody.
    None,
    /// The listed users and members of the listed groups.
    Selected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mfa {
    /// Joining or registering needs a multi-factor sign-in.
    Required,
    /// A password sign-in is enough.
    NotRequired,
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// Tenant id or one of its domains.
    #[arg(long)]
    pub tenant: String,
    /// Replace the whole policy with this Graph `deviceRegistrationPolicy` JSON ('-' reads
    /// standard input).
    #[arg(long, value_name = "FILE", conflicts_with_all = [
        "quota", "mfa", "join", "join_users", "join_groups", "register", "register_users",
        "register_groups", "local_admin_global_admins", "local_admin_registering_users",
        "local_admin_users", "local_admin_groups", "laps",
    ])]
    pub from_file: Option<PathBuf>,
    /// Devices (joined + registered) a user may own.
    #[arg(long, value_name = "N")]
    pub quota: Option<u32>,
    /// Whether joining or registering needs MFA.
    #[arg(long, value_enum)]
    pub mfa: Option<Mfa>,
    /// Who may Entra-join devices.
    #[arg(long, value_enum)]
    pub join: Option<Who>,
    /// With --join selected: these users (UPNs or object ids, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "UPN,…")]
    pub join_users: Vec<String>,
    /// With --join selected: members of these groups (names or ids, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "GROUP,…")]
    pub join_groups: Vec<String>,
    /// Who may register (workplace-join) personal devices.
    #[arg(long, value_enum)]
    pub register: Option<Who>,
    /// With --register selected: these users (UPNs or object ids, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "UPN,…")]
    pub register_users: Vec<String>,
    /// With --register selected: members of these groups (names or ids, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "GROUP,…")]
    pub register_groups: Vec<String>,
    /// Whether Global Administrators are local administrators of every joined device.
    #[arg(long, value_name = "true|false")]
    pub local_admin_global_admins: Option<bool>,
    /// Which joining users become local administrators of the device they join.
    #[arg(long, value_enum)]
    pub local_admin_registering_users: Option<Who>,
    /// With --local-admin-registering-users selected: these users, when they join.
    #[arg(long, value_delimiter = ',', value_name = "UPN,…")]
    pub local_admin_users: Vec<String>,
    /// With --local-admin-registering-users selected: members of these groups, when
    /// they join.
    #[arg(long, value_delimiter = ',', value_name = "GROUP,…")]
    pub local_admin_groups: Vec<String>,
    /// Windows LAPS (local administrator password backup) enabled.
    #[arg(long, value_name = "true|false")]
    pub laps: Option<bool>,
}

pub async fn run(
    directory: &Directory,
    ctx: &ActionContext,
    json: bool,
    command: DevicePolicyCommand,
) -> anyhow::Result<()> {
    match command {
        DevicePolicyCommand::Show { tenant } => {
            let tenant = super::tenant(directory, &tenant).await?;
            let policy = directory.device_registration_policy(tenant.id).await?;
            show(directory, &tenant, json, &policy).await
        }
        DevicePolicyCommand::Set(args) => {
            let tenant = super::tenant(directory, &args.tenant).await?;
            let policy = match &args.from_file {
                Some(path) => from_file(path)?,
                None => {
                    let current = directory.device_registration_policy(tenant.id).await?;
                    changed(directory, &tenant, current, &args).await?
                }
            };
            let stored = directory
                .put_device_registration_policy(ctx, tenant.id, policy)
                .await?;
            show(directory, &tenant, json, &stored).await
        }
    }
}

fn from_file(path: &PathBuf) -> anyhow::Result<DeviceRegistrationPolicy> {
    let text = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the policy from standard input")?;
        text
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let serde_json::Value::Object(map) = value else {
        bail!(
            "{} must hold a JSON object (Graph's deviceRegistrationPolicy)",
            path.display()
        );
    };
    parse_policy(map).map_err(|e| anyhow!("{}: {}", path.display(), e.message))
}

/// `current` with the flags applied.
async fn changed(
    directory: &Directory,
    tenant: &Tenant,
    mut policy: DeviceRegistrationPolicy,
    args: &SetArgs,
) -> anyhow::Result<DeviceRegistrationPolicy> {
    let mut any = false;
    if let Some(quota) = args.quota {
        policy.user_device_quota = quota;
        any = true;
    }
    if let Some(mfa) = args.mfa {
        policy.multi_factor_auth_configuration = match mfa {
            Mfa::Required => MultiFactorAuthConfiguration::Required,
            Mfa::NotRequired => MultiFactorAuthConfiguration::NotRequired,
        };
        any = true;
    }
    let parts = [
        (
            "join",
            args.join,
            &args.join_users,
            &args.join_groups,
            &mut policy.azure_ad_join.allowed_to_join,
        ),
        (
            "register",
            args.register,
            &args.register_users,
            &args.register_groups,
            &mut policy.azure_ad_registration.allowed_to_register,
        ),
        (
            "local-admin-registering-users",
            args.local_admin_registering_users,
            &args.local_admin_users,
            &args.local_admin_groups,
            &mut policy.azure_ad_join.local_admins.registering_users,
        ),
    ];
    for (flag, who, users, groups, target) in parts {
        if let Some(membership) = membership(directory, tenant, flag, who, users, groups).await? {
            *target = membership;
            any = true;
        }
    }
    if let Some(on) = args.local_admin_global_admins {
        policy.azure_ad_join.local_admins.enable_global_admins = on;
        any = true;
    }
    if let Some(on) = args.laps {
        policy.local_admin_password.is_enabled = on;
        any = true;
    }
    if !any {
        bail!(
            "nothing to change: give at least one option (see `cerulean admin device-policy set --help`)"
        );
    }
    Ok(policy)
}

/// The membership `--{flag}` and its lists ask for, or `None` if not asked.
async fn membership(
    directory: &Directory,
    tenant: &Tenant,
    flag: &str,
    who: Option<Who>,
    users: &[String],
    groups: &[String],
) -> anyhow::Result<Option<DeviceRegistrationMembership>> {
    let listed = !users.is_empty() || !groups.is_empty();
    let lists = if flag == "local-admin-registering-users" {
        "--local-admin-users/--local-admin-groups".to_owned()
    } else {
        format!("--{flag}-users/--{flag}-groups")
    };
    match (who, listed) {
        (None, false) => Ok(None),
        (Some(Who::All), false) => Ok(Some(DeviceRegistrationMembership::All)),
        (Some(Who::None), false) => Ok(Some(DeviceRegistrationMembership::None)),
        (Some(Who::All | Who::None), true) => {
            bail!("{lists} go with --{flag} selected, not with all or none")
        }
        (Some(Who::Selected), false) => {
            bail!("--{flag} selected needs {lists}")
        }
        (Some(Who::Selected) | None, true) => {
            let mut user_ids: Vec<UserId> = Vec::new();
            for key in users.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
                let user = directory
                    .find_user(tenant.id, key)
                    .await
                    .with_context(|| format!("--{flag}: no user '{key}' in this tenant"))?;
                user_ids.push(user.id);
            }
            let mut group_ids: Vec<GroupId> = Vec::new();
            for key in groups.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
                let group = directory
                    .find_group(tenant.id, key)
                    .await
                    .with_context(|| format!("--{flag}: no group '{key}' in this tenant"))?;
                group_ids.push(group.id);
            }
            Ok(Some(DeviceRegistrationMembership::Enumerated {
                users: user_ids,
                groups: group_ids,
            }))
        }
    }
}

async fn show(
    directory: &Directory,
    tenant: &Tenant,
    json: bool,
    policy: &DeviceRegistrationPolicy,
) -> anyhow::Result<()> {
    let graph = policy_json(policy).map_err(|e| anyhow!(e.message))?;
    let join = &policy.azure_ad_join;
    print_object(
        json,
        &[
            ("tenant", tenant.initial_domain.clone()),
            ("devices per user", policy.user_device_quota.to_string()),
            (
                "MFA to join/register",
                if policy.mfa_required() {
                    "required"
                } else {
                    "not required"
                }
                .to_owned(),
            ),
            (
                "may join",
                describe(directory, tenant, &join.allowed_to_join).await?,
            ),
            (
                "may register",
                describe(
                    directory,
                    tenant,
                    &policy.azure_ad_registration.allowed_to_register,
                )
                .await?,
            ),
            (
                "local admins: global admins",
                yes_no(join.local_admins.enable_global_admins).to_owned(),
            ),
            (
                "local admins: joining user",
                describe(directory, tenant, &join.local_admins.registering_users).await?,
            ),
            (
                "LAPS",
                if policy.local_admin_password.is_enabled {
                    "enabled"
                } else {
                    "disabled"
                }
                .to_owned(),
            ),
        ],
        &serde_json::Value::Object(graph),
    );
    Ok(())
}

/// "all users", "nobody", or the named users and groups.
async fn describe(
    directory: &Directory,
    tenant: &Tenant,
    membership: &DeviceRegistrationMembership,
) -> anyhow::Result<String> {
    let (users, groups) = match membership {
        DeviceRegistrationMembership::All => return Ok("all users".to_owned()),
        DeviceRegistrationMembership::None => return Ok("nobody".to_owned()),
        DeviceRegistrationMembership::Enumerated { users, groups } => (users, groups),
    };
    let mut names = Vec::new();
    for id in users {
        let name = match directory.find_user(tenant.id, &id.to_string()).await {
            Ok(user) => user.upn,
            Err(_) => id.to_string(),
        };
        names.push(name);
    }
    for id in groups {
        let name = match directory.find_group(tenant.id, &id.to_string()).await {
            Ok(group) => format!("group {}", group.display_name),
            Err(_) => format!("group {id}"),
        };
        names.push(name);
    }
    if names.is_empty() {
        return Ok("nobody (an empty selection)".to_owned());
    }
    Ok(format!("selected: {}", names.join(", ")))
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}
