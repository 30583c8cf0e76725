//! The `gongdao` program itself, as an operator runs it.

use std::process::{Command, Stdio};
use std::time::Duration;

/// systemd, Docker and `kill` stop a service with SIGTERM: the server must shut down
/// as it does on Ctrl-C (requests in flight finish, exit status 0), not die by the signal.
#[cfg(unix)]
#[tokio::test]
async fn the_server_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_gongdao"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{port}/healthz");
    let mut up = false;
    for _ in 0..600 {
        if client.get(&health).send().await.is_ok_and(|r| r.status().is_success()) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !up {
        let _ = server.kill();
        panic!("the server did not answer /healthz");
    }

    let sent = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let mut status = None;
    for _ in 0..600 {
        if let Some(s) = server.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(status) = status else {
        let _ = server.kill();
        panic!("the server did not stop after SIGTERM");
    };
    assert!(status.success(), "a clean stop, not death by the signal: {status:?}");
    assert!(client.get(&health).send().await.is_err(), "nothing listens any more");
}

/// `gongdao plan check`: the shipped plan is summed up; a broken one names its line and
/// fails.
#[test]
fn a_plan_file_is_checked_from_the_command_line() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/plan/taobei-2021-2025.toml");
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_gongdao")).args(["plan", "check", shipped]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        said.contains("洮北区“十四五”公共法律服务体系建设规划") && said.contains("指标 17 项，任务 23 项"),
        "{said}"
    );
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("plan.toml");
    let text =
        std::fs::read_to_string(shipped).unwrap().replacen("measure = \"green_channel\"", "measure = \"green\"", 1);
    std::fs::write(&broken, &text).unwrap();
    let line = text.lines().position(|l| l == "measure = \"green\"").unwrap() + 1;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongdao"))
        .arg("plan")
        .arg("check")
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(&format!("第 {line} 行")) && said.contains("不认识指标算法"), "{said}");

    // `plan import` refuses the broken file (nothing kept) and keeps the shipped one in
    // an empty data folder's database, audited as the command line's.
    let data = tempfile::tempdir().unwrap();
    let import = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gongdao"))
            .args(["plan", "import"])
            .arg(file)
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .unwrap()
    };
    let out = import(&broken);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("未导入"));
    let out = import(std::path::Path::new(shipped));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("已导入") && said.contains("指标 17 项，任务 23 项"), "{said}");
    assert_eq!(plan_files(&data.path().join("gongdao.db")), 1, "one plan file kept");
}

/// How many plan files the SQLite database of a data folder holds.
fn plan_files(path: &std::path::Path) -> usize {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let options = gongdao_store::StoreOptions { url: format!("sqlite://{}", path.display()), max_connections: 1 };
        let store = gongdao_store::Store::open(&options).await.unwrap();
        gongdao_store::config::all(store.reader()).await.unwrap().iter().filter(|f| f.name == "plan").count()
    })
}
