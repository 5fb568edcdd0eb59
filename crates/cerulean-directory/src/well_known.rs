//! The Microsoft first-party client and resource ids that real clients send unmodified
//! (PROTOCOLS.md §2.4, INTEROP.md §2.1). Every tenant is seeded with them, so a Windows
//! device, roadtx, MSAL or libhimmelblau finds the apps it expects.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::application::Application;
use crate::ids::{ClientId, TenantId};

/// Microsoft Authentication Broker: the join flow's client for DRS and MDM tokens.
pub const BROKER_CLIENT: &str = "29d9ed98-a469-4536-ade2-f981bc1d605e";
/// The client id inside PRT request JWTs (Windows sign-in).
pub const WINDOWS_SIGNIN_CLIENT: &str = "38aa3b87-a06d-4817-b275-7a316988d93b";
/// Device Registration Service application id.
pub const DRS_APP: &str = "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9";
/// The DRS resource's identifier URI; tokens for the DRS carry exactly this `aud`.
pub const DRS_RESOURCE: &str = "urn:ms-drs:enterpriseregistration.windows.net";
/// Device Registration Client (WHfB key registration).
pub const DEVICE_REGISTRATION_CLIENT: &str = "dd762716-544d-4aeb-a526-687b73838a22";
/// Intune enrollment resource (the MDM enrollment app).
pub const INTUNE_ENROLLMENT_APP: &str = "d4ebce55-015a-49b5-a083-c84d1797ae8c";
pub const INTUNE_ENROLLMENT_RESOURCE: &str = "https://enrollment.manage.microsoft.com/";
/// Microsoft Intune service principal (OMA-DM session tokens).
pub const INTUNE_APP: &str = "0000000a-0000-0000-c000-000000000000";
pub const INTUNE_RESOURCE: &str = "https://manage.microsoft.com";
/// Microsoft Graph.
pub const GRAPH_APP: &str = "00000003-0000-0000-c000-000000000000";
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";
/// Azure AD Graph (legacy).
pub const AAD_GRAPH_APP: &str = "00000002-0000-0000-c000-000000000000";
pub const AAD_GRAPH_RESOURCE: &str = "https://graph.windows.net";
/// Azure Service Management (the Azure CLI's default resource).
pub const AZURE_MANAGEMENT_APP: &str = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
/// Azure Portal (libhimmelblau's device-code scope).
pub const AZURE_PORTAL_APP: &str = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
/// Azure CLI: roadtx's default client.
pub const AZURE_CLI_CLIENT: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
/// Azure AD PowerShell (roadtx alias `aadps`).
pub const AAD_POWERSHELL_CLIENT: &str = "1b730954-1685-4b74-9bfd-dac224a7b894";
/// Intune Company Portal.
pub const COMPANY_PORTAL_CLIENT: &str = "9ba1a5c7-f17a-4de9-a1f1-6178c8d51223";
/// Client used with bulk-enrollment (provisioning package) tokens.
pub const BULK_ENROLLMENT_CLIENT: &str = "b90d5b8f-5503-4153-b545-b31cecfaece2";
/// Microsoft Graph Command Line Tools.
pub const GRAPH_CLI_CLIENT: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
/// Microsoft Office.
pub const OFFICE_CLIENT: &str = "d3590ed6-52b3-4102-aeff-aad2292ab01c";

const NATIVE_CLIENT: &str = "https://login.microsoftonline.com/common/oauth2/nativeclient";
const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

/// One seeded application.
struct Seed {
    id: &'static str,
    name: &'static str,
    public_client: bool,
    redirect_uris: &'static [&'static str],
    identifier_uris: &'static [&'static str],
    scopes: &'static [&'static str],
}

/// WAM's redirect for a client: `ms-appx-web://Microsoft.AAD.BrokerPlugin/<client id>`.
fn broker_plugin(id: &str) -> String {
    format!("ms-appx-web://Microsoft.AAD.BrokerPlugin/{id}")
}

const SEEDS: &[Seed] = &[
    Seed {
        id: BROKER_CLIENT,
        name: "Microsoft Authentication Broker",
        public_client: true,
        redirect_uris: &[
            "ms-aadj-redir://auth/drs",
            "ms-aadj-redir://auth/mdm",
            "msauth://Microsoft.AAD.BrokerPlugin",
            "https://login.microsoftonline.com/WebApp/CloudDomainJoin/8",
            "https://login.microsoftonline.com/WebApp/CloudDomainJoin/9",
            "https://login.microsoftonline.com/WebApp/CloudDomainJoin/10",
            "https://login.microsoftonline.com/WebApp/CloudDomainJoin/11",
            "https://login.microsoftonline.com/WebApp/CloudDomainJoin/12",
            NATIVE_CLIENT,
            OOB,
        ],
        identifier_uris: &[],
        scopes: &[],
    },
    Seed {
        id: WINDOWS_SIGNIN_CLIENT,
        name: "Windows Sign In",
        public_client: true,
        redirect_uris: &[NATIVE_CLIENT],
        identifier_uris: &[],
        scopes: &[],
    },
    Seed {
        id: DRS_APP,
        name: "Device Registration Service",
        public_client: false,
        redirect_uris: &[],
        identifier_uris: &[DRS_RESOURCE],
        scopes: &["adrs_access", "user_impersonation"],
    },
    Seed {
        id: DEVICE_REGISTRATION_CLIENT,
        name: "Device Registration Client",
        public_client: true,
        redirect_uris: &[NATIVE_CLIENT],
        identifier_uris: &[],
        scopes: &[],
    },
    Seed {
        id: INTUNE_ENROLLMENT_APP,
        name: "Microsoft Intune Enrollment",
        public_client: false,
        redirect_uris: &[],
        identifier_uris: &[INTUNE_ENROLLMENT_RESOURCE],
        scopes: &["user_impersonation"],
    },
    Seed {
        id: INTUNE_APP,
        name: "Microsoft Intune",
        public_client: false,
        redirect_uris: &[],
        identifier_uris: &[INTUNE_RESOURCE],
        scopes: &["user_impersonation"],
    },
    Seed {
        id: GRAPH_APP,
        name: "Microsoft Graph",
        public_client: false,
        redirect_uris: &[],
        identifier_uris: &[GRAPH_RESOURCE],
        scopes: &[
            "User.Read",
            "Device.Read.All",
            "Directory.Read.All",
            "Directory.AccessAsUser.All",
            "Policy.ReadWrite.DeviceConfiguration",
        ],
    },
    Seed {
        id: AAD_GRAPH_APP,
        name: "Windows Azure Active Directory",
        public_client: false,
        redirect_uris: &[],
        identifier_uris: &[AAD_GRAPH_RESOURCE],
        scopes: &["user_impersonation"],
    },
    Seed {
        id: AZURE_MANAGEMENT_APP,
        name: "Windows Azure Service Management API",
        public_client: false,
        redirect_uris: &[],
        identifier_uris: &[
            "https://management.core.windows.net/",
            "https://management.azure.com/",
        ],
        scopes: &["user_impersonation"],
    },
    Seed {
        id: AZURE_PORTAL_APP,
        name: "Azure Portal",
        public_client: true,
        redirect_uris: &[NATIVE_CLIENT],
        identifier_uris: &[],
        scopes: &["user_impersonation"],
    },
    Seed {
        id: AZURE_CLI_CLIENT,
        name: "Microsoft Azure CLI",
        public_client: true,
        redirect_uris: &["http://localhost", NATIVE_CLIENT],
        identifier_uris: &[],
        scopes: &[],
    },
    Seed {
        id: AAD_POWERSHELL_CLIENT,
        name: "Azure Active Directory PowerShell",
        public_client: true,
        redirect_uris: &[NATIVE_CLIENT, OOB],
        identifier_uris: &[],
        scopes: &[],
    },
    Seed {
        id: COMPANY_PORTAL_CLIENT,
        name: "Microsoft Intune Company Portal",
        public_client: true,
        redirect_uris: &["msauth://Microsoft.AAD.BrokerPlugin", NATIVE_CLIENT],
        identifier_uris: &[],
        scopes: &[],
    },
    Seed {
        id: BULK_ENROLLMENT_CLIENT,
        name: "Bulk Enrollment",
        public_client: true,
        redirect_uris: &["ms-aadj-redir://auth/bulk", NATIVE_CLIENT],
        identifier_uris: &[],
        scopes: &[],
    },
    Seed {
        id: GRAPH_CLI_CLIENT,
        name: "Microsoft Graph Command Line Tools",
        public_client: true,
        redirect_uris: &["http://localhost", NATIVE_CLIENT],
        identifier_uris: &[],
        scopes: &[],
    },
    Seed {
        id: OFFICE_CLIENT,
        name: "Microsoft Office",
        public_client: true,
        redirect_uris: &[NATIVE_CLIENT, OOB],
        identifier_uris: &[],
        scopes: &[],
    },
];

/// The first-party applications every tenant starts with.
pub fn first_party_applications(tenant_id: TenantId, now: OffsetDateTime) -> Vec<Application> {
    SEEDS
        .iter()
        .filter_map(|seed| {
            let id = Uuid::parse_str(seed.id).ok()?;
            let mut redirect_uris: Vec<String> =
                seed.redirect_uris.iter().map(|s| s.to_string()).collect();
            if seed.public_client {
                redirect_uris.push(broker_plugin(seed.id));
            }
            Some(Application {
                tenant_id,
                client_id: ClientId(id),
                display_name: seed.name.to_string(),
                first_party: true,
                public_client: seed.public_client,
                redirect_uris,
                identifier_uris: seed.identifier_uris.iter().map(|s| s.to_string()).collect(),
                scopes: seed.scopes.iter().map(|s| s.to_string()).collect(),
                secrets: Vec::new(),
                created_at: now,
                version: 1,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_parses_and_ids_are_unique() {
        let apps = first_party_applications(TenantId::random(), OffsetDateTime::UNIX_EPOCH);
        assert_eq!(apps.len(), SEEDS.len());
        let mut ids: Vec<_> = apps.iter().map(|a| a.client_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), SEEDS.len());
    }

    #[test]
    fn drs_resource_is_identified_by_urn_and_app_id() {
        let apps = first_party_applications(TenantId::random(), OffsetDateTime::UNIX_EPOCH);
        let drs = apps
            .iter()
            .find(|a| a.client_id.to_string() == DRS_APP)
            .cloned();
        let drs = drs.unwrap_or_else(|| unreachable!("DRS app is seeded"));
        assert!(drs.is_identified_by(DRS_RESOURCE));
        assert!(drs.is_identified_by(DRS_APP));
        assert!(!drs.is_identified_by(GRAPH_RESOURCE));
        let broker = apps
            .iter()
            .find(|a| a.client_id.to_string() == BROKER_CLIENT)
            .map(|a| a.accepts_redirect_uri("ms-aadj-redir://auth/drs"));
        assert_eq!(broker, Some(true));
    }
}
