//! The `gongdao` program: settings, start-up and the command line. [`start`] opens the
//! database, seeds the demo when asked, binds the listener and runs the server with its
//! background tasks; tests call it with port 0 and talk to the real server.

pub mod backup;
pub mod settings;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gongdao_domain::DivisionCode;
use gongdao_services::demo::SeedReport;
use gongdao_services::notify::{Sender, WebhookSender};
use gongdao_services::{ServiceConfig, Services};
use gongdao_store::{PiiCipher, Store, StoreOptions};
use gongdao_web::WebConfig;
use settings::Settings;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Why the program could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Store(#[from] gongdao_store::StoreError),
    #[error("{0}")]
    Service(#[from] gongdao_services::ServiceError),
    #[error("无法监听 {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub services: Services,
    pub seeded: Option<SeedReport>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting requests, lets those in flight finish, and waits.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(gongdao_web::SHUTDOWN_GRACE, &mut self.task).await;
    }

    /// Waits until the server ends on its own (an error) or `signal` resolves.
    pub async fn wait(mut self, signal: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
        tokio::select! {
            result = &mut self.task => result.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            () = signal => {
                self.stop().await;
                Ok(())
            }
        }
    }
}

/// The key file in the data folder.
pub const KEY_FILE: &str = "secret.key";

/// The ring of keys of the settings: `secret_key` and `previous_secret_keys`, or the
/// key file of the data folder (made on first start).
pub fn cipher_of(settings: &Settings) -> Result<PiiCipher, gongdao_store::StoreError> {
    match &settings.secret_key {
        Some(key) => {
            let previous: Vec<String> = settings.previous_secret_keys.iter().map(|k| k.0.clone()).collect();
            PiiCipher::from_base64_ring(&key.0, &previous)
        }
        None => PiiCipher::load_or_create(&settings.data_dir.join(KEY_FILE)),
    }
}

/// Opens the store with the settings' URL and key.
pub async fn open_services(settings: &Settings) -> Result<Services, StartError> {
    let home = DivisionCode::parse("home_region", &settings.home_region).map_err(|e| StartError::Config(e.message))?;
    let store =
        Store::open(&StoreOptions { url: settings.database_url.clone(), max_connections: settings.max_connections })
            .await?;
    let cipher = cipher_of(settings)?;
    gongdao_store::pii::bind_key(store.writer(), &cipher).await?;
    let mut config = ServiceConfig::new(home);
    config.session_idle = chrono::Duration::minutes(settings.session_idle_minutes.max(1));
    config.session_max = chrono::Duration::hours(settings.session_max_hours.max(1));
    config.login_window = chrono::Duration::minutes(settings.login_window_minutes.max(1));
    config.max_failures_per_account = settings.max_failures_per_account.max(1);
    config.max_failures_per_ip = settings.max_failures_per_ip.max(1);
    config.password_policy.min_length = settings.password_min_length;
    config.password_max_age =
        (settings.password_max_age_days > 0).then(|| chrono::Duration::days(settings.password_max_age_days.into()));
    let mut required = Vec::new();
    for code in &settings.totp_required_roles {
        let role = gongdao_domain::auth::Role::from_code(code)
            .ok_or_else(|| StartError::Config(format!("totp_required_roles 中的角色 “{code}” 不存在")))?;
        required.push(role);
    }
    config.totp_policy.required = required;
    if let Some(path) = &settings.law_lexicon {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StartError::Config(format!("无法读取检索词表 {}：{e}", path.display())))?;
        let lexicon = gongdao_lawbase::Lexicon::parse(&text)
            .map_err(|e| StartError::Config(format!("{}：{e}", path.display())))?;
        config.law_lexicon = Some(lexicon);
    }
    config.law_encoder = load_law_model(settings)?;
    if let Some(path) = &settings.document_font
        && !path.exists()
    {
        return Err(StartError::Config(format!("document_font：字体文件 {} 不存在", path.display())));
    }
    config.document_font = settings.document_font.clone();
    config.public_url = settings.public_url.clone();
    Ok(Services::new(store, cipher, config))
}

/// The sentence-embedding model: from the configured folder (which must load), else
/// from its install folder when present (a broken install there is logged and the
/// search stays lexical).
fn load_law_model(settings: &Settings) -> Result<Option<Arc<gongdao_lawbase::Encoder>>, StartError> {
    let installed =
        || gongdao_lawbase::embed::default_dir().filter(|d| d.join(gongdao_lawbase::embed::LIBRARY_FILE).is_file());
    let (dir, required) = match &settings.law_model_dir {
        Some(dir) => (dir.clone(), true),
        None => match installed() {
            Some(dir) => (dir, false),
            None => return Ok(None),
        },
    };
    match gongdao_lawbase::Encoder::open(&dir) {
        Ok(encoder) => {
            tracing::info!(dir = %dir.display(), "semantic model loaded");
            Ok(Some(Arc::new(encoder)))
        }
        Err(e) if required => Err(StartError::Config(e.to_string())),
        Err(e) => {
            tracing::warn!(error = %e, "semantic model not loaded; law search stays lexical");
            Ok(None)
        }
    }
}

/// The proxies whose `X-Forwarded-For` is believed: none unless `trust_forwarded_for`;
/// then those configured, or the loopback address.
fn trusted_proxies(settings: &Settings) -> Result<Vec<gongdao_web::proxy::ProxyNet>, StartError> {
    if !settings.trust_forwarded_for {
        return Ok(Vec::new());
    }
    let listed: Vec<&str> = if settings.trusted_proxies.is_empty() {
        vec!["127.0.0.1", "::1"]
    } else {
        settings.trusted_proxies.iter().map(String::as_str).collect()
    };
    listed.into_iter().map(|p| gongdao_web::proxy::ProxyNet::parse(p).map_err(StartError::Config)).collect()
}

/// Starts the platform: database, demo (when asked), HTTP server and background tasks.
pub async fn start(settings: &Settings) -> Result<Running, StartError> {
    let services = open_services(settings).await?;
    let seeded = if settings.demo { Some(services.seed_demo(&settings.demo_password.0).await?) } else { None };
    if settings.demo && settings.demo_activity {
        if seeded.as_ref().is_some_and(|s| s.seeded) {
            services.seed_demo_activity().await?;
        }
        services.ensure_demo_slots().await?;
    }
    let site_name = services.region_name(services.config().home_region).await?.unwrap_or_default();
    let web = WebConfig {
        site_name,
        demo: settings.demo,
        secure_cookies: settings.secure_cookies,
        trusted_proxies: trusted_proxies(settings)?,
        public_limit: gongdao_web::limits::Limit {
            burst: (settings.public_requests_per_second * 30.0).max(30.0),
            per_second: settings.public_requests_per_second.max(0.0),
        },
        law_limit: gongdao_web::limits::Limit {
            burst: (settings.law_searches_per_second * 10.0).max(1.0),
            per_second: settings.law_searches_per_second.max(0.0),
        },
        kiosk_idle_seconds: settings.kiosk_idle_seconds,
    };
    let listener = TcpListener::bind(&settings.listen)
        .await
        .map_err(|source| StartError::Listen { addr: settings.listen.clone(), source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen { addr: settings.listen.clone(), source })?;
    let app = gongdao_web::app(services.clone(), web);
    let (tx, rx) = oneshot::channel::<()>();
    let housekeeping = services.clone();
    let data_dir = settings.data_dir.clone();
    let sender: Arc<dyn Sender> = match &settings.sms_webhook_url {
        Some(url) => Arc::new(WebhookSender::new(url.clone())),
        None => {
            tracing::info!(
                dir = %settings.data_dir.display(),
                "no sms_webhook_url: SMS are written, sealed, to sms-outbox-<day>.log in the data folder (gongdao sms-log shows them)"
            );
            Arc::new(services.file_sender(settings.data_dir.clone()))
        }
    };
    let interval = Duration::from_millis(settings.jobs_interval_ms);
    let worker = services.clone();
    let law_worker = services.clone();
    let laws_dir = settings.laws_dir.clone();
    let task = tokio::spawn(async move {
        let server = gongdao_web::serve(listener, app, async {
            let _ = rx.await;
        });
        // Background work runs as supervised peers of the server: a loop that panics
        // is logged and started again, and never takes the server down; the server
        // stopping ends them all.
        let housekeeping = supervise("housekeeping", move || {
            housekeeping_loop(housekeeping.clone(), data_dir.clone(), !interval.is_zero())
        });
        let work = supervise("jobs", move || work_loop(worker.clone(), sender.clone(), interval));
        let laws = supervise("laws", move || law_loop(law_worker.clone(), laws_dir.clone()));
        tokio::select! {
            result = server => result,
            () = housekeeping => Ok(()),
            () = work => Ok(()),
            () = laws => Ok(()),
        }
    });
    Ok(Running { addr, services, seeded, shutdown: Some(tx), task })
}

/// How long a loop that panicked waits before it starts again.
const RESTART_AFTER: Duration = Duration::from_secs(5);

/// Runs a background loop in a task of its own and starts it again whenever it
/// panics; ends when the loop ends by itself.
pub async fn supervise<F, Fut>(name: &'static str, run: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    supervise_with(name, run, RESTART_AFTER).await
}

/// [`supervise`] with the pause between restarts given (tests).
pub async fn supervise_with<F, Fut>(name: &'static str, run: F, pause: Duration)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    /// Stops the running loop when the supervisor is dropped (the server has stopped).
    struct AbortOnDrop(tokio::task::AbortHandle);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    loop {
        let task = tokio::spawn(run());
        let _guard = AbortOnDrop(task.abort_handle());
        match task.await {
            Ok(()) => return,
            Err(e) if e.is_panic() => {
                tracing::error!(task = name, "background task panicked; starting it again");
                tokio::time::sleep(pause).await;
            }
            Err(_) => return,
        }
    }
}

/// How often an instance looks whether another process imported a new corpus.
const LAW_INDEX_CHECK: Duration = Duration::from_secs(30);

/// Imports the corpus folder when one is configured, builds this instance's law index,
/// then rebuilds it whenever the stored corpus changes. Failures are logged and retried
/// on the next round: search answers 503 until an index exists.
async fn law_loop(services: Services, laws_dir: Option<std::path::PathBuf>) {
    if let Some(dir) = laws_dir {
        match services.import_laws(&dir, |_| {}).await {
            Ok(r) => tracing::info!(
                added = r.versions_added,
                replaced = r.versions_replaced,
                unchanged = r.versions_unchanged,
                errors = r.errors.len(),
                "law corpus imported from {}",
                dir.display()
            ),
            Err(e) => tracing::error!(error = %e, "law corpus import from {} failed", dir.display()),
        }
    }
    loop {
        if let Err(e) = services.refresh_law_index().await {
            // The cause is in the error's details, not in its message for users.
            tracing::error!(error = ?e, "law index build failed");
        }
        tokio::time::sleep(LAW_INDEX_CHECK).await;
    }
}

/// This server's name in job rows.
pub fn instance_name() -> String {
    format!("gongdao-{}-{}", std::process::id(), rand_suffix())
}

fn rand_suffix() -> u32 {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    nanos % 10_000
}

/// Runs due jobs and delivers the outbox every `interval` (never, when it is zero).
async fn work_loop(services: Services, sender: Arc<dyn Sender>, interval: Duration) {
    if interval.is_zero() {
        return std::future::pending().await;
    }
    let instance = instance_name();
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = services.run_due_jobs(&instance, 200).await {
            tracing::warn!(error = %e, "background jobs failed");
        }
        if let Err(e) = services.drain_outbox(&sender).await {
            tracing::warn!(error = %e, "outbox delivery failed");
        }
    }
}

/// The file in the data folder where the head of the audit chain is anchored.
pub const AUDIT_ANCHOR_FILE: &str = "audit-anchors.log";

/// Every ten minutes: drops expired sessions and old login attempts, and anchors the
/// head of the audit chain (in the database and in a file of the data folder).
async fn housekeeping_loop(services: Services, data_dir: std::path::PathBuf, enabled: bool) {
    // `jobs_interval_ms = 0` turns all background work off, this too: what a test or an
    // operator then sees in the database changes only by requests.
    if !enabled {
        return std::future::pending().await;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        if let Err(e) = std::fs::create_dir_all(&data_dir) {
            tracing::warn!(dir = %data_dir.display(), error = %e, "data folder cannot be made");
        }
        match services.anchor_audit_chain(&data_dir.join(AUDIT_ANCHOR_FILE)).await {
            Ok(Some((seq, _))) => tracing::info!(seq, "audit chain anchored"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "audit chain anchoring failed"),
        }
        match services.purge_sessions().await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "expired sessions removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "session housekeeping failed"),
        }
        match services.snapshot_plans().await {
            Ok(n) if n > 0 => tracing::debug!(values = n, "plan indicators kept for this month"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "keeping the plan's monthly values failed"),
        }
        reseal(&services).await;
        match services.erase_expired_personal_data().await {
            Ok(erased) => {
                for (district, n) in erased {
                    tracing::info!(
                        %district,
                        matters = n.matters,
                        mediation_cases = n.mediation_cases,
                        legal_aid_cases = n.legal_aid_cases,
                        bookings = n.bookings,
                        "personal data erased at the end of its retention period"
                    );
                }
            }
            Err(e) => tracing::warn!(error = %e, "erasing expired personal data failed"),
        }
    }
}

/// After a key rotation: moves sealed values to the new key, a bounded batch at a time
/// until none is left (at start and every ten minutes, so a rotation finishes without
/// a stop and without crowding out the requests).
async fn reseal(services: &Services) {
    loop {
        match services.reseal_personal_data(5_000).await {
            Ok(pass) if pass.moved > 0 => {
                tracing::info!(
                    moved = pass.moved,
                    unreadable = pass.unreadable,
                    "personal data resealed with the current key"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Ok(pass) => {
                if pass.unreadable > 0 {
                    tracing::warn!(unreadable = pass.unreadable, "sealed values no key of the ring opens");
                }
                break;
            }
            Err(e) => {
                tracing::warn!(error = %e, "resealing failed");
                break;
            }
        }
    }
}

#[cfg(test)]
mod supervision {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_loop_that_panics_is_started_again_and_the_server_goes_on() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let looping = supervise_with(
            "test",
            move || {
                let runs = counted.clone();
                async move {
                    // Panics on its first two runs, then ends normally.
                    if runs.fetch_add(1, Ordering::SeqCst) < 2 {
                        panic!("a bug in a background loop");
                    }
                }
            },
            Duration::from_millis(1),
        );
        // A peer standing for the server: still running when the loop has ended.
        let server = std::future::pending::<()>();
        tokio::select! {
            () = looping => {}
            () = server => unreachable!("the server never ends"),
        }
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }
}
