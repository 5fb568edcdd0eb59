//! The command line: `cerulean serve | admin | quickstart | bench`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Cerulean: a self-hosted identity cloud for device join.
///
/// Cerulean speaks the protocols of Microsoft Entra ID's device join (realm discovery,
/// OAuth2/OIDC, device registration, PRT, MDM enrollment) so that organizations can run
/// them themselves. Start with `cerulean quickstart`; run `cerulean serve` in production.
#[derive(Debug, Parser)]
#[command(name = "cerulean", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes. Precedence: flag > environment > config file > default.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// TOML config file (see docs/configuration.md). Without it, defaults and CERULEAN_*
    /// environment variables apply.
    #[arg(long, short = 'c', global = true, env = "CERULEAN_CONFIG")]
    pub config: Option<PathBuf>,
    /// Data directory: SQLite database, generated CA and certificates.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database: `postgres://user@host/db`, or a SQLite file path (default: <data-dir>/cerulean.db).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (authority, device registration, management) over TLS.
    ///
    /// On first start it creates the data directory with a local root CA and a server
    /// certificate for the configured host names, and prints where the CA is so that
    /// clients can trust it.
    Serve(ServeArgs),
    /// Manage tenants, domains, users, groups, applications, devices and the device
    /// registration policy, and read the audit log.
    ///
    /// Works directly against the database, so the server need not be running. Secrets
    /// (passwords) are read from standard input or a file, never only from the command line.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Create a demo organization (Contoso, contoso.test) with an administrator and two
    /// users, then start the server and print what to try next.
    Quickstart(QuickstartArgs),
    /// Measure throughput and latency (prints percentiles; see docs/performance.md).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Args, Clone, Default)]
pub struct ServeArgs {
    /// Address of the TLS listener, e.g. 127.0.0.1:8443 or 0.0.0.0:443.
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
    /// Optional plain-HTTP listener (only for clients that cannot do TLS in a lab).
    #[arg(long)]
    pub http_listen: Option<std::net::SocketAddr>,
    /// Host names and IP addresses this server answers for (comma-separated); they go
    /// into the generated server certificate.
    #[arg(long, value_delimiter = ',')]
    pub hosts: Vec<String>,
}

#[derive(Debug, Args)]
pub struct QuickstartArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Set up the demo organization and exit without starting the server.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Tenants (organizations).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Verified domains of a tenant: managed (sign in here) or federated.
    #[command(subcommand)]
    Domain(DomainCommand),
    /// Users: create, list, disable, reset passwords, roles.
    #[command(subcommand)]
    User(UserCommand),
    /// Groups and their members.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Applications (OAuth clients) and their secrets.
    #[command(subcommand)]
    App(AppCommand),
    /// Read the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Devices (joined and registered): list, show, enable, disable, delete.
    #[command(subcommand)]
    Device(crate::commands::admin::DeviceCommand),
    /// The device registration policy: who may join and register devices, quota, MFA,
    /// local administrators.
    #[command(subcommand)]
    DevicePolicy(crate::commands::admin::DevicePolicyCommand),
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant with its initial (managed) domain.
    Create {
        /// Display name, e.g. "Contoso".
        #[arg(long)]
        name: String,
        /// Initial verified domain, e.g. contoso.com.
        #[arg(long)]
        domain: String,
    },
    /// List tenants.
    List,
    /// Show one tenant (by id or domain) with its domains.
    Show { tenant: String },
}

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Add a managed domain to a tenant.
    Add {
        /// Tenant id or one of its domains.
        #[arg(long)]
        tenant: String,
        /// The domain name, e.g. fabrikam.com.
        domain: String,
    },
    /// List a tenant's domains.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Make a domain federated: its users sign in at the organization's identity provider.
    Federate(FederateArgs),
    /// Make a federated domain managed again.
    Manage { domain: String },
}

#[derive(Debug, Args)]
pub struct FederateArgs {
    pub domain: String,
    /// The identity provider's issuer URI.
    #[arg(long)]
    pub issuer: String,
    /// Passive (browser) sign-in URL, e.g. https://sts.contoso.com/adfs/ls/.
    #[arg(long)]
    pub passive_sign_in_url: String,
    /// WS-Trust usernamemixed endpoint for active clients.
    #[arg(long)]
    pub active_sign_in_url: Option<String>,
    /// WS-MetadataExchange (MEX) URL.
    #[arg(long)]
    pub metadata_url: Option<String>,
    /// Sign-out URL.
    #[arg(long)]
    pub sign_out_url: Option<String>,
    /// Token-signing certificate (PEM or DER file).
    #[arg(long)]
    pub signing_certificate: Option<PathBuf>,
    /// Use SAML-P instead of WS-Federation.
    #[arg(long)]
    pub saml: bool,
    /// Name shown to users for their sign-in service.
    #[arg(long)]
    pub brand_name: Option<String>,
}

/// Where a new password comes from. Exactly one is required; argv never carries it.
#[derive(Debug, Args, Clone)]
#[group(required = false, multiple = false)]
pub struct PasswordSource {
    /// Read the password from standard input (first line).
    #[arg(long)]
    pub password_stdin: bool,
    /// Read the password from a file (first line).
    #[arg(long)]
    pub password_file: Option<PathBuf>,
    /// Generate a strong password and print it once.
    #[arg(long)]
    pub generate_password: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user in the tenant that owns the UPN's domain.
    Add {
        /// User principal name, e.g. alice@contoso.com.
        upn: String,
        /// Display name (default: the part of the UPN before '@').
        #[arg(long)]
        name: Option<String>,
        /// Directory roles: global-admin, device-admin (Cloud Device Administrator),
        /// device-local-admin (local administrator on every joined device); comma-separated.
        #[arg(long, value_delimiter = ',')]
        role: Vec<String>,
        #[command(flatten)]
        password: PasswordSource,
        /// Create the user disabled.
        #[arg(long)]
        disabled: bool,
    },
    /// List a tenant's users.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Show one user (by UPN).
    Show { upn: String },
    /// Disable a user: sign-ins are refused and tokens stop working at next use.
    Disable { upn: String },
    /// Enable a user.
    Enable { upn: String },
    /// Set a new password.
    SetPassword {
        upn: String,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Replace a user's roles (global-admin, device-admin, device-local-admin; empty for none).
    SetRoles {
        upn: String,
        #[arg(long, value_delimiter = ',')]
        role: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// List a tenant's groups.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Add a user (by UPN) to a group (by name or id).
    AddMember {
        #[arg(long)]
        tenant: String,
        group: String,
        upn: String,
    },
    /// Remove a user from a group.
    RemoveMember {
        #[arg(long)]
        tenant: String,
        group: String,
        upn: String,
    },
    /// List a group's members.
    Members {
        #[arg(long)]
        tenant: String,
        group: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Register an application.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        /// Redirect URIs (comma-separated).
        #[arg(long, value_delimiter = ',')]
        redirect_uri: Vec<String>,
        /// A confidential client (can hold secrets, use client credentials).
        #[arg(long)]
        confidential: bool,
    },
    /// List a tenant's applications (first-party ones included).
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Create a client secret; it is printed once.
    AddSecret {
        #[arg(long)]
        tenant: String,
        /// The application's client id.
        client_id: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Lifetime in days (default: no expiry).
        #[arg(long)]
        days: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit events, newest first.
    List {
        /// Only this tenant's events.
        #[arg(long)]
        tenant: Option<String>,
        /// Only actions starting with this prefix, e.g. `user.`.
        #[arg(long)]
        action: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Store throughput: users created/s and UPN lookups/s, with latency percentiles.
    Store {
        /// How many users to create.
        #[arg(long, default_value_t = 5000)]
        users: usize,
        /// Concurrent tasks.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
    /// Token endpoint over TLS: ROPC, refresh-token and client-credentials grants/s and
    /// latency percentiles against a `cerulean serve` child process, next to the argon2id
    /// and RS256 ceilings of this machine.
    Authority {
        /// Seconds per scenario.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent clients (keep-alive connections).
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Distinct users signing in.
        #[arg(long, default_value_t = 64)]
        users: usize,
    },
    /// Device joins/s over TLS (DRS, pre-issued tokens, one user per client) and latency
    /// percentiles against a `cerulean serve` child process, next to the RS256 ceiling.
    /// With --database-url it runs against that database (a fresh tenant each run).
    ///
    /// Example: cerulean bench drs --seconds 10 --concurrency 64
    Drs {
        /// Seconds to measure.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent clients (keep-alive connections), each joining as its own user.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
    /// Primary Refresh Tokens over TLS: PRT issuances/s (device-signed password request)
    /// and PRT-to-access-token exchanges/s (session-key-signed request, encrypted answer),
    /// with latency percentiles, next to the argon2id and RS256 ceilings.
    ///
    /// Example: cerulean bench prt --seconds 10 --concurrency 32
    Prt {
        /// Seconds per scenario.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent clients, each with its own user and joined device.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
    },
}
