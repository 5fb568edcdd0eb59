//! `cerulean quickstart`: a demo organization and a running server in one command.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use cerulean_directory::{Directory, DirectoryError, NewUser, Role, Tenant};

use crate::cli::{GlobalArgs, QuickstartArgs};
use crate::commands::admin::operator_context;
use crate::commands::{demo_device, serve};
use crate::context;
use crate::secrets::generate_password;

pub const DEMO_DOMAIN: &str = "contoso.test";
const DEMO_NAME: &str = "Contoso";
const CREDENTIALS_FILE: &str = "quickstart-credentials.json";

/// The demo users: (UPN local part, display name, roles).
const DEMO_USERS: &[(&str, &str, &[Role])] = &[
    (
        "admin",
        "Contoso Administrator",
        &[Role::GlobalAdministrator],
    ),
    ("alice", "Alice Adams", &[]),
    ("bob", "Bob Brown", &[]),
];

pub async fn run(global: &GlobalArgs, args: &QuickstartArgs) -> anyhow::Result<()> {
    let config = context::load_config(global, Some(&args.serve))?;
    context::init_logging_quiet();
    let directory = context::open_directory(&config).await?;
    println!(
        "Setting up the demo organization in {} …",
        config.data.dir.display()
    );
    let demo = ensure_demo(&directory, &config.data.dir).await?;
    demo.print();
    if args.no_serve {
        println!();
        println!(
            "Start the server with: cerulean serve --data-dir {}",
            config.data.dir.display()
        );
        return Ok(());
    }
    let running = serve::start(config.clone(), directory).await?;
    println!();
    running.print_banner();
    let base_url = running.base_url();
    let ca_path = running.ca_path.clone();
    // Serve from now on, so the demo device below talks to the real listener.
    let mut server = tokio::spawn(running.wait());
    let alice = demo.users.iter().find(|(upn, _)| upn.starts_with("alice@"));
    match (&ca_path, alice) {
        (Some(ca), Some((upn, password))) => {
            let device = demo_device::join_and_show(
                &base_url,
                ca,
                &config.data.dir,
                upn,
                password.as_deref(),
            );
            // Ctrl-C during the demo join stops the server, and the quickstart with it.
            tokio::select! {
                () = device => {}
                stopped = &mut server => return stopped.context("the server task failed")?,
            }
        }
        _ => println!("\n(No demo device: the server has no generated CA to trust.)"),
    }
    println!();
    println!("Next steps:");
    let data_dir = config.data.dir.display();
    if let Some(ca) = &ca_path {
        println!(
            "  1. Check the server:      curl --cacert {} {base_url}/healthz",
            ca.display()
        );
    }
    if let (Some(ca), Some((upn, Some(password)))) = (
        &ca_path,
        demo.users.iter().find(|(upn, _)| upn.starts_with("alice@")),
    ) {
        println!("  2. Get a token for {upn} (password grant, as the Azure CLI client):");
        println!(
            "       curl --cacert {} {base_url}/{DEMO_DOMAIN}/oauth2/v2.0/token \\",
            ca.display()
        );
        println!(
            "         -d grant_type=password -d client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46 \\"
        );
        println!(
            "         -d scope=https://graph.microsoft.com/.default -d username={upn} -d 'password={password}'"
        );
        println!(
            "     OpenID configuration: {base_url}/{DEMO_DOMAIN}/v2.0/.well-known/openid-configuration"
        );
    }
    println!(
        "  3. List the demo users:   cerulean admin --data-dir {data_dir} user list --tenant {DEMO_DOMAIN}"
    );
    println!(
        "  4. Read the audit log:    cerulean admin --data-dir {data_dir} audit list --tenant {DEMO_DOMAIN}"
    );
    server.await.context("the server task failed")?
}

/// What the demo set-up produced (or found from an earlier run).
pub struct Demo {
    pub tenant: Tenant,
    pub created_tenant: bool,
    /// UPN → password, when known (generated now or saved by an earlier run).
    pub users: Vec<(String, Option<String>)>,
    pub credentials_file: PathBuf,
}

impl Demo {
    fn print(&self) {
        let verb = if self.created_tenant {
            "created"
        } else {
            "already set up"
        };
        println!(
            "Tenant {} ({}) {verb}: id {}",
            self.tenant.display_name, DEMO_DOMAIN, self.tenant.id
        );
        for (upn, password) in &self.users {
            match password {
                Some(p) => println!("  {upn:<22} password: {p}"),
                None => println!(
                    "  {upn:<22} password: (set earlier; reset with `cerulean admin user set-password {upn} --generate-password`)"
                ),
            }
        }
        println!(
            "Passwords are kept for the demo in {} (mode 0600).",
            self.credentials_file.display()
        );
    }
}

/// Creates the Contoso tenant and its users once; later runs find them again.
pub async fn ensure_demo(directory: &Directory, data_dir: &Path) -> anyhow::Result<Demo> {
    let ctx = operator_context();
    let (tenant, created_tenant) = match directory.resolve_tenant(DEMO_DOMAIN).await? {
        Some(tenant) => (tenant, false),
        None => (
            directory
                .create_tenant(&ctx, DEMO_NAME, DEMO_DOMAIN)
                .await?,
            true,
        ),
    };
    let credentials_file = data_dir.join(CREDENTIALS_FILE);
    let mut saved = read_credentials(&credentials_file);
    let mut users = Vec::new();
    for (local, name, roles) in DEMO_USERS {
        let upn = format!("{local}@{DEMO_DOMAIN}");
        if directory.user_by_upn(&upn).await?.is_none() {
            let password = create_with_fresh_password(directory, &upn, name, roles).await?;
            saved.insert(upn.clone(), password);
        }
        users.push((upn.clone(), saved.get(&upn).cloned()));
    }
    write_credentials(&credentials_file, &saved)?;
    Ok(Demo {
        tenant,
        created_tenant,
        users,
        credentials_file,
    })
}

/// Creates a user with a generated password, drawing again in the rare case the random
/// password happens to contain the user name (which the password policy refuses).
async fn create_with_fresh_password(
    directory: &Directory,
    upn: &str,
    name: &str,
    roles: &[Role],
) -> anyhow::Result<String> {
    let ctx = operator_context();
    let mut last_error = None;
    for _ in 0..5 {
        let password = generate_password()?;
        let result = directory
            .create_user(
                &ctx,
                NewUser {
                    upn: upn.to_string(),
                    display_name: name.to_string(),
                    password: Some(password.clone()),
                    roles: roles.iter().copied().collect::<BTreeSet<_>>(),
                    enabled: true,
                },
            )
            .await;
        match result {
            Ok(_) => return Ok(password.expose().to_string()),
            Err(DirectoryError::WeakPassword(why)) => last_error = Some(why),
            Err(other) => return Err(other.into()),
        }
    }
    anyhow::bail!(
        "could not generate an acceptable password for {upn}: {}",
        last_error.unwrap_or_default()
    )
}

fn read_credentials(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn write_credentials(path: &Path, credentials: &BTreeMap<String, String>) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(credentials)?;
    write_private(path, text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes a file only its owner can read (the demo passwords are in it).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)
}
