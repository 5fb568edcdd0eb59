//! `cerulean admin device …`: list, show, enable, disable and delete devices, offline
//! against the store. `--json` prints Graph's `device` resource (the same JSON as
//! `GET /v1.0/devices`).

use std::collections::HashMap;

use anyhow::bail;
use cerulean_directory::{
    ActionContext, Device, DeviceId, DeviceObjectId, DeviceQuery, Directory, DirectoryError,
    Tenant, TrustType, UserId,
};
use cerulean_server::graph::device_json;
use clap::{Args, Subcommand, ValueEnum};
use time::Duration;

use crate::output::{print_object, print_table};

const LIST_EXAMPLES: &str = "\
Examples:
  cerulean admin device list --tenant contoso.com
  cerulean admin device list --tenant contoso.com --trust-type joined
  # devices not seen for 90 days, as JSON, e.g. to review before deleting them
  cerulean --json admin device list --tenant contoso.com --stale-days 90";

const DEVICE_EXAMPLES: &str = "\
DEVICE is the device id (the certificate's CN, Graph's deviceId, what `dsregcmd /status`
shows as DeviceId) or the directory object id (Graph's id); both are in `device list`.

Examples:
  cerulean admin device show --tenant contoso.com 1b4e28ba-2fa1-11d2-883f-0016d3cca427
  cerulean admin device disable --tenant contoso.com 1b4e28ba-2fa1-11d2-883f-0016d3cca427";

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// List a tenant's devices (joined and registered), in object-id order.
    #[command(after_long_help = LIST_EXAMPLES)]
    List(ListArgs),
    /// Show one device.
    #[command(after_long_help = DEVICE_EXAMPLES)]
    Show(DeviceArgs),
    /// Enable a disabled device: it gets tokens again.
    #[command(after_long_help = DEVICE_EXAMPLES)]
    Enable(DeviceArgs),
    /// Disable a device: it gets no more tokens (its user must sign in elsewhere) and
    /// may not update itself, until enabled again.
    #[command(after_long_help = DEVICE_EXAMPLES)]
    Disable(DeviceArgs),
    /// Delete a device with its Windows Hello keys and group memberships. The device
    /// must join or register again to get an identity.
    #[command(after_long_help = DEVICE_EXAMPLES)]
    Delete(DeviceArgs),
}

/// How the device trusts the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrustArg {
    /// Entra joined (Graph trustType AzureAd).
    #[value(alias = "azuread")]
    Joined,
    /// Entra registered, "workplace join" (Graph trustType Workplace).
    #[value(alias = "workplace")]
    Registered,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Tenant id or one of its domains.
    #[arg(long)]
    pub tenant: String,
    /// Only joined or only registered devices.
    #[arg(
        long,
        value_enum,
        ignore_case = true,
        visible_alias = "filter-trust-type"
    )]
    pub trust_type: Option<TrustArg>,
    /// Only devices without a sign-in for N days (never signed in: registered N days ago).
    #[arg(long, value_name = "N")]
    pub stale_days: Option<u32>,
}

#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// Tenant id or one of its domains.
    #[arg(long)]
    pub tenant: String,
    /// Device id or object id.
    pub device: String,
}

pub async fn run(
    directory: &Directory,
    ctx: &ActionContext,
    json: bool,
    command: DeviceCommand,
) -> anyhow::Result<()> {
    match command {
        DeviceCommand::List(args) => list(directory, json, args).await,
        DeviceCommand::Show(args) => {
            let (tenant, device) = find(directory, &args).await?;
            show(directory, &tenant, json, &device).await
        }
        DeviceCommand::Enable(args) => set_enabled(directory, ctx, json, &args, true).await,
        DeviceCommand::Disable(args) => set_enabled(directory, ctx, json, &args, false).await,
        DeviceCommand::Delete(args) => {
            let (tenant, device) = find(directory, &args).await?;
            let deleted = directory
                .delete_device(ctx, tenant.id, device.object_id)
                .await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "deleted": true,
                        "id": deleted.object_id,
                        "deviceId": deleted.device_id,
                        "displayName": deleted.display_name,
                    })
                );
            } else {
                println!(
                    "deleted device {} (device id {})",
                    deleted.display_name, deleted.device_id
                );
            }
            Ok(())
        }
    }
}

async fn set_enabled(
    directory: &Directory,
    ctx: &ActionContext,
    json: bool,
    args: &DeviceArgs,
    enabled: bool,
) -> anyhow::Result<()> {
    let (tenant, device) = find(directory, args).await?;
    let device = directory
        .set_device_enabled(ctx, tenant.id, device.object_id, enabled)
        .await?;
    show(directory, &tenant, json, &device).await
}

async fn list(directory: &Directory, json: bool, args: ListArgs) -> anyhow::Result<()> {
    let tenant = super::tenant(directory, &args.tenant).await?;
    let mut query = DeviceQuery {
        trust_type: args.trust_type.map(|t| match t {
            TrustArg::Joined => TrustType::AzureAd,
            TrustArg::Registered => TrustType::Workplace,
        }),
        last_activity_before: args
            .stale_days
            .map(|days| directory.clock().now() - Duration::days(i64::from(days))),
        top: DeviceQuery::MAX_TOP,
        ..DeviceQuery::default()
    };
    let mut devices = Vec::new();
    loop {
        let page = directory.list_devices(tenant.id, &query).await?;
        devices.extend(page.devices);
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    let owners = owner_names(directory, &tenant).await?;
    let rows = devices
        .iter()
        .map(|d| {
            vec![
                d.display_name.clone(),
                d.device_id.to_string(),
                d.trust_type.to_string(),
                os_text(d),
                state_word(d.enabled).to_string(),
                owner_text(&owners, d),
                last_activity(d),
                d.object_id.to_string(),
            ]
        })
        .collect::<Vec<_>>();
    let values: Vec<serde_json::Value> = devices
        .iter()
        .map(|d| serde_json::Value::Object(device_json(d)))
        .collect();
    print_table(
        json,
        &[
            "NAME",
            "DEVICE ID",
            "TRUST",
            "OS",
            "STATE",
            "OWNER",
            "LAST ACTIVITY",
            "OBJECT ID",
        ],
        &rows,
        &values,
    );
    Ok(())
}

/// The device named by `args` (device id first, then object id).
async fn find(directory: &Directory, args: &DeviceArgs) -> anyhow::Result<(Tenant, Device)> {
    let tenant = super::tenant(directory, &args.tenant).await?;
    let key = args.device.trim();
    let Ok(guid) = key.parse::<uuid::Uuid>() else {
        bail!(
            "'{key}' is not a device id or object id (a GUID): see `cerulean admin device list --tenant {}`",
            args.tenant
        );
    };
    if let Some(device) = directory
        .device_by_device_id(tenant.id, DeviceId(guid))
        .await?
    {
        return Ok((tenant, device));
    }
    match directory.device(tenant.id, DeviceObjectId(guid)).await {
        Ok(device) => Ok((tenant, device)),
        Err(DirectoryError::NotFound { .. }) => bail!(
            "no device '{key}' in tenant {}: see `cerulean admin device list --tenant {}`",
            tenant.initial_domain,
            args.tenant
        ),
        Err(e) => Err(e.into()),
    }
}

async fn show(
    directory: &Directory,
    tenant: &Tenant,
    json: bool,
    device: &Device,
) -> anyhow::Result<()> {
    let owners = owner_names(directory, tenant).await?;
    let optional = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    print_object(
        json,
        &[
            ("name", device.display_name.clone()),
            ("device id", device.device_id.to_string()),
            ("object id", device.object_id.to_string()),
            ("trust type", trust_text(device.trust_type)),
            ("os", os_text(device)),
            ("state", state_word(device.enabled).to_string()),
            ("owner", owner_text(&owners, device)),
            ("registered", device.registered_at.to_string()),
            (
                "last sign-in",
                optional(device.approximate_last_sign_in.map(|t| t.to_string())),
            ),
            ("certificate", device.cert_thumbprint.clone()),
            ("managed (MDM)", yes_no(device.mdm.managed).to_owned()),
            ("compliant", yes_no(device.mdm.compliant).to_owned()),
        ],
        &serde_json::Value::Object(device_json(device)),
    );
    Ok(())
}

async fn owner_names(
    directory: &Directory,
    tenant: &Tenant,
) -> anyhow::Result<HashMap<UserId, String>> {
    Ok(directory
        .users(tenant.id)
        .await?
        .into_iter()
        .map(|u| (u.id, u.upn))
        .collect())
}

fn owner_text(owners: &HashMap<UserId, String>, device: &Device) -> String {
    match device.owner_user_id {
        Some(id) => owners.get(&id).cloned().unwrap_or_else(|| id.to_string()),
        None => "-".to_owned(),
    }
}

fn trust_text(trust: TrustType) -> String {
    match trust {
        TrustType::AzureAd => "AzureAd (joined)".to_owned(),
        TrustType::Workplace => "Workplace (registered)".to_owned(),
    }
}

fn os_text(device: &Device) -> String {
    format!(
        "{} {}",
        device.operating_system, device.operating_system_version
    )
    .trim()
    .to_owned()
}

fn last_activity(device: &Device) -> String {
    let at = device.last_activity();
    at.date().to_string()
}

fn state_word(enabled: bool) -> &'static str {
    if enabled { "enabled" } else { "disabled" }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}
