//! Service requests over the API: intake, numbering, the first-contact workflow,
//! deadlines and their jobs, the dispatch board, incidents, citizens' tracking, and
//! the rules files.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, backends, error_fields, field_message, spawn_app, spawn_app_with};

fn call(phone: &str, groups: &[&str]) -> Value {
    json!({
        "channel": "hotline",
        "category": "consultation",
        "requester": {"name": "李大爷", "phone": phone, "groups": groups},
        "region": "220802100201",
        "description": "儿子不给赡养费，想咨询怎么办"
    })
}

async fn create(app: &TestApp, s: &Session, body: Value) -> Value {
    let (status, created) = app.post(s, "/api/v1/requests", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

async fn detail(app: &TestApp, s: &Session, id: i64) -> Value {
    let (status, d) = app.get(s, &format!("/api/v1/requests/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    d
}

fn timeline_kinds(d: &Value) -> Vec<String> {
    d["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_call_is_logged_numbered_and_confirmed() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let hotline = app.login_as("hotline").await;
        let created = create(&app, &hotline, call("13812345678", &["elderly"])).await;
        let number = created["number"].as_str().unwrap();
        assert!(number.starts_with("220802-") && number.len() == "220802-20261130-0001".len(), "{number}");
        assert_eq!(created["status"], "open");
        assert_eq!(created["priority"], "green");
        assert!(created["due_at"].is_string() && created["id"].is_i64());
        let id = created["id"].as_i64().unwrap();
        let d = detail(&app, &hotline, id).await;
        assert_eq!(d["first_owner"]["name"], "12348热线坐席");
        assert_eq!(d["owner_user"]["name"], "12348热线坐席");
        assert_eq!(d["requester_phone_masked"], "138****5678");
        assert!(d.get("requester_phone").is_none());
        assert_eq!(timeline_kinds(&d), vec!["received"]);
        let (_, messages) = app.get(&hotline, &format!("/api/v1/requests/{id}/messages")).await;
        let sms = &messages[0];
        assert_eq!(sms["channel"], "sms");
        assert_eq!(sms["template"], "receipt");
        assert!(sms["body"].as_str().unwrap().contains(number), "{sms}");
        assert_eq!(sms["recipient"], "138****5678");
        // The deadline job exists.
        let jobs = gongdao_store::jobs::of_subject(app.services.store().reader(), "deadline", id).await.unwrap();
        assert_eq!(jobs.len(), 1, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn numbers_stay_unique_under_concurrent_intake() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let hotline = app.login_as("hotline").await;
        let mut tasks = Vec::new();
        for i in 0..40 {
            let client = app.client.clone();
            let url = app.url("/api/v1/requests");
            let token = hotline.token.clone();
            tasks.push(tokio::spawn(async move {
                let body = call(&format!("139{:08}", i), &[]);
                let r = client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
                r.json::<Value>().await.unwrap()["number"].as_str().unwrap().to_string()
            }));
        }
        let mut numbers = HashSet::new();
        for t in tasks {
            numbers.insert(t.await.unwrap());
        }
        assert_eq!(numbers.len(), 40, "{backend:?}");
        let sequences: HashSet<u32> = numbers.iter().map(|n| n.rsplit('-').next().unwrap().parse().unwrap()).collect();
        assert_eq!(sequences, (1..=40).collect::<HashSet<u32>>(), "{backend:?}: one per call, no gaps");
        app.stop().await;
    }
}

#[tokio::test]
async fn transfer_refusal_acceptance_escalation_and_closing() {
    for backend in backends() {
        // Background work off: the test runs the jobs itself.
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let hotline = app.login_as("hotline").await;
        let window = app.login_as("window").await;
        let mediator = app.login_as("mediator").await;
        let workstation = app.institution_id(&hotline, "平台镇公共法律服务工作站").await;
        let id = create(&app, &hotline, call("13812345678", &[])).await["id"].as_i64().unwrap();
        let base = format!("/api/v1/requests/{id}");

        // The hotline hands it to the township workstation; it stays the hotline's.
        let (status, r) = app
            .post(
                &hotline,
                &format!("{base}/transfer"),
                json!({"to_institution": workstation, "reason": "需要当地工作站上门了解情况"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["status"], "transferring");
        assert_eq!(r["owner_user"]["name"], "12348热线坐席");
        assert_eq!(r["target_institution"]["name"], "平台镇公共法律服务工作站");
        assert!(r["accept_due_at"].is_string());
        // The window sees it waiting; the mediator, at another institution, may not accept it.
        assert_eq!(app.total(&window, "/api/v1/requests?waiting=true").await, 1);
        let (status, body) = app.post(&mediator, &format!("{base}/accept"), json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("不是流转给您"));
        // The window refuses, with a reason: back to the hotline.
        let (status, body) = app.post(&window, &format!("{base}/refuse"), json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["text"]);
        let (status, r) = app.post(&window, &format!("{base}/refuse"), json!({"text": "请先补充当事人住址"})).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["status"], "open");
        assert!(r["target_institution"].is_null());
        // Again, and this time accepted: ownership moves.
        app.post(&hotline, &format!("{base}/transfer"), json!({"to_institution": workstation, "reason": "已补充住址"}))
            .await;
        let version = detail(&app, &window, id).await["version"].clone();
        let (status, r) = app.post(&window, &format!("{base}/accept"), json!({"version": version})).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["owner_user"]["name"], "平台镇工作站窗口");
        assert_eq!(r["first_owner"]["name"], "12348热线坐席", "the first contact stays on record");
        // The hotline may no longer act on it.
        let (status, _) = app.post(&hotline, &format!("{base}/resolve"), json!({"text": "x"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // A stale version is a conflict, not a lost update.
        let (status, body) =
            app.post(&window, &format!("{base}/reply"), json!({"text": "已电话联系", "version": version})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{backend:?}: {body}");
        let (status, _) = app.post(&window, &format!("{base}/reply"), json!({"text": "已电话联系当事人"})).await;
        assert_eq!(status, StatusCode::OK);
        // Past its deadline, the matter is escalated to the supervisors.
        make_due(&app, id, -1).await;
        assert_eq!(app.services.run_due_jobs("test", 10).await.unwrap(), 1);
        let d = detail(&app, &window, id).await;
        assert_eq!((d["escalated"].as_bool(), d["overdue"].as_bool()), (Some(true), Some(true)));
        let (status, r) =
            app.post(&window, &format!("{base}/resolve"), json!({"text": "已调解，儿子同意每月支付赡养费"})).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["status"], "resolved");
        let (status, r) = app.post(&window, &format!("{base}/close"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["status"], "closed");
        let (status, body) = app.post(&window, &format!("{base}/close"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(body["error"]["message"].as_str().unwrap().contains("不能重复归档"));
        let d = detail(&app, &window, id).await;
        assert_eq!(
            timeline_kinds(&d),
            vec![
                "received",
                "transferred",
                "refused",
                "transferred",
                "accepted",
                "replied",
                "escalated",
                "resolved",
                "closed"
            ],
            "{backend:?}"
        );
        // The requester got the receipt, the result and the evaluation invitation.
        let (_, messages) = app.get(&window, &format!("{base}/messages")).await;
        let sms: Vec<&str> = messages
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["channel"] == "sms")
            .map(|m| m["template"].as_str().unwrap())
            .collect();
        assert_eq!(sms, vec!["receipt", "resolved", "evaluation"]);
        // The hotline was told in the app that its hand-over was accepted.
        let (_, inbox) = app.get(&hotline, "/api/v1/inbox").await;
        assert!(inbox["items"].as_array().unwrap().iter().any(|m| m["template"] == "accepted"), "{inbox}");
        // And a follow-up job waits.
        let jobs = gongdao_store::jobs::of_subject(app.services.store().reader(), "follow_up", id).await.unwrap();
        assert_eq!(jobs.len(), 1);
        // Reopening works for the owner.
        let (status, r) = app.post(&window, &format!("{base}/reopen"), json!({"text": "当事人反映未履行"})).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["status"], "open");
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_steps_are_refused_and_change_nothing() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let hotline = app.login_as("hotline").await;
        let window = app.login_as("window").await;
        let id = create(&app, &window, call("13812345678", &[])).await["id"].as_i64().unwrap();
        let base = format!("/api/v1/requests/{id}");
        let before = detail(&app, &window, id).await;
        // A township may hand matters within itself or up, not to a sibling township.
        let pingan = app.institution_id(&hotline, "平安镇公共法律服务工作站").await;
        let (status, body) =
            app.post(&window, &format!("{base}/transfer"), json!({"to_institution": pingan, "reason": "x"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(field_message(&body, "to_institution").contains("不在您可流转的范围内"));
        let (status, body) = app.post(&window, &format!("{base}/transfer"), json!({"reason": ""})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["to_institution", "reason"]);
        let (status, body) =
            app.post(&window, &format!("{base}/transfer"), json!({"to_institution": 999999, "reason": "x"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["to_institution"]);
        let center = app.institution_id(&hotline, "洮北区法律援助中心").await;
        let hotline_id = app.get(&hotline, "/api/v1/me").await.1["id"].as_i64().unwrap();
        let (status, body) = app
            .post(
                &window,
                &format!("{base}/transfer"),
                json!({"to_institution": center, "to_user": hotline_id, "reason": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["to_user"]);
        // Someone who does not own it cannot hand it on, nor accept what was not sent.
        let (status, _) =
            app.post(&hotline, &format!("{base}/transfer"), json!({"to_institution": center, "reason": "x"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.post(&hotline, &format!("{base}/accept"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "an owned matter needs no acceptance");
        // Closing what is not resolved.
        let (status, _) = app.post(&window, &format!("{base}/close"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        // Roles that do not handle matters.
        let leader = app.login_as("leader").await;
        let (status, _) = app.post(&leader, "/api/v1/requests", call("13812345678", &[])).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let after = detail(&app, &window, id).await;
        assert_eq!(before, after, "{backend:?}: nothing changed");
        // Bad intake names its fields and writes nothing.
        let count = app.total(&window, "/api/v1/requests").await;
        let (status, body) = app
            .post(&window, "/api/v1/requests", json!({"channel": "pigeon", "category": "consultation", "requester": {"name": "", "phone": "123"}, "region": "220802199000", "description": ""}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields = error_fields(&body);
        for f in ["channel", "requester.name", "requester.phone", "description"] {
            assert!(fields.contains(&f.to_string()), "{f}: {body}");
        }
        let (status, body) = app.post(&window, "/api/v1/requests", json!({"channel": "window", "category": "consultation", "requester": {"name": "甲", "phone": "13812345678"}, "region": "220802199000", "description": "x"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field_message(&body, "region").contains("不存在"));
        assert_eq!(app.total(&window, "/api/v1/requests").await, count);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_green_channel_goes_first_in_every_queue() {
    let app = spawn_app(Backend::Sqlite).await;
    let hotline = app.login_as("hotline").await;
    create(&app, &hotline, call("13800000001", &[])).await;
    create(&app, &hotline, call("13800000002", &["rural"])).await;
    create(&app, &hotline, call("13800000003", &["women"])).await;
    create(&app, &hotline, call("13800000004", &["disabled"])).await;
    let (_, list) = app.get(&hotline, "/api/v1/requests?mine=true").await;
    let priorities: Vec<&str> =
        list["items"].as_array().unwrap().iter().map(|r| r["priority"].as_str().unwrap()).collect();
    assert_eq!(priorities, vec!["green", "green", "normal", "normal"]);
    app.stop().await;
}

#[tokio::test]
async fn citizens_file_online_the_rules_route_it_and_they_follow_it() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let online = |category: &str| json!({"channel": "online", "category": category, "requester": {"name": "王女士", "phone": "13712345678", "groups": ["rural"]}, "region": "220802100201", "description": "邻居占用我家承包地"});
        let r = app.client.post(app.url("/api/v1/public/requests")).json(&online("mediation")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let created: Value = r.json().await.unwrap();
        assert_eq!(created["status"], "pending");
        assert_eq!(created["routed_to"], "平台镇公共法律服务工作站", "{backend:?}");
        assert!(created["accept_due_at"].is_string());
        let r = app.client.post(app.url("/api/v1/public/requests")).json(&online("legal_aid")).send().await.unwrap();
        assert_eq!(r.json::<Value>().await.unwrap()["routed_to"], "洮北区法律援助中心");
        // The workstation finds it in its queue and accepts it.
        let window = app.login_as("window").await;
        let (_, queue) = app.get(&window, "/api/v1/requests?waiting=true").await;
        assert_eq!(queue["total"], 1, "{queue}");
        let id = queue["items"][0]["id"].as_i64().unwrap();
        let (status, r) = app.post(&window, &format!("/api/v1/requests/{id}/accept"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["status"], "open");
        // The citizen follows it by number and the phone's last four digits.
        let number = created["number"].as_str().unwrap();
        let r = app
            .client
            .get(app.url(&format!("/api/v1/public/track?number={number}&phone_last4=5678")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let status: Value = r.json().await.unwrap();
        assert_eq!(status["status"], "open");
        assert_eq!(status["handled_by"], "平台镇公共法律服务工作站");
        let kinds: Vec<&str> =
            status["steps"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, vec!["received", "routed", "accepted"]);
        assert!(!status.to_string().contains("平台镇工作站窗口"), "no staff names in public");
        let r = app
            .client
            .get(app.url(&format!("/api/v1/public/track?number={number}&phone_last4=0000")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = app.client.get(app.url("/api/v1/public/track?number=abc&phone_last4=5678")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        app.stop().await;
    }
}

/// Moves a request's deadlines into the past (the clock cannot be moved in a real server).
async fn make_due(app: &TestApp, id: i64, hours_from_now: i64) {
    crate::helpers::move_due(app, "service_requests", "due_at", "deadline", id, hours_from_now).await;
}

#[tokio::test]
async fn deadline_jobs_remind_then_escalate() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let hotline = app.login_as("hotline").await;
        let id = create(&app, &hotline, call("13812345678", &[])).await["id"].as_i64().unwrap();
        // Nothing is due yet.
        assert_eq!(app.services.run_due_jobs("test", 10).await.unwrap(), 0);
        // Two hours before the deadline: a reminder.
        make_due(&app, id, 2).await;
        assert_eq!(app.services.run_due_jobs("test", 10).await.unwrap(), 1);
        assert_eq!(timeline_kinds(&detail(&app, &hotline, id).await), vec!["received", "reminded"]);
        // Run again: nothing new (the job waits for the deadline).
        assert_eq!(app.services.run_due_jobs("test", 10).await.unwrap(), 0);
        // Past the deadline: escalation to the supervisors, once.
        make_due(&app, id, -1).await;
        assert_eq!(app.services.run_due_jobs("test", 10).await.unwrap(), 1);
        assert_eq!(app.services.run_due_jobs("test", 10).await.unwrap(), 0);
        let d = detail(&app, &hotline, id).await;
        assert_eq!(timeline_kinds(&d), vec!["received", "reminded", "escalated"], "{backend:?}");
        assert_eq!(d["escalated"], true);
        assert_eq!(d["overdue"], true);
        let dispatch = app.login_as("dispatch").await;
        let (_, inbox) = app.get(&dispatch, "/api/v1/inbox").await;
        assert!(inbox["items"].as_array().unwrap().iter().any(|m| m["template"] == "escalation"), "{inbox}");
        assert_eq!(app.total(&hotline, "/api/v1/requests?overdue=true").await, 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn jobs_run_once_with_two_instances_and_resume_after_a_restart() {
    use gongdao::start;
    let backend = if backends().contains(&Backend::Postgres) { Backend::Postgres } else { Backend::Sqlite };
    // First instance: log matters, then stop before any job runs (as if killed).
    let db = crate::helpers::TestDb::new(backend).await;
    let mut settings = crate::helpers::test_settings(&db);
    settings.jobs_interval_ms = 0;
    let first = start(&settings).await.unwrap();
    let app_base = format!("http://{}", first.addr);
    let client = crate::helpers::client();
    let login: Value = client
        .post(format!("{app_base}/api/v1/auth/login"))
        .json(&json!({"username": "hotline", "password": "gongdao-demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_string();
    let mut ids = Vec::new();
    for i in 0..12 {
        let r: Value = client
            .post(format!("{app_base}/api/v1/requests"))
            .bearer_auth(&token)
            .json(&call(&format!("136{i:08}"), &[]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(r["id"].as_i64().unwrap());
    }
    let app_view = TestApp::attach(first.services.clone());
    for id in &ids {
        make_due(&app_view, *id, 2).await;
    }
    let services = first.services.clone();
    first.stop().await;
    drop(services);
    // Two instances on the same database, both running jobs.
    settings.jobs_interval_ms = 20;
    let mut a_settings = settings.clone();
    a_settings.listen = "127.0.0.1:0".into();
    let a = start(&a_settings).await.unwrap();
    let instances = if backend == Backend::Postgres { vec![a, start(&settings).await.unwrap()] } else { vec![a] };
    let reader = instances[0].services.store().reader().clone();
    // Wait (bounded) until every job has run once.
    for _ in 0..300 {
        let (_, due) = gongdao_store::jobs::pending(&reader, chrono::Utc::now()).await.unwrap();
        if due == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut runners = HashSet::new();
    for id in &ids {
        let events = gongdao_store::requests::events(
            &reader,
            instances[0].services.cipher(),
            gongdao_domain::ids::RequestId(*id),
        )
        .await
        .unwrap();
        let reminders = events.iter().filter(|e| e.kind == gongdao_domain::request::EventKind::Reminded).count();
        assert_eq!(reminders, 1, "{backend:?}: request {id} reminded exactly once: {events:?}");
        for j in gongdao_store::jobs::of_subject(&reader, "deadline", *id).await.unwrap() {
            runners.extend(j.done_by);
        }
    }
    eprintln!("{backend:?}: deadline jobs were run by {runners:?}");
    for r in instances {
        r.stop().await;
    }
}

#[tokio::test]
async fn the_dispatch_board_incidents_and_reassignment() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let hotline = app.login_as("hotline").await;
        let dispatch = app.login_as("dispatch").await;
        let mut ids = Vec::new();
        for i in 0..5 {
            let groups: &[&str] = if i == 0 { &["elderly"] } else { &[] };
            ids.push(create(&app, &hotline, call(&format!("1371234000{i}"), groups)).await["id"].as_i64().unwrap());
        }
        make_due(&app, ids[4], -2).await;
        let (status, board) = app.get(&dispatch, "/api/v1/dispatch/board").await;
        assert_eq!(status, StatusCode::OK, "{board}");
        assert_eq!(board["counts"]["open"], 5, "{backend:?}");
        assert_eq!(board["counts"]["overdue"], 1);
        assert_eq!(board["counts"]["green"], 1);
        assert_eq!(board["by_person"][0]["name"], "12348热线坐席");
        assert_eq!(board["by_person"][0]["open"], 5);
        assert_eq!(board["items"][0]["id"], ids[0], "the green channel first");
        // An incident: linked matters become urgent and due by its time limit.
        let (status, incident) = app
            .post(
                &dispatch,
                "/api/v1/incidents",
                json!({"title": "某工地农民工集体欠薪", "region": "220802100000", "period": "24小时"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        let iid = incident["id"].as_i64().unwrap();
        let (status, _) =
            app.post(&dispatch, &format!("/api/v1/incidents/{iid}/link"), json!({"ids": [ids[1], ids[2]]})).await;
        assert_eq!(status, StatusCode::OK);
        let (_, ib) = app.get(&dispatch, &format!("/api/v1/incidents/{iid}")).await;
        assert_eq!(ib["open_matters"], 2);
        assert!(
            ib["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["priority"] == "urgent" && r["due_at"].as_str() <= incident["due_at"].as_str())
        );
        let (_, board) = app.get(&dispatch, "/api/v1/dispatch/board").await;
        assert_eq!(board["counts"]["urgent"], 2);
        assert_eq!(board["incidents"][0]["title"], "某工地农民工集体欠薪");
        // Bulk reassignment to the legal aid centre's queue.
        let center = app.institution_id(&dispatch, "洮北区法律援助中心").await;
        let (status, body) = app
            .post(
                &dispatch,
                "/api/v1/dispatch/reassign",
                json!({"ids": [ids[3], ids[4]], "to_institution": center, "reason": "涉及法律援助"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["count"], 2);
        let reviewer = app.login_as("reviewer").await;
        assert_eq!(app.total(&reviewer, "/api/v1/requests?waiting=true").await, 2);
        let (_, board) = app.get(&dispatch, "/api/v1/dispatch/board").await;
        assert_eq!(board["total"], 5);
        let loads: Vec<(String, i64, i64)> = board["by_institution"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["name"].as_str().unwrap().into(), l["open"].as_i64().unwrap(), l["overdue"].as_i64().unwrap()))
            .collect();
        assert_eq!(
            loads,
            vec![("洮北区公共法律服务中心".into(), 3, 0), ("洮北区法律援助中心".into(), 2, 1)],
            "most loaded first"
        );
        // Filters narrow the list; the counts stay those of the region.
        let (_, board) = app.get(&dispatch, "/api/v1/dispatch/board?overdue=true").await;
        assert_eq!((board["total"].as_i64(), board["counts"]["open"].as_i64()), (Some(1), Some(5)));
        let (_, board) = app.get(&dispatch, "/api/v1/dispatch/board?region=220802103000").await;
        assert_eq!((board["total"].as_i64(), board["counts"]["open"].as_i64()), (Some(0), Some(0)), "another township");
        let (_, board) = app.get(&dispatch, "/api/v1/dispatch/board?region=220802100000").await;
        assert_eq!((board["total"].as_i64(), board["counts"]["open"].as_i64()), (Some(5), Some(5)));
        // Only dispatchers dispatch.
        let (status, _) = app
            .post(
                &hotline,
                "/api/v1/dispatch/reassign",
                json!({"ids": [ids[0]], "to_institution": center, "reason": "x"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.stop().await;
    }
}

#[tokio::test]
async fn rules_files_are_checked_before_they_are_saved() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.login_as("admin").await;
        let (_, files) = app.get(&admin, "/api/v1/config/rules").await;
        let deadlines = files.as_array().unwrap().iter().find(|f| f["name"] == "deadlines").unwrap()["content"]
            .as_str()
            .unwrap()
            .to_string();
        let cases = [
            ("deadlines", deadlines.replace("category = \"other\"", "category = \"astrology\""), "astrology"),
            ("deadlines", deadlines.replace("resolve = \"3个工作日\"", "resolve = \"-3个工作日\""), "负数"),
            ("calendar/2026", "year = 2026\nsource = \"x\"\n[[holiday]]\nname = \"甲\"\noff = [\"2026-03-01\", \"2026-03-03\"]\n[[holiday]]\nname = \"乙\"\noff = [\"2026-03-03\", \"2026-03-05\"]".into(), "重叠"),
            ("calendar/2026", "year = 2026\nsource = \"x\"\n[[holiday]]\nname = \"甲\"\noff = [\"2026-13-01\", \"2026-13-03\"]".into(), "不是有效日期"),
            ("calendar/2027", "year = 2026\nsource = \"x\"".into(), "与文件名不符"),
        ];
        for (name, content, why) in cases {
            let (status, body) =
                app.put(&admin, "/api/v1/config/rules", json!({"name": name, "content": content})).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            assert!(field_message(&body, "content").contains(why), "{name}: {body}");
        }
        let (_, still) = app.get(&admin, "/api/v1/config/rules").await;
        // Every file is as shipped (the demo's plan apart, which the demo seeds).
        let saved: Vec<&Value> =
            still.as_array().unwrap().iter().filter(|f| f["source"] != "shipped" && f["name"] != "plan").collect();
        assert!(saved.is_empty(), "{backend:?}: nothing saved: {saved:?}");
        // A good change takes effect: consultations now resolve in 1 working day.
        let shorter = deadlines.replacen("resolve = \"3个工作日\"", "resolve = \"1个工作日\"", 1);
        let (status, _) =
            app.put(&admin, "/api/v1/config/rules", json!({"name": "deadlines", "content": shorter})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, due) = app
            .get(
                &admin,
                &format!(
                    "/api/v1/calendar/due?start={}&period={}",
                    crate::helpers::urlencode("2026-02-13T09:00:00+08:00"),
                    crate::helpers::urlencode("7日")
                ),
            )
            .await;
        assert!(due["due_at"].as_str().unwrap().starts_with("2026-02-24T16:00:00"), "{due}");
        let hotline = app.login_as("hotline").await;
        assert_eq!(app.get(&hotline, "/api/v1/config/rules").await.0, StatusCode::FORBIDDEN);
        app.stop().await;
    }
}
