//! The OOBE machine: each step reads what the state says is done, does the rest, and saves.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cerulean_crypto::encode_pem;
use cerulean_proto::drs::JoinType;
use time::OffsetDateTime;

use super::crash::{CrashPoint, maybe_crash};
use super::{Credential, Outcome, Progress, Setup, Step};
use crate::error::{DeviceError, Result};
use crate::http::{Http, with_retries};
use crate::keystore::{DeviceKeys, GenerateKeys, KeySource, KeyStore};
use crate::state::{
    DeviceState, JoinKind, Mdm, Namespace, Phase, PrtRecord, Realm, Registration, STATE_VERSION,
    ServerVerdict, Services, StateDir,
};
use crate::wire::oauth::{IdToken, Tokens};
use crate::wire::prt::{DeviceCredential, UserProof};
use crate::wire::{WINDOWS_11_VERSION, clients, drs, oauth, prt, realm, resources};

/// One device's setup.
pub struct Oobe {
    setup: Setup,
    dir: StateDir,
    keys: KeyStore,
    http: Http,
    progress: Arc<dyn Progress>,
    key_source: Box<dyn KeySource>,
}

impl std::fmt::Debug for Oobe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oobe")
            .field("state_dir", &self.setup.state_dir)
            .finish_non_exhaustive()
    }
}

/// The DRS token and what came with it (in memory only).
struct SignedIn {
    tokens: Tokens,
    upn: String,
}

impl Oobe {
    pub fn new(setup: Setup, progress: Arc<dyn Progress>) -> Result<Self> {
        let http = Http::new(&setup.trust, None)?;
        Self::with_http(setup, progress, http)
    }

    /// Shares one HTTP client (the fleet simulator runs many devices on one).
    pub fn with_http(setup: Setup, progress: Arc<dyn Progress>, http: Http) -> Result<Self> {
        let dir = StateDir::open(&setup.state_dir)?;
        let keys = KeyStore::new(&setup.state_dir);
        Ok(Self {
            setup,
            dir,
            keys,
            http,
            progress,
            key_source: Box::new(GenerateKeys),
        })
    }

    /// Draws new keys from `source` instead of generating them.
    pub fn with_key_source(mut self, source: Box<dyn KeySource>) -> Self {
        self.key_source = source;
        self
    }

    /// The saved state, or a fresh one for this setup.
    pub fn state(&self) -> Result<DeviceState> {
        Ok(match self.dir.load()? {
            Some(state) => state,
            None => DeviceState {
                version: STATE_VERSION,
                edition: self.setup.edition,
                display_name: self
                    .setup
                    .display_name
                    .clone()
                    .unwrap_or_else(windows_style_name),
                os_version: WINDOWS_11_VERSION.to_string(),
                phase: Phase::New,
                services: Services {
                    authority: self.setup.authority.clone(),
                    drs: self.setup.drs.clone(),
                    join_endpoint: None,
                    join_service_version: None,
                    key_provisioning_endpoint: None,
                    nonce_endpoint: None,
                    auth_code_endpoint: None,
                    token_endpoint: None,
                    device_management_endpoint: None,
                },
                kind: JoinKind::Join,
                realm: None,
                registration: None,
                mdm: None,
                verdict: None,
                completed_at: None,
            },
        })
    }

    /// Step 1 on its own (the OOBE asks for the email first, then shows the realm's
    /// sign-in page). Saved, so a restart does not ask again.
    pub async fn discover_realm(&self, upn: &str) -> Result<Realm> {
        let mut state = self.usable_state()?;
        if let Some(known) = state
            .realm
            .as_ref()
            .filter(|r| r.upn.eq_ignore_ascii_case(upn.trim()))
        {
            return Ok(known.clone());
        }
        if state.phase >= Phase::JoinRequested {
            let (tenant, upn) = described(&state);
            return Err(DeviceError::AlreadyJoined { tenant, upn });
        }
        let found = self
            .step(Step::Realm, || {
                realm::discover(&self.http, &self.setup.authority, upn)
            })
            .await?;
        state.realm = Some(found.clone());
        state.phase = state.phase.max(Phase::RealmDiscovered);
        self.dir.save(&state)?;
        maybe_crash(self.setup.crash_at, CrashPoint::RealmSaved);
        Ok(found)
    }

    /// Runs setup to the end (or resumes it), joining or registering as `kind`.
    pub async fn run(&mut self, credential: Credential, kind: JoinKind) -> Result<Outcome> {
        let mut state = self.usable_state()?;
        if kind == JoinKind::Join && !state.edition.can_join() {
            return Err(DeviceError::EditionCannotJoin {
                edition: state.edition.product_name().into(),
            });
        }
        if state.phase == Phase::Complete {
            return self.already_complete(&state, &credential);
        }
        if state.phase >= Phase::JoinRequested && state.kind != kind {
            let (tenant, upn) = described(&state);
            return Err(DeviceError::AlreadyJoined { tenant, upn });
        }
        state.kind = kind;

        // Device code: the person signs in elsewhere first; their UPN comes back with it.
        let mut early_sign_in = None;
        if matches!(credential, Credential::DeviceCode) && state.phase < Phase::Joined {
            let signed_in = self.sign_in_with_device_code("organizations").await?;
            early_sign_in = Some(signed_in);
        }
        let upn = match (&credential, &early_sign_in) {
            (Credential::Password { upn, .. } | Credential::AccessToken { upn, .. }, _) => {
                upn.trim().to_string()
            }
            (Credential::DeviceCode, Some(s)) => s.upn.clone(),
            (Credential::DeviceCode, None) => state
                .registration
                .as_ref()
                .map(|r| r.upn.clone())
                .or_else(|| state.realm.as_ref().map(|r| r.upn.clone()))
                .ok_or(DeviceError::NotJoined)?,
        };
        let found_realm = self.discover_realm(&upn).await?;
        state = self.usable_state()?;
        state.kind = kind;
        if found_realm.namespace == Namespace::Federated
            && matches!(credential, Credential::Password { .. })
        {
            return Err(DeviceError::FederatedSignInRequired {
                upn,
                idp: found_realm
                    .federation_auth_url
                    .clone()
                    .unwrap_or_else(|| "your organization's sign-in page".into()),
            });
        }

        let keys = self.keys_step(&mut state)?;

        let mut signed_in = early_sign_in;
        if state.phase < Phase::Joined {
            let session = match signed_in.take() {
                Some(s) => s,
                None => self.sign_in(&credential, &found_realm).await?,
            };
            maybe_crash(self.setup.crash_at, CrashPoint::SignedIn);
            self.discover_step(&mut state, &found_realm, &session)
                .await?;
            self.join_step(&mut state, &keys, &found_realm, &session)
                .await?;
            signed_in = Some(session);
        }
        if state.phase < Phase::MdmChecked {
            self.mdm_step(&mut state, signed_in.as_ref())?;
        }

        let tenant_name = state
            .registration
            .as_ref()
            .map(|r| r.tenant_name.clone())
            .unwrap_or_default();
        let managed = found_realm.namespace == Namespace::Managed;
        let proof = match (&credential, &signed_in) {
            (Credential::Password { upn, password }, _) if managed => Some((upn.clone(), password)),
            _ => None,
        };
        let outcome = if let Some((upn, password)) = proof {
            self.prt_step(
                &state,
                &keys,
                UserProof::Password {
                    upn: &upn,
                    password,
                },
            )
            .await?;
            Outcome::Desktop {
                upn: upn.trim().to_string(),
                tenant_name,
            }
        } else if let (true, Some(rt)) = (
            managed,
            signed_in
                .as_ref()
                .and_then(|s| s.tokens.refresh_token.clone())
                .filter(|_| matches!(credential, Credential::DeviceCode)),
        ) {
            self.prt_step(&state, &keys, UserProof::RefreshToken(&rt))
                .await?;
            Outcome::Desktop { upn, tenant_name }
        } else {
            Outcome::SignInScreen { upn, tenant_name }
        };
        state.phase = Phase::Complete;
        state.completed_at = Some(OffsetDateTime::now_utc());
        self.dir.save(&state)?;
        Ok(outcome)
    }

    /// The state, refusing a device the server has disabled or deleted: only an explicit
    /// `--rejoin` (which clears the state) may set it up again.
    fn usable_state(&self) -> Result<DeviceState> {
        let state = self.state()?;
        match state.verdict {
            Some(ServerVerdict::Disabled) => Err(DeviceError::DeviceDisabled),
            Some(ServerVerdict::Deleted) => Err(DeviceError::DeviceDeleted),
            None => Ok(state),
        }
    }

    fn already_complete(&self, state: &DeviceState, credential: &Credential) -> Result<Outcome> {
        let (tenant_name, joined_upn) = described(state);
        let asked = match credential {
            Credential::Password { upn, .. } | Credential::AccessToken { upn, .. } => Some(upn),
            Credential::DeviceCode => None,
        };
        if asked.is_some_and(|u| !u.trim().eq_ignore_ascii_case(&joined_upn)) {
            return Err(DeviceError::AlreadyJoined {
                tenant: tenant_name,
                upn: joined_upn,
            });
        }
        let has_prt = self.dir.load_prt()?.is_some();
        Ok(if has_prt {
            Outcome::Desktop {
                upn: joined_upn,
                tenant_name,
            }
        } else {
            Outcome::SignInScreen {
                upn: joined_upn,
                tenant_name,
            }
        })
    }

    fn keys_step(&mut self, state: &mut DeviceState) -> Result<DeviceKeys> {
        self.progress.step_started(Step::Keys);
        let started = Instant::now();
        let keys = self.keys.load_or_create(self.key_source.as_mut())?;
        if state.phase < Phase::KeysReady {
            state.phase = Phase::KeysReady;
            self.dir.save(state)?;
        }
        maybe_crash(self.setup.crash_at, CrashPoint::KeysSaved);
        self.progress.step_finished(Step::Keys, started.elapsed());
        Ok(keys)
    }

    async fn sign_in(&self, credential: &Credential, realm: &Realm) -> Result<SignedIn> {
        match credential {
            Credential::Password { upn, password } => {
                let tokens = self
                    .step(Step::SignIn, || {
                        oauth::password_grant(
                            &self.http,
                            &self.setup.authority,
                            &realm.domain,
                            clients::BROKER,
                            resources::DRS,
                            upn.trim(),
                            password,
                        )
                    })
                    .await?;
                Ok(SignedIn {
                    tokens,
                    upn: upn.trim().to_string(),
                })
            }
            Credential::AccessToken { upn, drs_token } => Ok(SignedIn {
                tokens: Tokens {
                    access_token: drs_token.clone(),
                    refresh_token: None,
                    id_token: None,
                },
                upn: upn.trim().to_string(),
            }),
            Credential::DeviceCode => self.sign_in_with_device_code(&realm.domain).await,
        }
    }

    async fn sign_in_with_device_code(&self, tenant: &str) -> Result<SignedIn> {
        let code = self
            .step(Step::SignIn, || {
                oauth::start_device_code(
                    &self.http,
                    &self.setup.authority,
                    tenant,
                    clients::BROKER,
                    resources::DRS,
                )
            })
            .await?;
        self.progress.device_code(&code);
        let started = Instant::now();
        let tokens = oauth::poll_device_code(
            &self.http,
            &self.setup.authority,
            tenant,
            clients::BROKER,
            &code,
        )
        .await?;
        self.progress.step_finished(Step::SignIn, started.elapsed());
        let upn = tokens
            .id_token
            .as_ref()
            .and_then(|t| t.upn.clone())
            .ok_or_else(|| DeviceError::Garbage {
                host: crate::http::host_of(&self.setup.authority),
                what: "device-code sign-in",
                detail: "the id_token names no user".into(),
            })?;
        Ok(SignedIn { tokens, upn })
    }

    async fn discover_step(
        &self,
        state: &mut DeviceState,
        found_realm: &Realm,
        session: &SignedIn,
    ) -> Result<()> {
        let mut services = state.services.clone();
        let tenant = self
            .step(Step::Discover, || {
                let mut attempt = services.clone();
                async move {
                    let tenant = drs::discover(
                        &self.http,
                        &mut attempt,
                        &found_realm.domain,
                        &session.tokens.access_token,
                    )
                    .await?;
                    Ok((attempt, tenant))
                }
            })
            .await?;
        services = tenant.0;
        state.services = services;
        discovered_tenant_name(state, tenant.1);
        Ok(())
    }

    async fn join_step(
        &self,
        state: &mut DeviceState,
        keys: &DeviceKeys,
        found_realm: &Realm,
        session: &SignedIn,
    ) -> Result<()> {
        state.phase = Phase::JoinRequested;
        self.dir.save(state)?;
        maybe_crash(self.setup.crash_at, CrashPoint::JoinRecorded);
        let plan = drs::JoinPlan {
            join_type: match state.kind {
                JoinKind::Join => JoinType::Join,
                JoinKind::Register => JoinType::Register,
            },
            display_name: state.display_name.clone(),
            os_version: state.os_version.clone(),
            target_domain: found_realm.domain.clone(),
        };
        let joined = self
            .step(Step::Join, || {
                drs::join(
                    &self.http,
                    &state.services,
                    &session.tokens.access_token,
                    &keys.device,
                    &keys.transport,
                    &plan,
                )
            })
            .await?;
        maybe_crash(self.setup.crash_at, CrashPoint::JoinAnswered);
        let cert = &joined.certificate;
        let id = session.tokens.id_token.clone().unwrap_or_default();
        let tenant_id = cert
            .tenant_id
            .map(|t| t.to_string())
            .or(id.tenant_id.clone())
            .unwrap_or_default();
        let tenant_name = tenant_name_of(state, found_realm);
        state.registration = Some(Registration {
            kind: state.kind,
            device_id: cert.device_id.to_string(),
            tenant_id,
            tenant_name,
            upn: joined.upn.clone().unwrap_or_else(|| session.upn.clone()),
            thumbprint: cert.sha1_thumbprint.clone(),
            certificate_pem: encode_pem("CERTIFICATE", cert.der()),
            not_before: cert.not_before,
            not_after: cert.not_after,
            joined_at: OffsetDateTime::now_utc(),
            local_administrators: joined.local_administrators.clone(),
        });
        state.phase = Phase::Joined;
        self.dir.save(state)?;
        maybe_crash(self.setup.crash_at, CrashPoint::JoinSaved);
        Ok(())
    }

    /// Records whether the organization wants this device in MDM (the sign-in's id_token
    /// carries the enrollment URLs when the user is in MDM scope).
    fn mdm_step(&self, state: &mut DeviceState, session: Option<&SignedIn>) -> Result<()> {
        self.progress.step_started(Step::Mdm);
        let started = Instant::now();
        let id = session
            .and_then(|s| s.tokens.id_token.clone())
            .unwrap_or_default();
        state.mdm = Some(Mdm {
            enrollment_url: id.mdm_enrollment_url,
            terms_of_use_url: id.mdm_terms_of_use_url,
            compliance_url: id.mdm_compliance_url,
            enrolled: false,
        });
        state.phase = Phase::MdmChecked;
        self.dir.save(state)?;
        maybe_crash(self.setup.crash_at, CrashPoint::MdmSaved);
        self.progress.step_finished(Step::Mdm, started.elapsed());
        Ok(())
    }

    async fn prt_step(
        &self,
        state: &DeviceState,
        keys: &DeviceKeys,
        proof: UserProof<'_>,
    ) -> Result<()> {
        let registration = state.registration.as_ref().ok_or(DeviceError::NotJoined)?;
        let cert_der = cerulean_crypto::certificate_der_from_pem(&registration.certificate_pem)?;
        let device = DeviceCredential {
            device_key: &keys.device,
            certificate_der: &cert_der,
        };
        let tenant = registration.tenant_id.clone();
        let proof = &proof;
        let issued = self
            .step(Step::Prt, || async {
                let proof = match proof {
                    UserProof::Password { upn, password } => UserProof::Password { upn, password },
                    UserProof::RefreshToken(rt) => UserProof::RefreshToken(rt),
                };
                prt::request_prt(
                    &self.http,
                    &state.services.authority,
                    &tenant,
                    &device,
                    &keys.transport,
                    proof,
                )
                .await
                .map_err(prt::device_verdict)
            })
            .await?;
        maybe_crash(self.setup.crash_at, CrashPoint::PrtAnswered);
        let now = OffsetDateTime::now_utc();
        let record = PrtRecord {
            prt: issued.prt.clone(),
            session_key_b64: cerulean_crypto::b64::b64_std_encode(issued.session_key.expose()),
            tenant_id: tenant,
            upn: registration.upn.clone(),
            issued_at: now,
            updated_at: now,
            expires_at: now
                + time::Duration::seconds(i64::try_from(issued.expires_in).unwrap_or(0)),
            authority: state.services.authority.clone(),
            mfa: issued.id_token.as_ref().is_some_and(IdToken::is_mfa),
        };
        self.dir.save_prt(&record)?;
        maybe_crash(self.setup.crash_at, CrashPoint::PrtSaved);
        Ok(())
    }

    /// Runs a network step with progress and retries.
    async fn step<T, F, Fut>(&self, step: Step, f: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        self.progress.step_started(step);
        let started = Instant::now();
        let progress = self.progress.clone();
        let result = with_retries(
            self.setup.retry,
            move |e, wait: Duration| progress.retrying(step, e, wait),
            f,
        )
        .await;
        if result.is_ok() {
            self.progress.step_finished(step, started.elapsed());
        }
        result
    }
}

/// `(tenant name, upn)` for messages about an existing join.
fn described(state: &DeviceState) -> (String, String) {
    match (&state.registration, &state.realm) {
        (Some(r), _) => (r.tenant_name.clone(), r.upn.clone()),
        (None, Some(realm)) => (
            realm
                .brand_name
                .clone()
                .unwrap_or_else(|| realm.domain.clone()),
            realm.upn.clone(),
        ),
        (None, None) => (String::new(), String::new()),
    }
}

fn tenant_name_of(state: &DeviceState, realm: &Realm) -> String {
    state
        .registration
        .as_ref()
        .map(|r| r.tenant_name.clone())
        .filter(|n| !n.is_empty())
        .or_else(|| realm.brand_name.clone())
        .unwrap_or_else(|| realm.domain.clone())
}

/// Discovery's `TenantInfo` is the most authoritative name; keep it in the realm record so
/// the join step (and a restart after it) uses it.
fn discovered_tenant_name(state: &mut DeviceState, tenant: Option<drs::DiscoveredTenant>) {
    if let (Some(t), Some(realm)) = (tenant, state.realm.as_mut()) {
        if !t.name.is_empty() {
            realm.brand_name = Some(t.name);
        }
    }
}

/// `DESKTOP-` and seven random characters, as Windows names a new PC.
fn windows_style_name() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let bytes = cerulean_crypto::random_bytes::<7>().unwrap_or([0; 7]);
    let suffix: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("DESKTOP-{suffix}")
}
