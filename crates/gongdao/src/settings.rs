//! Typed settings, loaded once at start: defaults, then a TOML file (`--config` or
//! `GONGDAO_CONFIG`), then `GONGDAO_*` environment variables and command-line flags
//! (clap reads both). Unknown keys in the file are errors.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A secret that never prints.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Everything `gongdao serve` can be told. Each field is optional in the file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// Address to listen on, e.g. `127.0.0.1:8080`.
    pub listen: Option<String>,
    /// Folder for the SQLite database, the key file and other data.
    pub data_dir: Option<PathBuf>,
    /// `sqlite://path` or `postgres://user@host/db`; default SQLite in the data folder.
    pub database_url: Option<String>,
    /// Division code of the installation's top region (the district, or a province).
    pub home_region: Option<String>,
    /// Seed the demo district into an empty database.
    pub demo: Option<bool>,
    /// Password of the demo accounts.
    pub demo_password: Option<Secret>,
    /// With the demo: matters at every step, mediation cases and appointment slots, so
    /// a first start shows the platform at work [default: true].
    pub demo_activity: Option<bool>,
    /// Base64 key (32 bytes) sealing personal data; default a key file in the data
    /// folder. Several instances on one PostgreSQL must share it.
    pub secret_key: Option<Secret>,
    /// Keys being rotated out (base64): they only open what they sealed, until the
    /// re-seal job has moved it to `secret_key`. (A key file rotated by `gongdao keys
    /// rotate` holds them itself.)
    pub previous_secret_keys: Option<Vec<Secret>>,
    /// Pool size.
    pub max_connections: Option<u32>,
    /// Mark cookies Secure (behind HTTPS).
    pub secure_cookies: Option<bool>,
    /// Trust `X-Forwarded-For` (only behind a reverse proxy you run).
    pub trust_forwarded_for: Option<bool>,
    /// The reverse proxies whose `X-Forwarded-For` is believed (addresses or networks,
    /// `["10.0.0.5", "10.1.0.0/16"]`); with `trust_forwarded_for` and none given, the
    /// loopback address (a proxy on the same machine).
    pub trusted_proxies: Option<Vec<String>>,
    /// Minutes without a request before a session ends.
    pub session_idle_minutes: Option<i64>,
    /// Hours after login when a session ends regardless.
    pub session_max_hours: Option<i64>,
    /// Window over which failed logins are counted, in minutes.
    pub login_window_minutes: Option<i64>,
    /// Failed logins per account within the window before it is locked.
    pub max_failures_per_account: Option<u64>,
    /// Failed logins per address within the window before it is locked.
    pub max_failures_per_ip: Option<u64>,
    /// How often background jobs (reminders, escalations, follow-ups) and the SMS
    /// outbox are looked at, in milliseconds; 0 turns the background work off.
    pub jobs_interval_ms: Option<u64>,
    /// Post SMS messages to this gateway URL (http); default: append them to
    /// `sms-outbox-<day>.log` in the data folder (phones masked, texts sealed;
    /// `gongdao sms-log` shows them).
    pub sms_webhook_url: Option<String>,
    /// Import the law corpus in this folder (LawRefBook format) at start; unchanged
    /// laws are skipped, so restarting is cheap.
    pub laws_dir: Option<PathBuf>,
    /// Law searches, questions and law pages each client address may ask for per
    /// second (bursts of ten times as many are allowed).
    pub law_searches_per_second: Option<f64>,
    /// Public filings, bookings, lookups and ratings each client address may make per
    /// second (bursts of 30) [default: 1].
    pub public_requests_per_second: Option<f64>,
    /// The law search's vocabulary and ranking (a copy of `data/laws/lexicon.toml`
    /// edited by the district); the shipped one when not set.
    pub law_lexicon: Option<PathBuf>,
    /// Folder of the sentence-embedding model for the law search's semantic
    /// re-ranking (installed by scripts/semantic-model.sh) [default: its install
    /// folder, ~/.cache/gongdao/semantic, when present].
    pub law_model_dir: Option<PathBuf>,
    /// Seconds without a touch before a kiosk warns, then empties every form and
    /// returns to its start page [default: 90].
    pub kiosk_idle_seconds: Option<u32>,
    /// Shortest password an account may set [default: 10].
    pub password_min_length: Option<usize>,
    /// Days after which a password must be changed at the next sign-in; 0 never
    /// [default: 180]. Demo accounts are exempt.
    pub password_max_age_days: Option<u32>,
    /// Roles that must sign in with a dynamic code (TOTP) as well as the password,
    /// by code (`["admin", "leader"]`, the default); `[]` for none.
    pub totp_required_roles: Option<Vec<String>>,
    /// The CJK font (.ttc/.otf/.ttf) official documents are set in as PDF [default:
    /// Noto Serif CJK SC from fonts-noto-cjk, else Noto Sans CJK SC].
    pub document_font: Option<PathBuf>,
    /// The address citizens reach the site at, for links in SMS (the rating link)
    /// [default: `http://` and the listen address].
    pub public_url: Option<String>,
}

impl FileSettings {
    pub fn load(path: &Path) -> Result<FileSettings, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("无法读取配置文件 {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("配置文件 {} 有误: {e}", path.display()))
    }
}

/// The resolved settings.
#[derive(Clone, Debug)]
pub struct Settings {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub home_region: String,
    pub demo: bool,
    pub demo_password: Secret,
    pub demo_activity: bool,
    pub secret_key: Option<Secret>,
    pub previous_secret_keys: Vec<Secret>,
    pub max_connections: u32,
    pub secure_cookies: bool,
    pub trust_forwarded_for: bool,
    pub trusted_proxies: Vec<String>,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    pub login_window_minutes: i64,
    pub max_failures_per_account: u64,
    pub max_failures_per_ip: u64,
    pub jobs_interval_ms: u64,
    pub sms_webhook_url: Option<String>,
    pub laws_dir: Option<PathBuf>,
    pub law_searches_per_second: f64,
    pub public_requests_per_second: f64,
    pub law_lexicon: Option<PathBuf>,
    /// Set explicitly: a model that does not load stops the start.
    pub law_model_dir: Option<PathBuf>,
    pub kiosk_idle_seconds: u32,
    pub password_min_length: usize,
    pub password_max_age_days: u32,
    pub totp_required_roles: Vec<String>,
    pub document_font: Option<PathBuf>,
    pub public_url: String,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "gongdao-data";
pub const DEFAULT_DEMO_PASSWORD: &str = "gongdao-demo";

impl Settings {
    /// Overlays `over` (flags and environment) on `file`, then defaults.
    pub fn resolve(file: FileSettings, over: FileSettings) -> Settings {
        let data_dir = over.data_dir.or(file.data_dir).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = over
            .database_url
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("gongdao.db").display()));
        let listen = over.listen.or(file.listen).unwrap_or_else(|| DEFAULT_LISTEN.into());
        let public_url = over
            .public_url
            .or(file.public_url)
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{listen}"));
        Settings {
            listen,
            public_url,
            database_url,
            home_region: over.home_region.or(file.home_region).unwrap_or_else(|| "220802".into()),
            demo: over.demo.or(file.demo).unwrap_or(false),
            demo_password: over
                .demo_password
                .or(file.demo_password)
                .unwrap_or_else(|| Secret(DEFAULT_DEMO_PASSWORD.into())),
            demo_activity: over.demo_activity.or(file.demo_activity).unwrap_or(true),
            secret_key: over.secret_key.or(file.secret_key),
            previous_secret_keys: over.previous_secret_keys.or(file.previous_secret_keys).unwrap_or_default(),
            max_connections: over.max_connections.or(file.max_connections).unwrap_or(16),
            secure_cookies: over.secure_cookies.or(file.secure_cookies).unwrap_or(false),
            trust_forwarded_for: over.trust_forwarded_for.or(file.trust_forwarded_for).unwrap_or(false),
            trusted_proxies: over.trusted_proxies.or(file.trusted_proxies).unwrap_or_default(),
            session_idle_minutes: over.session_idle_minutes.or(file.session_idle_minutes).unwrap_or(120),
            session_max_hours: over.session_max_hours.or(file.session_max_hours).unwrap_or(12),
            login_window_minutes: over.login_window_minutes.or(file.login_window_minutes).unwrap_or(15),
            max_failures_per_account: over.max_failures_per_account.or(file.max_failures_per_account).unwrap_or(5),
            max_failures_per_ip: over.max_failures_per_ip.or(file.max_failures_per_ip).unwrap_or(30),
            jobs_interval_ms: over.jobs_interval_ms.or(file.jobs_interval_ms).unwrap_or(5000),
            sms_webhook_url: over.sms_webhook_url.or(file.sms_webhook_url),
            laws_dir: over.laws_dir.or(file.laws_dir),
            law_searches_per_second: over.law_searches_per_second.or(file.law_searches_per_second).unwrap_or(10.0),
            public_requests_per_second: over
                .public_requests_per_second
                .or(file.public_requests_per_second)
                .unwrap_or(1.0),
            law_lexicon: over.law_lexicon.or(file.law_lexicon),
            law_model_dir: over.law_model_dir.or(file.law_model_dir),
            kiosk_idle_seconds: over.kiosk_idle_seconds.or(file.kiosk_idle_seconds).unwrap_or(90).clamp(10, 3600),
            password_min_length: over.password_min_length.or(file.password_min_length).unwrap_or(10).clamp(8, 64),
            password_max_age_days: over.password_max_age_days.or(file.password_max_age_days).unwrap_or(180),
            totp_required_roles: over
                .totp_required_roles
                .or(file.totp_required_roles)
                .unwrap_or_else(|| vec!["admin".into(), "leader".into()]),
            document_font: over.document_font.or(file.document_font),
            data_dir,
        }
    }

    /// Settings for a server on `data_dir` with everything else default.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Settings {
        Settings::resolve(
            FileSettings::default(),
            FileSettings { data_dir: Some(data_dir.into()), ..Default::default() },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let file: FileSettings =
            toml::from_str("listen = \"0.0.0.0:9000\"\ndemo = true\nhome_region = \"220800\"").unwrap();
        let over = FileSettings { listen: Some("127.0.0.1:7000".into()), ..Default::default() };
        let s = Settings::resolve(file, over);
        assert_eq!(s.listen, "127.0.0.1:7000");
        assert!(s.demo);
        assert_eq!(s.home_region, "220800");
        assert_eq!(s.database_url, "sqlite://gongdao-data/gongdao.db");
        assert!(toml::from_str::<FileSettings>("colour = \"red\"").is_err(), "unknown keys are errors");
        assert!(!format!("{:?}", s.demo_password).contains("gongdao-demo"));
    }
}
