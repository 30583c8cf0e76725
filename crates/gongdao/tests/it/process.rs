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
