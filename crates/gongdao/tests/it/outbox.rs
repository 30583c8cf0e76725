//! The notification outbox: messages written with their event, delivered by a sender,
//! retried with backoff when the gateway is down, and never lost.

use std::sync::{Arc, Mutex};

use gongdao_services::notify::{Sender, WebhookSender, sms_log_path};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, backends, spawn_app_with};

async fn log_a_call(app: &crate::helpers::TestApp, phone: &str) {
    let hotline = app.login_as("hotline").await;
    let body = json!({"channel": "hotline", "category": "consultation", "requester": {"name": "孙女士", "phone": phone}, "region": "220802100201", "description": "劳动合同到期不续签有没有补偿"});
    let (status, _) = app.post(&hotline, "/api/v1/requests", body).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_file_sender_delivers_and_keeps_nothing_personal_in_the_clear() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.jobs_interval_ms = 0).await;
    log_a_call(&app, "13812340001").await;
    let dir = tempfile::tempdir().unwrap();
    // A folder that does not exist yet (a PostgreSQL set-up with no data folder).
    let folder = dir.path().join("not/there/yet");
    let sender: Arc<dyn Sender> = Arc::new(app.services.file_sender(folder.clone()));
    assert_eq!(app.services.deliver_outbox(&sender, 10).await.unwrap(), (1, 0));
    let path = sms_log_path(&folder, gongdao_domain::calendar::china_day(chrono::Utc::now()));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("13812340001") && !text.contains("孙女士") && !text.contains("已登记"), "{text}");
    let line: Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(line["phone"], "138****0001");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "owner only");
    }
    // The operator reads it opened.
    let lines = app.services.read_sms_log(&path).unwrap();
    assert!(lines[0].1.contains("已登记") && lines[0].1.contains("孙女士"), "{lines:?}");
    assert_eq!(gongdao_store::outbox::count_state(app.services.store().reader(), "sent").await.unwrap(), 1);
    assert_eq!(app.services.deliver_outbox(&sender, 10).await.unwrap(), (0, 0), "sent once");
    app.stop().await;
}

#[tokio::test]
async fn each_try_counts_once_and_an_unreadable_message_fails_alone() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        log_a_call(&app, "13812340004").await;
        log_a_call(&app, "13812340005").await;
        use gongdao_store::ConnectionTrait;
        let writer = app.services.store().writer();
        // One message sealed under another key (an instance started with the wrong one).
        let other = gongdao_store::PiiCipher::new(&[9u8; 32]).seal("13812340004");
        writer
            .execute_unprepared(&format!(
                "UPDATE outbox SET recipient_phone_enc = '{other}' WHERE id = (SELECT MIN(id) FROM outbox WHERE channel = 'sms')"
            ))
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let sender: Arc<dyn Sender> = Arc::new(app.services.file_sender(dir.path().to_path_buf()));
        assert_eq!(app.services.deliver_outbox(&sender, 10).await.unwrap(), (1, 1), "{backend:?}: the other goes");
        let rows = writer
            .query_all_raw(gongdao_store::Statement::from_string(
                writer.get_database_backend(),
                "SELECT state, attempts FROM outbox WHERE channel = 'sms' ORDER BY id",
            ))
            .await
            .unwrap();
        let seen: Vec<(String, i32)> =
            rows.iter().map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap())).collect();
        assert_eq!(seen, [("failed".to_string(), 1), ("sent".to_string(), 1)], "{backend:?}: one attempt each");
        app.stop().await;
    }
}

/// What the test gateway keeps: the messages it accepted, and how often it was called.
type GatewayState = (Arc<Mutex<Vec<Value>>>, Arc<Mutex<usize>>);

/// A gateway on loopback that fails the first `fail` calls, then accepts.
async fn gateway(fail: usize) -> (String, Arc<Mutex<Vec<Value>>>) {
    use axum::Json;
    use axum::extract::State;
    use axum::http::StatusCode as Code;
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let calls = Arc::new(Mutex::new(0usize));
    let state = (received.clone(), calls);
    let app = axum::Router::new()
        .route(
            "/sms",
            axum::routing::post(
                move |State((received, calls)): State<GatewayState>, Json(body): Json<Value>| async move {
                    let mut n = calls.lock().unwrap();
                    *n += 1;
                    if *n <= fail {
                        return Code::SERVICE_UNAVAILABLE;
                    }
                    received.lock().unwrap().push(body);
                    Code::OK
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn a_gateway_that_is_down_loses_nothing() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        log_a_call(&app, "13812340002").await;
        log_a_call(&app, "13812340003").await;
        // Nothing listens here: both attempts fail and wait for their retry.
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let down: Arc<dyn Sender> = Arc::new(WebhookSender::new(format!("http://127.0.0.1:{closed}/sms")));
        assert_eq!(app.services.deliver_outbox(&down, 10).await.unwrap(), (0, 2), "{backend:?}");
        assert_eq!(app.services.deliver_outbox(&down, 10).await.unwrap(), (0, 0), "backing off, not hammering");
        let reader = app.services.store().reader();
        assert_eq!(gongdao_store::outbox::count_state(reader, "pending").await.unwrap(), 2);
        // The gateway comes back but fails once more, then accepts.
        let (url, received) = gateway(1).await;
        let up: Arc<dyn Sender> = Arc::new(WebhookSender::new(url));
        {
            use gongdao_store::ConnectionTrait;
            app.services
                .store()
                .writer()
                .execute_unprepared("UPDATE outbox SET next_attempt_at = created_at")
                .await
                .unwrap();
        }
        assert_eq!(app.services.deliver_outbox(&up, 10).await.unwrap(), (1, 1));
        {
            use gongdao_store::ConnectionTrait;
            app.services
                .store()
                .writer()
                .execute_unprepared("UPDATE outbox SET next_attempt_at = created_at WHERE state = 'pending'")
                .await
                .unwrap();
        }
        assert_eq!(app.services.deliver_outbox(&up, 10).await.unwrap(), (1, 0));
        let got = received.lock().unwrap().clone();
        let phones: Vec<&str> = got.iter().map(|m| m["phone"].as_str().unwrap()).collect();
        assert_eq!(got.len(), 2, "{backend:?}: {phones:?}");
        assert!(phones.contains(&"13812340002") && phones.contains(&"13812340003"));
        assert_eq!(gongdao_store::outbox::count_state(reader, "sent").await.unwrap(), 2);
        assert_eq!(gongdao_store::outbox::count_state(reader, "pending").await.unwrap(), 0);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_burst_of_receipts_leaves_in_one_round_not_one_batch_a_tick() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let hotline = app.login_as("hotline").await;
        let calls = (0..250).map(|i| {
            let body = json!({"channel": "hotline", "category": "consultation",
                "requester": {"name": "孙女士", "phone": format!("1381234{i:04}")},
                "region": "220802100201", "description": "劳动合同到期不续签有没有补偿"});
            let (client, url, token) = (app.client.clone(), app.url("/api/v1/requests"), hotline.token.clone());
            async move { client.post(url).bearer_auth(token).json(&body).send().await.unwrap().status() }
        });
        for status in futures::future::join_all(calls).await {
            assert_eq!(status, StatusCode::CREATED);
        }
        let reader = app.services.store().reader();
        let pending = gongdao_store::outbox::count_state(reader, "pending").await.unwrap();
        assert!(pending >= 250, "{backend:?}: {pending}");
        let dir = tempfile::tempdir().unwrap();
        let sender: Arc<dyn Sender> = Arc::new(app.services.file_sender(dir.path().to_path_buf()));
        // More than two batches of 100, all in one round of the work loop.
        let (sent, failed) = app.services.drain_outbox(&sender).await.unwrap();
        assert_eq!((sent as u64, failed), (pending, 0), "{backend:?}");
        assert_eq!(gongdao_store::outbox::count_state(reader, "pending").await.unwrap(), 0);
        assert_eq!(gongdao_store::outbox::count_state(reader, "sent").await.unwrap(), pending);
        assert_eq!(app.services.drain_outbox(&sender).await.unwrap(), (0, 0), "{backend:?}: each once");
        app.stop().await;
    }
}
