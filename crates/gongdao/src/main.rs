//! The `gongdao` command line. Everything it runs lives in the library.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use gongdao::settings::{FileSettings, Secret, Settings};
use gongdao::{open_services, start};
use gongdao_services::demo::{DEMO_ACCOUNTS, SynthSpec};

#[derive(Parser)]
#[command(name = "gongdao", version, about = "公道：公共法律服务平台")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform (HTTP server and background work).
    Serve(ServeArgs),
    /// Generate a province-sized synthetic network into an empty database (benchmarks).
    Synth(SynthArgs),
    /// Add synthetic service requests to a database holding a district (benchmarks).
    SynthRequests(SynthRequestsArgs),
    /// Add synthetic legal aid cases to a database holding a district (benchmarks).
    SynthLegalAid(SynthLegalAidArgs),
    /// Writes synthetic evaluations (好差评) for the benchmarks: rated services with
    /// their invitations and tallies, and optionally open invitations with their tokens.
    SynthEvaluations(SynthEvaluationsArgs),
    /// Writes synthetic held events (普法、巡回服务) over the townships and villages of
    /// the installation, for the dashboard's benchmark.
    SynthEvents(SynthEventsArgs),
    /// The law corpus: import it, measure the search.
    #[command(subcommand)]
    Laws(LawsCommand),
    /// The audit trail's hash chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// A district's plan file (规划): check it before it is imported.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Copy the database, consistently and while it runs, into a new folder with a
    /// manifest of every table (SQLite: VACUUM INTO; PostgreSQL: pg_dump). The key that
    /// seals personal data is not copied: keep it apart.
    Backup(BackupArgs),
    /// Restore a backup folder into an empty database and check every table against
    /// its manifest (needs the same key).
    Restore(RestoreArgs),
    /// Show the SMS the file sender wrote on a day, opened with the installation's key
    /// (the file holds the phones masked and the texts sealed).
    SmsLog(SmsLogArgs),
    /// The key that seals personal data: rotate it, or see how far a rotation has come.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Put a new key first in the data folder's key file (the old ones stay to open
    /// older data); servers seal with it from their next start and move every sealed
    /// value to it in the background. With `secret_key` configured, prints a new key
    /// and what to set instead.
    Rotate(KeysArgs),
    /// Sealed values per column, and how many the current key has sealed.
    Status(KeysArgs),
}

#[derive(Args)]
struct KeysArgs {
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct BackupArgs {
    /// The new (or empty) folder to write.
    dest: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct RestoreArgs {
    /// A folder written by `gongdao backup`.
    src: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Check a plan file and say what it holds, or the first mistake with its line.
    Check(PlanCheckArgs),
    /// Check a plan file and make it the plan in force (the installation's, or with
    /// `--district` a district's own on a city or province installation); nothing is
    /// kept when any line is wrong. Audited; the previous version stays in the audit log.
    Import(PlanImportArgs),
}

#[derive(Args)]
struct PlanImportArgs {
    /// The plan file (TOML).
    file: PathBuf,
    /// Twelve-digit code of the district whose plan it is (city or province installations).
    #[arg(long, default_value = "")]
    district: String,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct PlanCheckArgs {
    /// The plan file (TOML), e.g. data/plan/taobei-2021-2025.toml.
    file: PathBuf,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every entry of the audit chain and the anchors (in the database and in
    /// audit-anchors.log of the data folder); names the first broken link.
    Verify(AuditVerifyArgs),
}

#[derive(Args)]
struct AuditVerifyArgs {
    /// Anchors kept elsewhere [default: audit-anchors.log in the data folder].
    #[arg(long)]
    anchors: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct SmsLogArgs {
    /// The day, YYYY-MM-DD [default: today].
    #[arg(long)]
    day: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Subcommand)]
enum LawsCommand {
    /// Import a LawRefBook-format corpus folder (e.g. ../shared/laws) into the database.
    Import(LawsImportArgs),
    /// Measure search quality on labelled question files (JSON lines) against the two
    /// baselines, and print a Markdown table.
    Eval(LawsEvalArgs),
    /// Embed the stored articles for the semantic re-ranking (needs the model of
    /// scripts/semantic-model.sh); already embedded texts are skipped.
    Embed(LawsEmbedArgs),
}

#[derive(Args)]
struct ModelArgs {
    /// Folder of the sentence-embedding model (scripts/semantic-model.sh)
    /// [default: ~/.cache/gongdao/semantic when present].
    #[arg(long, env = "GONGDAO_LAW_MODEL_DIR")]
    law_model_dir: Option<PathBuf>,
}

#[derive(Args)]
struct LawsEmbedArgs {
    /// Embed at most this many passages in this run (the texts in force and the laws
    /// first); the rest on the next run.
    #[arg(long)]
    limit: Option<usize>,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct LawsImportArgs {
    /// The corpus folder.
    dir: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct LawsEvalArgs {
    /// Question files: `{"id", "question", "law", "articles": [..]}` per line.
    #[arg(long = "questions", required = true)]
    questions: Vec<PathBuf>,
    /// Versions in force on this day [default: today].
    #[arg(long)]
    as_of: Option<String>,
    /// Print each question that misses the top 5 (for development).
    #[arg(long)]
    misses: bool,
    /// Use this search vocabulary and ranking instead of the shipped
    /// data/laws/lexicon.toml (to try a change without a new build).
    #[arg(long)]
    lexicon: Option<PathBuf>,
    /// Instead of the report, write each question's candidates with their features
    /// to this JSON-lines file (for bench/ranking/train.py, which fits the weights).
    #[arg(long)]
    features: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct SynthLegalAidArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, default_value_t = 1_000_000)]
    count: u32,
    /// Spread the applications over this many days before today.
    #[arg(long, default_value_t = 1825)]
    days: i64,
    /// Division code of the installation's top region [default: 220802].
    #[arg(long, env = "GONGDAO_HOME_REGION")]
    home_region: Option<String>,
}

#[derive(Args)]
struct SynthEvaluationsArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Rated services to write (each with its used invitation).
    #[arg(long, default_value_t = 2_000_000)]
    count: u32,
    /// Spread them over this many days before today.
    #[arg(long, default_value_t = 730)]
    days: i64,
    /// Also write this many open invitations and their tokens, one a line, to `--tokens`
    /// (for the load test of rating).
    #[arg(long, default_value_t = 0)]
    open: u32,
    #[arg(long)]
    tokens: Option<PathBuf>,
    /// Division code of the installation's top region [default: 220802].
    #[arg(long, env = "GONGDAO_HOME_REGION")]
    home_region: Option<String>,
}

#[derive(Args)]
struct SynthEventsArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, default_value_t = 100_000)]
    count: u32,
    /// Spread them over this many days before today.
    #[arg(long, default_value_t = 730)]
    days: u32,
    /// Division code of the installation's top region [default: 220802].
    #[arg(long, env = "GONGDAO_HOME_REGION")]
    home_region: Option<String>,
}

#[derive(Args)]
struct SynthRequestsArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, default_value_t = 1_000_000)]
    count: u32,
    /// Share of the requests still open.
    #[arg(long, default_value_t = 0.05)]
    open_share: f64,
    /// Division code of the installation's top region [default: 220802].
    #[arg(long, env = "GONGDAO_HOME_REGION")]
    home_region: Option<String>,
}

#[derive(Args)]
struct StoreArgs {
    /// Settings file (TOML).
    #[arg(long, env = "GONGDAO_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the SQLite database and the key file [default: ./gongdao-data].
    #[arg(long, env = "GONGDAO_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite://FILE or postgres://USER@HOST/DB [default: SQLite in the data folder].
    #[arg(long, env = "GONGDAO_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "GONGDAO_LISTEN")]
    listen: Option<String>,
    /// Seed the demo district 洮北区 into an empty database.
    #[arg(long, env = "GONGDAO_DEMO")]
    demo: bool,
    /// Password of the demo accounts [default: gongdao-demo].
    #[arg(long, env = "GONGDAO_DEMO_PASSWORD")]
    demo_password: Option<String>,
    /// Division code of the installation's top region [default: 220802].
    #[arg(long, env = "GONGDAO_HOME_REGION")]
    home_region: Option<String>,
    /// Base64 key sealing personal data [default: key file in the data folder].
    #[arg(long, env = "GONGDAO_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// Import the law corpus in this folder at start (e.g. ../shared/laws, a clone of
    /// LawRefBook/Laws).
    #[arg(long, env = "GONGDAO_LAWS_DIR")]
    laws_dir: Option<PathBuf>,
    /// Law searches per second and client address [default: 10].
    #[arg(long, env = "GONGDAO_LAW_SEARCHES_PER_SECOND")]
    law_searches_per_second: Option<f64>,
    /// The address citizens reach the site at, for links in SMS (the rating link)
    /// [default: http:// and the listen address].
    #[arg(long, env = "GONGDAO_PUBLIC_URL")]
    public_url: Option<String>,
    /// Public filings, bookings, lookups and ratings per second and client address
    /// [default: 1, bursts of 30].
    #[arg(long, env = "GONGDAO_PUBLIC_REQUESTS_PER_SECOND")]
    public_requests_per_second: Option<f64>,
    /// The law search's vocabulary and ranking [default: the shipped data/laws/lexicon.toml].
    #[arg(long, env = "GONGDAO_LAW_LEXICON")]
    law_lexicon: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
}

#[derive(Args)]
struct SynthArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, default_value_t = 60)]
    districts: u32,
    #[arg(long, default_value_t = 1000)]
    townships: u32,
    #[arg(long, default_value_t = 15000)]
    villages: u32,
    #[arg(long, default_value_t = 100000)]
    people: u32,
    /// Two-digit province code to build under.
    #[arg(long, default_value_t = 52)]
    province: u64,
    /// Password of an `admin` account scoped to the whole province.
    #[arg(long, default_value = "gongdao-demo")]
    admin_password: String,
}

fn file_settings(path: &Option<PathBuf>) -> Result<FileSettings, String> {
    match path {
        Some(p) => FileSettings::load(p),
        None => Ok(FileSettings::default()),
    }
}

fn store_overrides(store: &StoreArgs) -> FileSettings {
    FileSettings { data_dir: store.data_dir.clone(), database_url: store.database_url.clone(), ..Default::default() }
}

fn redact(url: &str) -> String {
    // Hide a password in postgres://user:password@host/db.
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let file = file_settings(&args.store.config)?;
    let over = FileSettings {
        listen: args.listen,
        demo: args.demo.then_some(true),
        demo_password: args.demo_password.map(Secret),
        home_region: args.home_region,
        secret_key: args.secret_key.map(Secret),
        laws_dir: args.laws_dir,
        law_searches_per_second: args.law_searches_per_second,
        public_requests_per_second: args.public_requests_per_second,
        public_url: args.public_url,
        law_lexicon: args.law_lexicon,
        law_model_dir: args.model.law_model_dir,
        ..store_overrides(&args.store)
    };
    let settings = Settings::resolve(file, over);
    let stop = stop_requested();
    let started = Instant::now();
    let running = start(&settings).await.map_err(|e| e.to_string())?;
    println!("公道 gongdao 已启动：http://{}/", running.addr);
    println!("数据库：{}", redact(&settings.database_url));
    if let Some(report) = &running.seeded {
        if report.seeded {
            println!(
                "已生成演示数据（洮北区）：{} 个区划、{} 个机构、{} 名人员、{} 个账号（用时 {:.1} 秒）",
                report.regions,
                report.institutions,
                report.people,
                report.accounts,
                started.elapsed().as_secs_f64()
            );
        } else {
            println!("演示数据已存在，未重复生成。");
        }
        println!("演示账号（密码均为 {}）：", settings.demo_password.0);
        for (username, role, _) in DEMO_ACCOUNTS {
            println!("  {username:<11} {}", role.label());
        }
    }
    println!("群众门户（公开页面）：http://{}/ ；自助终端：http://{}/?kiosk=1", running.addr, running.addr);
    running.wait(stop).await.map_err(|e| e.to_string())
}

/// Resolves when the operator asks the server to stop: Ctrl-C in a terminal, or SIGTERM
/// from systemd, Docker or `kill`, so both let requests in flight finish. The handlers
/// are installed when this is called, before the server listens: a SIGTERM sent as soon
/// as the server answers must not meet the default action (death by the signal).
fn stop_requested() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    };
    async move {
        #[cfg(unix)]
        match signals {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            (_, Err(e)) | (Err(e), _) => {
                tracing::warn!(error = %e, "SIGTERM not handled; Ctrl-C still stops the server");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("stopping: requests in flight may finish");
    }
}

async fn synth(args: SynthArgs) -> Result<(), String> {
    let settings = Settings::resolve(file_settings(&args.store.config)?, store_overrides(&args.store));
    let services = open_services(&settings).await.map_err(|e| e.to_string())?;
    let spec = SynthSpec {
        province: args.province,
        districts: args.districts,
        townships: args.townships,
        villages: args.villages,
        people: args.people,
        admin_password: Some(args.admin_password),
        ..Default::default()
    };
    let started = Instant::now();
    let report = services
        .synthesize(&spec, |stage| eprintln!("[{:>6.1}s] {stage}", started.elapsed().as_secs_f64()))
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "合成完成：{} 个区划、{} 个机构、{} 名人员，用时 {:.1} 秒（{}）",
        report.regions,
        report.institutions,
        report.people,
        started.elapsed().as_secs_f64(),
        services.store().backend().name()
    );
    Ok(())
}

async fn synth_requests(args: SynthRequestsArgs) -> Result<(), String> {
    let over = FileSettings { home_region: args.home_region, ..store_overrides(&args.store) };
    let settings = Settings::resolve(file_settings(&args.store.config)?, over);
    let services = open_services(&settings).await.map_err(|e| e.to_string())?;
    let spec = gongdao_services::demo::RequestSynthSpec {
        count: args.count,
        open_share: args.open_share.clamp(0.0, 1.0),
        seed: 7,
    };
    let started = Instant::now();
    let n = services
        .synthesize_requests(&spec, |stage| eprintln!("[{:>6.1}s] {stage}", started.elapsed().as_secs_f64()))
        .await
        .map_err(|e| format!("{e:?}"))?;
    println!(
        "已写入 {n} 件服务事项，用时 {:.1} 秒（{}）",
        started.elapsed().as_secs_f64(),
        services.store().backend().name()
    );
    Ok(())
}

async fn synth_legal_aid(args: SynthLegalAidArgs) -> Result<(), String> {
    let over = FileSettings { home_region: args.home_region, ..store_overrides(&args.store) };
    let settings = Settings::resolve(file_settings(&args.store.config)?, over);
    let services = open_services(&settings).await.map_err(|e| e.to_string())?;
    let spec = gongdao_services::legal_aid::LegalAidSynthSpec { count: args.count, days: args.days, seed: 11 };
    let started = Instant::now();
    let n = services
        .synthesize_legal_aid(&spec, |stage| eprintln!("[{:>6.1}s] {stage}", started.elapsed().as_secs_f64()))
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "已写入 {n} 件法律援助案件，用时 {:.1} 秒（{}）",
        started.elapsed().as_secs_f64(),
        services.store().backend().name()
    );
    Ok(())
}

async fn synth_events(args: SynthEventsArgs) -> Result<(), String> {
    let over = FileSettings { home_region: args.home_region, ..store_overrides(&args.store) };
    let settings = Settings::resolve(file_settings(&args.store.config)?, over);
    let services = open_services(&settings).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let total = services.synthesize_events(args.count, args.days).await.map_err(|e| e.to_string())?;
    println!("已写入 {} 场活动（共 {total} 场），用时 {:.1} 秒", args.count, started.elapsed().as_secs_f64());
    Ok(())
}

async fn synth_evaluations(args: SynthEvaluationsArgs) -> Result<(), String> {
    let over = FileSettings { home_region: args.home_region, ..store_overrides(&args.store) };
    let settings = Settings::resolve(file_settings(&args.store.config)?, over);
    let services = open_services(&settings).await.map_err(|e| e.to_string())?;
    let spec = gongdao_services::evaluation::EvaluationSynthSpec {
        count: args.count,
        days: args.days,
        open: args.open,
        seed: 17,
    };
    let started = Instant::now();
    let (n, tokens) = services
        .synthesize_evaluations(&spec, |stage| eprintln!("[{:>6.1}s] {stage}", started.elapsed().as_secs_f64()))
        .await
        .map_err(|e| e.to_string())?;
    if let Some(path) = &args.tokens {
        std::fs::write(path, tokens.join("\n") + "\n").map_err(|e| format!("无法写入 {}：{e}", path.display()))?;
    }
    println!(
        "已写入 {n} 条评价和 {} 个待评价邀请，用时 {:.1} 秒（{}）",
        tokens.len(),
        started.elapsed().as_secs_f64(),
        services.store().backend().name()
    );
    Ok(())
}

async fn backup(args: BackupArgs) -> Result<(), String> {
    let settings = Settings::resolve(file_settings(&args.store.config)?, store_overrides(&args.store));
    let started = Instant::now();
    let m = gongdao::backup::backup(&settings, &args.dest).await?;
    let rows: u64 = m.tables.values().map(|t| t.rows).sum();
    println!(
        "已备份到 {}：{} 张表、{} 行（{}，密钥标识 {}，用时 {:.1} 秒）。请另行保管个人信息密钥。",
        args.dest.display(),
        m.tables.len(),
        rows,
        m.backend,
        m.key_id,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn restore(args: RestoreArgs) -> Result<(), String> {
    let settings = Settings::resolve(file_settings(&args.store.config)?, store_overrides(&args.store));
    let started = Instant::now();
    let m = gongdao::backup::restore(&settings, &args.src).await?;
    let rows: u64 = m.tables.values().map(|t| t.rows).sum();
    println!(
        "已恢复 {} 张表、{} 行，逐表核对与备份一致（备份时间 {}，用时 {:.1} 秒）",
        m.tables.len(),
        rows,
        m.created_at.to_rfc3339(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn audit_verify(args: AuditVerifyArgs) -> Result<(), String> {
    let settings = Settings::resolve(file_settings(&args.store.config)?, store_overrides(&args.store));
    let services = open_services(&settings).await.map_err(|e| e.to_string())?;
    let anchors = args.anchors.unwrap_or_else(|| settings.data_dir.join(gongdao::AUDIT_ANCHOR_FILE));
    let report = services.verify_audit_chain(Some(&anchors)).await.map_err(|e| e.to_string())?;
    match report.broken {
        None => {
            println!(
                "审计链完整：校验 {} 条记录、{} 个锚点（另有 {} 条记录早于审计链，未纳入校验）",
                report.checked, report.anchors, report.unchained
            );
            Ok(())
        }
        Some(b) => Err(format!(
            "审计链在第 {} 条{}处断开：{}（此前 {} 条完好）",
            b.seq,
            b.id.map(|id| format!("（记录 id {id}）")).unwrap_or_default(),
            b.reason,
            report.checked
        )),
    }
}

async fn keys_rotate(args: KeysArgs) -> Result<(), String> {
    let settings = Settings::resolve(file_settings(&args.store.config)?, store_overrides(&args.store));
    if let Some(current) = &settings.secret_key {
        let fresh = gongdao_store::PiiCipher::generate_base64();
        println!("配置了 secret_key，密钥不在密钥文件中。请按以下两步轮换（不停机）：");
        println!("1. 在每个实例的配置中把新密钥加入 previous_secret_keys，逐个重启（此时新密钥只用于解密）：");
        println!("   {fresh}");
        println!("2. 再把新密钥设为 secret_key、原密钥移入 previous_secret_keys，逐个重启；");
        println!(
            "   服务器会在后台把已加密的个人信息改用新密钥，`gongdao keys status` 可查看进度，完成后可删除原密钥。"
        );
        let _ = current;
        return Ok(());
    }
    let path = settings.data_dir.join(gongdao::KEY_FILE);
    let before = gongdao_store::PiiCipher::load_or_create(&path).map_err(|e| e.to_string())?;
    let ring = gongdao_store::PiiCipher::rotate_key_file(&path).map_err(|e| e.to_string())?;
    println!(
        "已生成新密钥（标识 {}），写在 {} 的第一行；原密钥（标识 {}）保留用于打开旧数据。",
        ring.key_id(),
        path.display(),
        before.key_id()
    );
    println!("重启服务器后，新数据用新密钥加密，已有数据在后台逐步改用新密钥；`gongdao keys status` 可查看进度。");
    println!("请同时更新密钥的异地备份。");
    Ok(())
}

async fn keys_status(args: KeysArgs) -> Result<(), String> {
    let settings = Settings::resolve(file_settings(&args.store.config)?, store_overrides(&args.store));
    let services = open_services(&settings).await.map_err(|e| e.to_string())?;
    let ids = services.key_ids();
    println!(
        "当前密钥 {}；仅用于解密的旧密钥：{}",
        ids[0],
        if ids.len() > 1 { ids[1..].join("、") } else { "无".into() }
    );
    let mut left = 0;
    for c in services.key_status().await.map_err(|e| e.to_string())? {
        println!("{:<40} {:>9} 个，其中新密钥 {:>9} 个", c.column, c.sealed, c.current);
        left += c.sealed - c.current;
    }
    if left == 0 {
        println!("全部个人信息都已使用当前密钥加密。");
    } else {
        println!("还有 {left} 个值使用旧密钥，运行中的服务器会在后台继续处理。");
    }
    Ok(())
}

async fn sms_log(args: SmsLogArgs) -> Result<(), String> {
    let settings = Settings::resolve(file_settings(&args.store.config)?, store_overrides(&args.store));
    let services = open_services(&settings).await.map_err(|e| e.to_string())?;
    let day = match args.day.as_deref() {
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| format!("日期“{d}”应为 YYYY-MM-DD"))?,
        None => services.today(),
    };
    let path = gongdao_services::notify::sms_log_path(&settings.data_dir, day);
    if !path.exists() {
        println!("{day} 没有短信记录（{}）", path.display());
        return Ok(());
    }
    for (line, body) in services.read_sms_log(&path).map_err(|e| e.to_string())? {
        let at = gongdao_domain::calendar::china_local(line.at).format("%H:%M:%S");
        println!("{at}  {}  {}  {body}", line.phone, line.template);
    }
    Ok(())
}

async fn laws_import(args: LawsImportArgs) -> Result<(), String> {
    use gongdao_lawbase::import::Progress;
    let settings = Settings::resolve(file_settings(&args.store.config)?, store_overrides(&args.store));
    let services = open_services(&settings).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    eprintln!("正在读取 {} …", args.dir.display());
    let report = services
        .import_laws(&args.dir, |p| match p {
            Progress::Reading { done, total } => eprint!("\r读取文件 {done}/{total}   "),
            Progress::Storing { done, total } => eprint!("\r写入数据库 {done}/{total}   "),
        })
        .await
        .map_err(|e| e.to_string())?;
    eprintln!();
    let imported = started.elapsed().as_secs_f64();
    for e in &report.errors {
        eprintln!("已跳过：{e}");
    }
    for d in &report.duplicates {
        eprintln!("重复文件（与另一目录中的同一版本相同），已跳过：{d}");
    }
    for s in &report.skipped {
        eprintln!("不是法律法规（法规库的说明或模板），已跳过：{s}");
    }
    if report.removed > 0 {
        eprintln!("已删除以前误导入的 {} 个非法律法规条目（说明文件、模板）", report.removed);
    }
    let built = services.refresh_law_index().await.map_err(|e| e.to_string())?;
    let counts = gongdao_store::laws::counts(services.store().reader()).await.map_err(|e| e.to_string())?;
    println!(
        "导入完成：{} 个文件；新增 {} 个版本、更新 {} 个、未变 {} 个；写入 {} 条；案例新增 {} 个；跳过 {} 个有问题的文件（用时 {:.1} 秒）",
        report.files,
        report.versions_added,
        report.versions_replaced,
        report.versions_unchanged,
        report.articles_written,
        report.cases_added,
        report.errors.len(),
        imported
    );
    println!(
        "数据库中现有 {} 部法律法规、{} 个版本、{} 条条文、{} 个案例",
        counts.laws, counts.versions, counts.articles, counts.cases
    );
    if let Some(b) = built {
        println!(
            "检索索引：{} 条条文、{} 个案例，读取 {} 毫秒，建立 {} 毫秒；合计用时 {:.1} 秒",
            b.articles,
            b.cases,
            b.load_ms,
            b.index_ms,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Settings of a `laws` command: the store's and the model folder.
fn law_settings(store: &StoreArgs, model: &ModelArgs) -> Result<Settings, String> {
    let over = FileSettings { law_model_dir: model.law_model_dir.clone(), ..store_overrides(store) };
    Ok(Settings::resolve(file_settings(&store.config)?, over))
}

async fn laws_embed(args: LawsEmbedArgs) -> Result<(), String> {
    let settings = law_settings(&args.store, &args.model)?;
    let services = open_services(&settings).await.map_err(|e| e.to_string())?;
    let base = services.law_base();
    if base.encoder().is_none() {
        return Err("未找到语义模型：请先运行 scripts/semantic-model.sh，或用 --law-model-dir 指定模型目录".into());
    }
    let started = Instant::now();
    let mut last_shown = Instant::now();
    let mut show = |p: gongdao_lawbase::EmbedProgress| {
        if p.done == 0 || p.done == p.total || last_shown.elapsed() >= Duration::from_secs(5) {
            last_shown = Instant::now();
            let secs = started.elapsed().as_secs_f64();
            let rate = if secs > 0.0 { p.done as f64 / secs } else { 0.0 };
            let left = if rate > 0.0 { (p.total - p.done) as f64 / rate / 60.0 } else { 0.0 };
            eprintln!("向量化：{} / {}（每秒 {rate:.1} 条，约剩 {left:.0} 分钟）", p.done, p.total);
        }
    };
    let report = base.embed_missing(args.limit, &mut show).await.map_err(|e| e.to_string())?;
    println!(
        "向量化完成：共 {} 段条文文本，之前已有 {} 段，本次新增 {} 段，删除已无条文使用的 {} 段（用时 {:.1} 秒）；尚缺 {} 段",
        report.passages,
        report.already,
        report.embedded,
        report.removed,
        started.elapsed().as_secs_f64(),
        report.passages - report.already - report.embedded
    );
    Ok(())
}

async fn laws_eval(args: LawsEvalArgs) -> Result<(), String> {
    let settings = law_settings(&args.store, &args.model)?;
    let services = open_services(&settings).await.map_err(|e| e.to_string())?;
    services.refresh_law_index().await.map_err(|e| e.to_string())?;
    let as_of = gongdao_services::laws::parse_as_of(args.as_of.as_deref()).map_err(|e| e.to_string())?;
    let custom;
    let base = match &args.lexicon {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let lexicon = gongdao_lawbase::Lexicon::parse(&text).map_err(|e| e.to_string())?;
            let encoder = services.law_base().encoder().cloned();
            custom = gongdao_lawbase::LawBase::new(services.store().clone(), lexicon, encoder);
            custom.refresh().await.map_err(|e| e.to_string())?;
            &custom
        }
        None => services.law_base(),
    };
    if let Some(out) = &args.features {
        let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
        let mut file = std::io::BufWriter::new(file);
        for path in &args.questions {
            let questions = gongdao_lawbase::eval::read_questions(path)?;
            gongdao_lawbase::eval::write_features(base, &questions, as_of, &mut file)
                .await
                .map_err(|e| e.to_string())?;
        }
        return std::io::Write::flush(&mut file).map_err(|e| format!("{}: {e}", out.display()));
    }
    println!("| question set | questions | system | hit@1 | hit@5 | hit@10 | MRR@10 | p50 ms | p99 ms |");
    println!("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for path in &args.questions {
        let questions = gongdao_lawbase::eval::read_questions(path)?;
        let report = gongdao_lawbase::eval::compare(base, &questions, as_of).await.map_err(|e| e.to_string())?;
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let semantic =
            report.ours_semantic.map(|(s, ms)| ("gongdao: words + meaning (e5-small), fitted weights", s, ms));
        for (system, s, (p50, p99)) in semantic.into_iter().chain([
            ("gongdao: words (jieba + lexicon), fitted weights", report.ours, report.ours_ms),
            ("baseline: jieba + plain BM25", report.jieba_bm25, report.jieba_bm25_ms),
            ("baseline: SQLite FTS5 trigram", report.fts5_trigram, report.fts5_trigram_ms),
        ]) {
            println!(
                "| {name} | {} | {system} | {:.3} | {:.3} | {:.3} | {:.3} | {p50:.2} | {p99:.2} |",
                s.questions, s.hit1, s.hit5, s.hit10, s.mrr10
            );
        }
        if args.misses {
            for q in &questions {
                let mut params = gongdao_lawbase::SearchParams::new(q.question.clone(), as_of);
                params.semantic = true;
                let hits = base.search(params).await.map_err(|e| e.to_string())?.hits;
                let results: Vec<(String, u32)> = hits.iter().map(|h| (h.law.clone(), h.article)).collect();
                if gongdao_lawbase::eval::first_rank(q, &results).is_none_or(|r| r > 5) {
                    let got: Vec<String> = hits.iter().take(3).map(|h| format!("{}{}", h.law, h.article)).collect();
                    eprintln!("MISS {} {} want {}{:?} got {:?}", q.id, q.question, q.law, q.articles, got);
                }
            }
        }
    }
    Ok(())
}

fn plan_check(args: &PlanCheckArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.file).map_err(|e| format!("读不了 {}：{e}", args.file.display()))?;
    let plan = gongdao_domain::plan::Plan::parse(&text).map_err(|e| format!("{}：{}", args.file.display(), e.0))?;
    println!("{}（{}，第 {} 版）：{} 至 {}", plan.title, plan.id, plan.version, plan.from, plan.to);
    for s in &plan.stages {
        println!("  阶段 {}：{}，到 {}", s.id, s.name, s.until);
    }
    println!("  指标 {} 项，任务 {} 项", plan.indicators.len(), plan.tasks.len());
    for i in &plan.indicators {
        let targets: Vec<String> = i.targets.iter().map(|(s, t)| format!("{s} {}{t}", i.direction.code())).collect();
        println!("  {} {}（{}）：{} {}", i.id, i.name, i.measure.code(), targets.join("，"), i.unit.code());
    }
    Ok(())
}

async fn plan_import(args: PlanImportArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.file).map_err(|e| format!("读不了 {}：{e}", args.file.display()))?;
    let settings = Settings::resolve(file_settings(&args.store.config)?, store_overrides(&args.store));
    let services = open_services(&settings).await.map_err(|e| e.to_string())?;
    let plan = services.import_plan(&args.district, &text).await.map_err(|e| match e {
        gongdao_services::ServiceError::Invalid(v) => {
            let messages: Vec<String> = v.0.into_iter().map(|f| f.message).collect();
            format!("{}：{}（未导入）", args.file.display(), messages.join("；"))
        }
        other => other.to_string(),
    })?;
    println!(
        "已导入 {}（{}，第 {} 版）：指标 {} 项，任务 {} 项",
        plan.title,
        plan.id,
        plan.version,
        plan.indicators.len(),
        plan.tasks.len()
    );
    Ok(())
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GONGDAO_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .init();
    let result = match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Synth(args) => synth(args).await,
        Command::SynthRequests(args) => synth_requests(args).await,
        Command::SynthLegalAid(args) => synth_legal_aid(args).await,
        Command::SynthEvaluations(args) => synth_evaluations(args).await,
        Command::SynthEvents(args) => synth_events(args).await,
        Command::Laws(LawsCommand::Import(args)) => laws_import(args).await,
        Command::Laws(LawsCommand::Eval(args)) => laws_eval(args).await,
        Command::Laws(LawsCommand::Embed(args)) => laws_embed(args).await,
        Command::SmsLog(args) => sms_log(args).await,
        Command::Audit(AuditCommand::Verify(args)) => audit_verify(args).await,
        Command::Plan(PlanCommand::Check(args)) => plan_check(&args),
        Command::Plan(PlanCommand::Import(args)) => plan_import(args).await,
        Command::Backup(args) => backup(args).await,
        Command::Restore(args) => restore(args).await,
        Command::Keys(KeysCommand::Rotate(args)) => keys_rotate(args).await,
        Command::Keys(KeysCommand::Status(args)) => keys_status(args).await,
    };
    if let Err(message) = result {
        eprintln!("错误：{message}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_passwords_are_hidden() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("sqlite://x.db"), "sqlite://x.db");
    }
}
