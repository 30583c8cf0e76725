//! The `gongdao` command line. Everything it runs lives in the library.

use std::path::PathBuf;
use std::time::Instant;

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
        ..store_overrides(&args.store)
    };
    let settings = Settings::resolve(file, over);
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
    println!("服务网点（公开页面）：http://{}/service-points", running.addr);
    running
        .wait(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
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
        .map_err(|e| e.to_string())?;
    println!(
        "已写入 {n} 件服务事项，用时 {:.1} 秒（{}）",
        started.elapsed().as_secs_f64(),
        services.store().backend().name()
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
