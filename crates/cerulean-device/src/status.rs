//! What the device shows about its connection to the organization: a `dsregcmd /status`
//! style report and the "Access work or school" view. Both are built from the state
//! directory, plus (optionally) the server's answer to a device check.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::Result;
use crate::keystore::{KeyProtection, KeyStore};
use crate::manage::Standing;
use crate::state::{DeviceState, JoinKind, Phase, ServerVerdict, StateDir};

/// The report, one section per `dsregcmd` heading. Field names are `dsregcmd`'s.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatusReport {
    pub device_state: DeviceStateSection,
    pub device_details: Option<DeviceDetails>,
    pub tenant_details: Option<TenantDetails>,
    pub sso_state: SsoState,
    pub management: Management,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeviceStateSection {
    pub azure_ad_joined: bool,
    pub workplace_joined: bool,
    pub enterprise_joined: bool,
    pub domain_joined: bool,
    pub device_name: String,
    pub edition: String,
    /// How far setup has got (`Complete` once done).
    pub setup_phase: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeviceDetails {
    pub device_id: String,
    pub thumbprint: String,
    pub device_certificate_validity: String,
    pub certificate_expired: bool,
    pub key_provider: String,
    pub tpm_protected: bool,
    /// `SUCCESS`, `FAILED. Device is either disabled or deleted`, or `NOT CHECKED`.
    pub device_auth_status: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TenantDetails {
    pub tenant_name: String,
    pub tenant_id: String,
    pub user: String,
    pub auth_code_url: Option<String>,
    pub access_token_url: Option<String>,
    pub mdm_url: Option<String>,
    pub mdm_tou_url: Option<String>,
    pub mdm_compliance_url: Option<String>,
    pub join_srv_version: Option<String>,
    pub join_srv_url: Option<String>,
    pub key_srv_url: Option<String>,
    pub device_management_srv_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SsoState {
    pub azure_ad_prt: bool,
    pub azure_ad_prt_update_time: Option<String>,
    pub azure_ad_prt_expiry_time: Option<String>,
    pub azure_ad_prt_authority: Option<String>,
    pub mfa: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Management {
    /// The organization asked for MDM enrollment.
    pub mdm_required: bool,
    pub mdm_enrolled: bool,
    /// The areas IT manages on this device (empty until MDM enrollment exists).
    pub managed_areas: Vec<String>,
}

/// Builds the report. `standing` is the server's answer, if the caller asked for one.
pub fn report(state_dir: &Path, standing: Option<Standing>) -> Result<StatusReport> {
    let dir = StateDir::open(state_dir)?;
    let state = dir.load()?;
    let prt = dir.load_prt()?;
    let keys_present = KeyStore::new(state_dir).load()?.is_some();
    let Some(state) = state else {
        return Ok(empty_report());
    };
    let complete = state.phase >= Phase::Joined;
    let registration = state.registration.as_ref().filter(|_| complete);
    let kind = registration.map(|r| r.kind);
    let now = OffsetDateTime::now_utc();
    let auth_status = match (standing, state.verdict) {
        (Some(Standing::Good), _) => "SUCCESS".to_string(),
        (Some(Standing::Disabled | Standing::Deleted), _) | (None, Some(_)) => {
            "FAILED. Device is either disabled or deleted".to_string()
        }
        (None, None) => "NOT CHECKED".to_string(),
    };
    let device_details = registration.map(|r| DeviceDetails {
        device_id: r.device_id.clone(),
        thumbprint: r.thumbprint.clone(),
        device_certificate_validity: format!(
            "[ {} -- {} ]",
            rfc3339(r.not_before),
            rfc3339(r.not_after)
        ),
        certificate_expired: now > r.not_after,
        key_provider: if keys_present {
            KeyProtection::Software.provider_name().to_string()
        } else {
            "(keys missing)".to_string()
        },
        tpm_protected: false,
        device_auth_status: auth_status.clone(),
    });
    let mdm = state.mdm.clone().unwrap_or_default();
    let tenant_details = registration.map(|r| TenantDetails {
        tenant_name: r.tenant_name.clone(),
        tenant_id: r.tenant_id.clone(),
        user: r.upn.clone(),
        auth_code_url: state.services.auth_code_endpoint.clone(),
        access_token_url: state.services.token_endpoint.clone(),
        mdm_url: mdm.enrollment_url.clone(),
        mdm_tou_url: mdm.terms_of_use_url.clone(),
        mdm_compliance_url: mdm.compliance_url.clone(),
        join_srv_version: state.services.join_service_version.clone(),
        join_srv_url: state.services.join_endpoint.clone(),
        key_srv_url: state.services.key_provisioning_endpoint.clone(),
        device_management_srv_url: state.services.device_management_endpoint.clone(),
    });
    let sso_state = SsoState {
        azure_ad_prt: prt.is_some() && state.verdict.is_none(),
        azure_ad_prt_update_time: prt.as_ref().map(|p| rfc3339(p.updated_at)),
        azure_ad_prt_expiry_time: prt.as_ref().map(|p| rfc3339(p.expires_at)),
        azure_ad_prt_authority: prt
            .as_ref()
            .map(|p| format!("{}/{}", p.authority, p.tenant_id)),
        mfa: prt.as_ref().is_some_and(|p| p.mfa),
    };
    Ok(StatusReport {
        device_state: DeviceStateSection {
            azure_ad_joined: kind == Some(JoinKind::Join),
            workplace_joined: kind == Some(JoinKind::Register),
            enterprise_joined: false,
            domain_joined: false,
            device_name: state.display_name.clone(),
            edition: state.edition.product_name().to_string(),
            setup_phase: format!("{:?}", state.phase),
        },
        device_details,
        tenant_details,
        sso_state,
        management: Management {
            mdm_required: mdm.enrollment_url.is_some(),
            mdm_enrolled: mdm.enrolled,
            managed_areas: Vec::new(),
        },
    })
}

fn empty_report() -> StatusReport {
    StatusReport {
        device_state: DeviceStateSection {
            azure_ad_joined: false,
            workplace_joined: false,
            enterprise_joined: false,
            domain_joined: false,
            device_name: String::new(),
            edition: String::new(),
            setup_phase: "New".into(),
        },
        device_details: None,
        tenant_details: None,
        sso_state: SsoState {
            azure_ad_prt: false,
            azure_ad_prt_update_time: None,
            azure_ad_prt_expiry_time: None,
            azure_ad_prt_authority: None,
            mfa: false,
        },
        management: Management {
            mdm_required: false,
            mdm_enrolled: false,
            managed_areas: Vec::new(),
        },
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn yes_no(b: bool) -> &'static str {
    if b { "YES" } else { "NO" }
}

/// The `dsregcmd /status` text.
pub fn render_text(r: &StatusReport) -> String {
    let mut out = String::new();
    let mut section = |title: &str, rows: &[(&str, String)]| {
        let _ = writeln!(out, "+{}+", "-".repeat(78));
        let _ = writeln!(out, "| {title:<77}|");
        let _ = writeln!(out, "+{}+\n", "-".repeat(78));
        for (k, v) in rows {
            let _ = writeln!(out, "{k:>30} : {v}");
        }
        out.push('\n');
    };
    let d = &r.device_state;
    section(
        "Device State",
        &[
            ("AzureAdJoined", yes_no(d.azure_ad_joined).into()),
            ("WorkplaceJoined", yes_no(d.workplace_joined).into()),
            ("EnterpriseJoined", yes_no(d.enterprise_joined).into()),
            ("DomainJoined", yes_no(d.domain_joined).into()),
            ("Device Name", d.device_name.clone()),
            ("Edition", d.edition.clone()),
            ("SetupPhase", d.setup_phase.clone()),
        ],
    );
    if let Some(dd) = &r.device_details {
        section(
            "Device Details",
            &[
                ("DeviceId", dd.device_id.clone()),
                ("Thumbprint", dd.thumbprint.clone()),
                (
                    "DeviceCertificateValidity",
                    dd.device_certificate_validity.clone(),
                ),
                ("KeyProvider", dd.key_provider.clone()),
                ("TpmProtected", yes_no(dd.tpm_protected).into()),
                ("DeviceAuthStatus", dd.device_auth_status.clone()),
            ],
        );
    }
    if let Some(t) = &r.tenant_details {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        section(
            "Tenant Details",
            &[
                ("TenantName", t.tenant_name.clone()),
                ("TenantId", t.tenant_id.clone()),
                ("User", t.user.clone()),
                ("AuthCodeUrl", opt(&t.auth_code_url)),
                ("AccessTokenUrl", opt(&t.access_token_url)),
                ("MdmUrl", opt(&t.mdm_url)),
                ("MdmTouUrl", opt(&t.mdm_tou_url)),
                ("MdmComplianceUrl", opt(&t.mdm_compliance_url)),
                ("JoinSrvVersion", opt(&t.join_srv_version)),
                ("JoinSrvUrl", opt(&t.join_srv_url)),
                ("KeySrvUrl", opt(&t.key_srv_url)),
                ("DeviceManagementSrvUrl", opt(&t.device_management_srv_url)),
            ],
        );
    }
    let s = &r.sso_state;
    let mut sso = vec![("AzureAdPrt", yes_no(s.azure_ad_prt).to_string())];
    if let (Some(updated), Some(expiry), Some(authority)) = (
        &s.azure_ad_prt_update_time,
        &s.azure_ad_prt_expiry_time,
        &s.azure_ad_prt_authority,
    ) {
        sso.push(("AzureAdPrtUpdateTime", updated.clone()));
        sso.push(("AzureAdPrtExpiryTime", expiry.clone()));
        sso.push(("AzureAdPrtAuthority", authority.clone()));
        sso.push(("MfaSignIn", yes_no(s.mfa).into()));
    }
    section("SSO State", &sso);
    out
}

/// The "Access work or school" view.
pub fn render_work(r: &StatusReport, state: Option<&DeviceState>) -> String {
    let mut out = String::from("Access work or school\n\n");
    let Some(t) = &r.tenant_details else {
        out.push_str("  This device isn't connected to a work or school account.\n");
        out.push_str("  Connect with `cerulean-device join` or `cerulean-device oobe`.\n");
        return out;
    };
    let how = if r.device_state.azure_ad_joined {
        format!("Connected to {}'s Azure AD", t.tenant_name)
    } else {
        format!("Work or school account ({})", t.tenant_name)
    };
    let _ = writeln!(out, "  {how}");
    let _ = writeln!(out, "  Connected by {}", t.user);
    if matches!(
        state.and_then(|s| s.verdict),
        Some(ServerVerdict::Disabled | ServerVerdict::Deleted)
    ) {
        out.push_str(
            "\n  Your organization has disabled or removed this device. Contact IT support.\n",
        );
    }
    out.push_str("\n  Areas managed by your organization\n");
    if r.management.managed_areas.is_empty() {
        if r.management.mdm_required && !r.management.mdm_enrolled {
            out.push_str(
                "    None yet: your organization requires device management (MDM), and this \
                 device is not enrolled.\n",
            );
        } else {
            out.push_str("    None: this device is not managed by your organization.\n");
        }
    } else {
        for area in &r.management.managed_areas {
            let _ = writeln!(out, "    {area}");
        }
    }
    out
}
