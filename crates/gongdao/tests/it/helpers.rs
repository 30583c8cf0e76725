//! Test harness: a real server on a loopback port, over a real database (SQLite in a
//! temporary folder, or a fresh PostgreSQL database that is dropped afterwards), and an
//! HTTP client whose methods read like what users do.

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use gongdao::settings::Settings;
use gongdao::{Running, start};
use gongdao_services::Services;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub const PASSWORD: &str = "gongdao-demo";
/// The first password an administrator gives a new account in the tests.
pub const FIRST_PASSWORD: &str = "Temporary-2026";
/// The password such an account then chooses for itself.
pub const OWN_PASSWORD: &str = "Chosen-by-me-7";

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

fn admin_url() -> String {
    std::env::var("GONGDAO_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn postgres_reachable() -> bool {
    let addr: SocketAddr = "127.0.0.1:5432".parse().expect("address");
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The backends every storage test runs on: SQLite always, PostgreSQL when it is
/// reachable — and in CI it must be.
pub fn backends() -> Vec<Backend> {
    if postgres_reachable() {
        vec![Backend::Sqlite, Backend::Postgres]
    } else if in_ci() {
        panic!("CI=true but PostgreSQL is not reachable at 127.0.0.1:5432: PostgreSQL tests are mandatory in CI");
    } else {
        eprintln!("SKIP PostgreSQL: nothing listens on 127.0.0.1:5432; running on SQLite only");
        vec![Backend::Sqlite]
    }
}

/// A database for one test: a folder for SQLite, or a PostgreSQL database dropped when
/// this guard goes away.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => {
                TestDb { url: format!("sqlite://{}", dir.path().join("test.db").display()), dir, pg_name: None }
            }
            Backend::Postgres => {
                let name = format!(
                    "gongdao_t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    rand::random::<u32>()
                );
                let admin = Database::connect(admin_url()).await.expect("connect to PostgreSQL as admin");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                let _ = admin.close().await;
                let base = admin_url();
                let url = format!("{}/{name}", base.rsplit_once('/').map(|(a, _)| a).unwrap_or(&base));
                TestDb { url, dir, pg_name: Some(name) }
            }
        }
    }
}

impl TestDb {
    /// No database of its own (for `TestApp::attach`).
    pub fn none() -> TestDb {
        TestDb { url: String::new(), dir: tempfile::tempdir().expect("temp dir"), pg_name: None }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            // Drop runs outside any runtime we may block: use a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(admin_url()).await {
                        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// A running server with the demo district.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub services: Services,
    running: Option<Running>,
    /// The settings it was started with.
    pub settings: Option<Settings>,
    /// Keeps the database alive as long as the app.
    _db: TestDb,
}

pub fn test_settings(db: &TestDb) -> Settings {
    let mut settings = Settings::for_data_dir(db.dir.path());
    settings.database_url = db.url.clone();
    settings.listen = "127.0.0.1:0".into();
    // The tests ask many law questions from one address in a row.
    settings.law_searches_per_second = 1000.0;
    settings.demo = true;
    // The district alone: tests make the matters they count. (A test of the lively
    // demo turns it on.)
    settings.demo_activity = false;
    settings.max_connections = 8;
    settings
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Logs of the servers under test, shown for failing tests (`GONGDAO_LOG` to filter).
fn init_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let filter = std::env::var("GONGDAO_LOG").unwrap_or_else(|_| "warn,gongdao=info".into());
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    });
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    init_logs();
    let db = TestDb::new(backend).await;
    let mut settings = test_settings(&db);
    tweak(&mut settings);
    let running = start(&settings).await.expect("server starts");
    let base = format!("http://{}", running.addr);
    TestApp {
        base,
        client: client(),
        services: running.services.clone(),
        running: Some(running),
        settings: Some(settings),
        _db: db,
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// An account made by [`TestApp::new_account`], signed in.
pub struct NewAccount {
    pub id: i64,
    pub session: Session,
    pub totp_secret: Option<String>,
    pub recovery_codes: Vec<String>,
}

/// A logged-in API user.
#[derive(Clone, Debug)]
pub struct Session {
    pub token: String,
    pub csrf: String,
}

impl TestApp {
    /// A handle on the services of a server started elsewhere (no HTTP client use).
    pub fn attach(services: Services) -> TestApp {
        TestApp { base: String::new(), client: client(), services, running: None, settings: None, _db: TestDb::none() }
    }

    /// The server's data folder (the SQLite database, the SMS file).
    pub fn data_dir(&self) -> &std::path::Path {
        self._db.dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    pub async fn try_login(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("request")
    }

    pub async fn login_as(&self, username: &str) -> Session {
        self.login_as_password(username, PASSWORD).await
    }

    pub async fn login_as_password(&self, username: &str, password: &str) -> Session {
        let response = self.try_login(username, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login as {username}");
        let body: Value = response.json().await.expect("json");
        Session {
            token: body["token"].as_str().expect("token").into(),
            csrf: body["csrf_token"].as_str().expect("csrf").into(),
        }
    }

    /// An account created by `admin` and taken through its first sign-in as a person
    /// would: the password changed to [`OWN_PASSWORD`], then, when the role needs it,
    /// two-step verification enrolled (the secret is answered for later sign-ins).
    pub async fn new_account(&self, admin: &Session, username: &str, role: &str, scope: &str) -> NewAccount {
        let (status, created) = self
            .post(
                admin,
                "/api/v1/accounts",
                json!({"username": username, "display_name": username, "password": FIRST_PASSWORD, "role": role, "scope": scope}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let first = self.try_login(username, FIRST_PASSWORD).await;
        assert_eq!(first.status(), StatusCode::OK);
        let first: Value = first.json().await.unwrap();
        assert_eq!(first["pending"], "change_password", "a new account sets its own password first");
        let s = Session {
            token: first["token"].as_str().unwrap().into(),
            csrf: first["csrf_token"].as_str().unwrap().into(),
        };
        let (status, body) = self
            .post(&s, "/api/v1/me/password", json!({"current_password": FIRST_PASSWORD, "new_password": OWN_PASSWORD}))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let second: Value = self.try_login(username, OWN_PASSWORD).await.json().await.unwrap();
        let session = Session {
            token: second["token"].as_str().unwrap().into(),
            csrf: second["csrf_token"].as_str().unwrap().into(),
        };
        let mut totp_secret = None;
        let mut recovery_codes = Vec::new();
        if second["pending"] == "enrol_totp" {
            let (_, enrolment) = self.post(&session, "/api/v1/auth/totp/enrol", json!({})).await;
            let secret = enrolment["secret"].as_str().expect("secret").to_string();
            let code = gongdao_services::security::totp_code(&secret, chrono::Utc::now()).unwrap();
            let (status, body) = self.post(&session, "/api/v1/auth/totp/confirm", json!({"code": code})).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            recovery_codes =
                body["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
            totp_secret = Some(secret);
        } else {
            assert!(second["pending"].is_null(), "{second}");
        }
        NewAccount { id: created["id"].as_i64().unwrap(), session, totp_secret, recovery_codes }
    }

    pub async fn get(&self, s: &Session, path: &str) -> (StatusCode, Value) {
        let r = self.client.get(self.url(path)).bearer_auth(&s.token).send().await.expect("request");
        split(r).await
    }

    pub async fn send(&self, s: &Session, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&s.token)
            .json(&body)
            .send()
            .await
            .expect("request");
        split(r).await
    }

    pub async fn post(&self, s: &Session, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(s, reqwest::Method::POST, path, body).await
    }

    pub async fn put(&self, s: &Session, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(s, reqwest::Method::PUT, path, body).await
    }

    pub async fn delete(&self, s: &Session, path: &str) -> StatusCode {
        self.client.delete(self.url(path)).bearer_auth(&s.token).send().await.expect("request").status()
    }

    /// A page's HTML as a signed-in user sees it (the bearer token, so no CSRF form).
    pub async fn page(&self, s: &Session, path: &str) -> (StatusCode, String) {
        let r = self.client.get(self.url(path)).bearer_auth(&s.token).send().await.expect("request");
        (r.status(), r.text().await.unwrap_or_default())
    }

    /// Posts a page's form as a signed-in user.
    pub async fn post_form(&self, s: &Session, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(path)).bearer_auth(&s.token).form(form).send().await.expect("request")
    }

    /// `total` of a listing.
    pub async fn total(&self, s: &Session, path: &str) -> u64 {
        let (status, body) = self.get(s, path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body["total"].as_u64().expect("total")
    }

    /// Number of audit entries visible to the admin.
    pub async fn audit_count(&self, admin: &Session) -> u64 {
        self.total(admin, "/api/v1/audit?per_page=1").await
    }

    /// The id of the first institution with this name.
    pub async fn institution_id(&self, s: &Session, name: &str) -> i64 {
        let (_, body) = self.get(s, &format!("/api/v1/institutions?q={}", urlencode(name))).await;
        body["items"][0]["id"].as_i64().unwrap_or_else(|| panic!("no institution named {name}"))
    }
}

async fn split(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

pub fn urlencode(s: &str) -> String {
    gongdao_web::session::encode_component(s)
}

/// The field names of an error answer.
pub fn error_fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["field"].as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// The message for one field of an error answer.
pub fn field_message(body: &Value, field: &str) -> String {
    body["error"]["fields"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["field"] == field))
        .and_then(|f| f["message"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// A valid ID number built from seventeen digits.
pub fn id_number(first17: &str) -> String {
    let c = gongdao_domain::id_number::check_char(first17.as_bytes()) as char;
    format!("{first17}{c}")
}

/// Where screenshots and other artefacts of the tests go.
pub fn artifacts_dir() -> std::path::PathBuf {
    let dir = std::env::var("GONGDAO_ARTIFACTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts"));
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

/// Moves a deadline of a record into the past or near future (the clock of a real server
/// cannot be moved): sets `table.column` of row `id` to now plus `hours_from_now`, and
/// makes the pending jobs of `job_kind` for it due now.
pub async fn move_due(app: &TestApp, table: &str, column: &str, job_kind: &str, id: i64, hours_from_now: i64) {
    let t = chrono::Utc::now() + chrono::Duration::hours(hours_from_now);
    let writer = app.services.store().writer();
    let backend = writer.get_database_backend();
    let now = chrono::Utc::now() - chrono::Duration::seconds(1);
    for (sql, at) in [
        (format!("UPDATE {table} SET {column} = $1 WHERE id = $2"), t),
        (
            format!("UPDATE jobs SET run_at = $1 WHERE subject_id = $2 AND kind = '{job_kind}' AND state = 'pending'"),
            now,
        ),
    ] {
        let sql = if backend == sea_orm::DbBackend::Sqlite { sql.replace('$', "?") } else { sql };
        writer
            .execute_raw(sea_orm::Statement::from_sql_and_values(backend, sql, [at.into(), id.into()]))
            .await
            .unwrap();
    }
}

/// The text of an exported workbook's cells (its shared strings, XML-escaped).
pub fn workbook_text(bytes: &[u8]) -> String {
    workbook_part(bytes, "xl/sharedStrings.xml")
}

/// The names of a workbook's sheets, in order.
pub fn workbook_sheets(bytes: &[u8]) -> Vec<String> {
    let xml = workbook_part(bytes, "xl/workbook.xml");
    xml.split("<sheet ")
        .skip(1)
        .filter_map(|s| s.split("name=\"").nth(1)?.split('"').next().map(str::to_string))
        .collect()
}

fn workbook_part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut text = String::new();
    archive.by_name(name).expect("a workbook part").read_to_string(&mut text).unwrap();
    text
}
