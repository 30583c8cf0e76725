//! Use cases of gongdao. Each public method of [`Services`] is one thing a user does:
//! it checks the actor's rights (from `domain::auth`), parses input into domain types,
//! runs the writes that belong together in one transaction with their audit entry, and
//! returns domain values. Pages and the JSON API call the same methods.
//!
//! Reading order: [`Services`] and [`ServiceConfig`], [`error`], then [`auth`]
//! (logins and sessions), [`network`] (regions, institutions, people), [`accounts`],
//! [`audit`], [`export`], and [`demo`] (the demo district and synthetic volumes).

pub mod accounts;
pub mod appointments;
pub mod archive;
pub mod audit;
pub mod auth;
pub mod demo;
pub mod demo_activity;
pub mod dispatch;
pub mod duty;
pub mod error;
pub mod evaluation;
pub mod events;
pub mod export;
mod intake;
pub mod jobs;
pub mod laws;
pub mod legal_aid;
pub mod limits;
pub mod mediation;
mod names;
pub mod network;
pub mod notify;
pub mod pdf;
pub mod plan;
pub mod privacy;
pub mod requests;
pub mod rules;
pub mod security;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use gongdao_domain::DivisionCode;
use gongdao_store::{PiiCipher, Store};

pub use error::ServiceError;

/// Settings a district may change, with their defaults.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// The top region of this installation (the district, or the province when a
    /// province runs it for all its districts): public pages list service points
    /// below it, and audit entries not tied to a narrower region are filed under it.
    pub home_region: DivisionCode,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after login, however active.
    pub session_max: Duration,
    /// Failed logins are counted over this window.
    pub login_window: Duration,
    /// Failed logins for one account within the window before it is locked.
    pub max_failures_per_account: u64,
    /// Failed logins from one address within the window before it is locked.
    pub max_failures_per_ip: u64,
    /// The law search's vocabulary and ranking; the shipped `data/laws/lexicon.toml`
    /// when not set.
    pub law_lexicon: Option<gongdao_lawbase::Lexicon>,
    /// The sentence-embedding model for the law search's semantic re-ranking, when
    /// installed (scripts/semantic-model.sh).
    pub law_encoder: Option<std::sync::Arc<gongdao_lawbase::Encoder>>,
    /// What a new password must be.
    pub password_policy: gongdao_domain::identity::PasswordPolicy,
    /// A password older than this must be changed at the next sign-in (None: never).
    pub password_max_age: Option<Duration>,
    /// Which roles must sign in with a second factor.
    pub totp_policy: gongdao_domain::identity::TotpPolicy,
    /// The CJK font official documents are set in as PDF; the first of
    /// [`pdf::FONT_CANDIDATES`] present when not set.
    pub document_font: Option<std::path::PathBuf>,
    /// Where citizens reach the site (links in SMS), without a trailing slash.
    pub public_url: String,
}

impl ServiceConfig {
    pub fn new(home_region: DivisionCode) -> Self {
        ServiceConfig {
            home_region,
            session_idle: Duration::hours(2),
            session_max: Duration::hours(12),
            login_window: Duration::minutes(15),
            max_failures_per_account: 5,
            max_failures_per_ip: 30,
            law_lexicon: None,
            law_encoder: None,
            password_policy: Default::default(),
            password_max_age: None,
            totp_policy: Default::default(),
            document_font: None,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

pub(crate) struct Inner {
    store: Store,
    cipher: PiiCipher,
    config: ServiceConfig,
    rules: rules::RulesCache,
    intake: intake::IntakeQueue,
    site_name: std::sync::RwLock<Option<String>>,
    laws: gongdao_lawbase::LawBase,
    /// Read at the first PDF asked for (20 MB), then kept.
    document_font: std::sync::OnceLock<Result<Arc<pdf::DocumentFont>, String>>,
}

/// The use cases over one store; cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Services({:?})", self.inner.store)
    }
}

impl Services {
    pub fn new(store: Store, cipher: PiiCipher, config: ServiceConfig) -> Self {
        let lexicon = config.law_lexicon.clone().unwrap_or_else(gongdao_lawbase::Lexicon::shipped);
        let laws = gongdao_lawbase::LawBase::new(store.clone(), lexicon, config.law_encoder.clone());
        Services {
            inner: Arc::new(Inner {
                laws,
                store,
                cipher,
                config,
                rules: rules::RulesCache::new(),
                intake: intake::IntakeQueue::new(),
                site_name: Default::default(),
                document_font: Default::default(),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// An official document as a PDF file (its layout in [`pdf`]); Unavailable when the
    /// server has no CJK font, with what to do instead.
    pub async fn document_pdf(&self, doc: gongdao_domain::document::OfficialDocument) -> Result<Vec<u8>, ServiceError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let font = inner
                .document_font
                .get_or_init(|| pdf::DocumentFont::load(inner.config.document_font.as_deref()).map(Arc::new))
                .clone()
                .map_err(ServiceError::Unavailable)?;
            font.render(&doc).map_err(ServiceError::Internal)
        })
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
    }

    pub fn cipher(&self) -> &PiiCipher {
        &self.inner.cipher
    }

    pub(crate) fn inner_queue(&self) -> &intake::IntakeQueue {
        &self.inner.intake
    }

    pub(crate) fn rules_cache(&self) -> &rules::RulesCache {
        &self.inner.rules
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    /// Whether several instances may share the database (PostgreSQL), so limits must
    /// be counted in it; a SQLite file has one instance.
    pub fn database_is_shared(&self) -> bool {
        self.inner.store.backend() == gongdao_store::Backend::Postgres
    }

    /// The one clock of the use cases.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    /// Today in China (UTC+8), for dates typed by users.
    pub fn today(&self) -> NaiveDate {
        gongdao_domain::calendar::china_day(self.now())
    }

    /// Liveness of the database, for `/healthz`.
    pub async fn health(&self) -> Result<(), ServiceError> {
        Ok(self.inner.store.ping().await?)
    }
}
