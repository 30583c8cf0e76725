//! Defects a review and probes found (issue 19), each with the test that failed before
//! its fix: login limits counted atomically and per (account, address), addresses
//! behind proxies read from the right, security headers, references outside the scope,
//! one key per database, jobs that count failures apart from runs.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, PASSWORD, TestDb, backends, error_fields, spawn_app_with, test_settings};

#[tokio::test]
async fn parallel_wrong_passwords_are_counted_before_they_are_checked() {
    for backend in backends() {
        let app = spawn_app_with(backend, |_| {}).await;
        let tries = (0..100).map(|_| app.try_login("window", "wrong-password"));
        let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
        for r in futures::future::join_all(tries).await {
            *by_status.entry(r.status().as_u16()).or_default() += 1;
        }
        assert_eq!(by_status, BTreeMap::from([(401, 5), (429, 95)]), "{backend:?}");
        // The account is locked from this address, correct password or not.
        assert_eq!(app.try_login("window", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
        app.stop().await;
    }
}

#[tokio::test]
async fn an_address_with_many_failures_is_slowed_not_closed_to_everyone() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.max_failures_per_ip = 4).await;
    for user in ["a1", "a2", "a3", "a4", "a5"] {
        assert_eq!(app.try_login(user, "x").await.status(), StatusCode::UNAUTHORIZED);
    }
    // A colleague behind the same address still signs in.
    assert_eq!(app.try_login("admin", PASSWORD).await.status(), StatusCode::OK);
    assert_eq!(app.try_login("hotline", "wrong").await.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn login_from(app: &crate::helpers::TestApp, user: &str, password: &str, forwarded: &str) -> StatusCode {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", forwarded)
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn the_lock_holds_one_account_from_one_address_and_a_spoofed_header_does_not_escape_it() {
    // Behind a reverse proxy on this machine, which appends the client's address.
    let app = spawn_app_with(Backend::Sqlite, |s| s.trust_forwarded_for = true).await;
    for _ in 0..5 {
        assert_eq!(login_from(&app, "window", "wrong", "203.0.113.7").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login_from(&app, "window", PASSWORD, "203.0.113.7").await, StatusCode::TOO_MANY_REQUESTS);
    // The client writes another address into the header; the proxy appends the real one.
    assert_eq!(
        login_from(&app, "window", PASSWORD, "198.51.100.1, 203.0.113.7").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the right-most hop is the client"
    );
    // The same account from another address is not locked out.
    assert_eq!(login_from(&app, "window", PASSWORD, "203.0.113.8").await, StatusCode::OK);
    // The audit trail records the address the proxy saw.
    let admin = app.login_as("admin").await;
    let (_, audit) = app.get(&admin, "/api/v1/audit?action=login_failed&per_page=100").await;
    let ips: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["ip"].as_str().unwrap()).collect();
    assert!(!ips.is_empty() && ips.iter().all(|ip| *ip == "203.0.113.7"), "{ips:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_forwarded_header_is_ignored_unless_a_proxy_is_trusted() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    for _ in 0..5 {
        login_from(&app, "window", "wrong", "203.0.113.9").await;
    }
    // Another claimed address changes nothing: the peer is the client.
    assert_eq!(login_from(&app, "window", PASSWORD, "203.0.113.10").await, StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_personal_pages_are_not_stored() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.secure_cookies = true).await;
    let window = app.login_as("window").await;
    let get = |path: &'static str, token: Option<String>| {
        let mut r = app.client.get(app.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    for (path, token, stored) in [
        ("/", None, true),
        ("/laws", None, true),
        ("/apply", None, false),
        ("/track", None, false),
        ("/requests", Some(window.token.clone()), false),
        ("/api/v1/requests", Some(window.token.clone()), false),
        ("/api/v1/vocabularies", None, true),
        ("/nowhere", None, true),
    ] {
        let r = get(path, token).await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"), "{path}: {csp}");
        assert!(!csp.split(';').any(|d| d.contains("script-src") && d.contains("unsafe-inline")), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(h["strict-transport-security"].to_str().unwrap().starts_with("max-age="), "{path}");
        let no_store = h.get("cache-control").is_some_and(|v| v == "no-store");
        assert_eq!(no_store, !stored, "{path}: cache-control {:?}", h.get("cache-control"));
    }
    app.stop().await;
}

#[tokio::test]
async fn a_mediation_case_cannot_point_at_a_matter_outside_the_scope() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let hotline = app.login_as("hotline").await;
        // A matter of 海明街道 (a street of the district, not 平台镇).
        let (status, other) = app
            .post(&hotline, "/api/v1/requests", json!({"channel": "hotline", "category": "mediation", "requester": {"name": "周先生", "phone": "13812345678"}, "region": "220802001000", "description": "邻里纠纷"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{other}");
        let mediator = app.login_as("mediator").await;
        let (_, committees) = app.get(&mediator, "/api/v1/institutions?type=mediation_committee").await;
        let committee = committees["items"][0]["id"].as_i64().unwrap();
        let admin = app.login_as("admin").await;
        let audit_before = app.audit_count(&admin).await;
        for request_id in [other["id"].as_i64().unwrap(), 999_999] {
            let (status, body) = app
                .post(&mediator, "/api/v1/mediation/cases", json!({"committee_id": committee, "dispute_type": "neighbourhood", "source": "referral", "request_id": request_id, "summary": "转来的纠纷", "parties": [{"role": "applicant", "name": "甲"}, {"role": "respondent", "name": "乙"}]}))
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?} {request_id}: {body}");
            assert_eq!(error_fields(&body), vec!["request_id"], "{body}");
        }
        assert_eq!(app.total(&mediator, "/api/v1/mediation/cases").await, 0, "{backend:?}: nothing written");
        assert_eq!(app.audit_count(&admin).await, audit_before);
        app.stop().await;
    }
}

#[tokio::test]
async fn an_instance_with_another_key_refuses_to_start_on_the_same_database() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let key = |b: u8| gongdao::settings::Secret(base64_key(b));
        let mut first = test_settings(&db);
        first.secret_key = Some(key(1));
        let running = gongdao::start(&first).await.expect("the first instance starts");
        running.stop().await;
        let mut same = test_settings(&db);
        same.secret_key = Some(key(1));
        gongdao::start(&same).await.expect("the same key starts again").stop().await;
        let mut other = test_settings(&db);
        other.secret_key = Some(key(2));
        let refused = gongdao::start(&other).await.err().expect("another key is refused");
        assert!(refused.to_string().contains("密钥"), "{backend:?}: {refused}");
    }
}

fn base64_key(b: u8) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode([b; 32])
}

#[tokio::test]
async fn a_job_rescheduled_many_times_still_gets_its_retries() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        use gongdao_store::ConnectionTrait;
        let writer = app.services.store().writer();
        // A job that has run seven times (reminders, transfers) and now fails.
        let now = chrono::Utc::now();
        gongdao_store::jobs::schedule(writer, "bogus", 1, now - chrono::Duration::minutes(1), now).await.unwrap();
        writer.execute_unprepared("UPDATE jobs SET runs = 7 WHERE kind = 'bogus'").await.unwrap();
        app.services.run_due_jobs("test", 10).await.unwrap();
        let job = gongdao_store::jobs::of_subject(writer, "bogus", 1).await.unwrap().remove(0);
        assert_eq!((job.state.as_str(), job.failures), ("pending", 1), "{backend:?}: tried again");
        for _ in 0..4 {
            writer.execute_unprepared("UPDATE jobs SET run_at = created_at WHERE kind = 'bogus'").await.unwrap();
            app.services.run_due_jobs("test", 10).await.unwrap();
        }
        let job = gongdao_store::jobs::of_subject(writer, "bogus", 1).await.unwrap().remove(0);
        assert_eq!((job.state.as_str(), job.failures), ("failed", 5), "{backend:?}: given up after five failures");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_audit_chain_holds_under_parallel_writes_and_names_an_edited_row() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        // Parallel writers, each auditing in its own transaction.
        let logins = (0..30).map(|_| app.try_login("hotline", PASSWORD));
        futures::future::join_all(logins).await;
        let dir = tempfile::tempdir().unwrap();
        let anchors = dir.path().join("anchors.log");
        let anchored = app.services.anchor_audit_chain(&anchors).await.unwrap().expect("an anchor");
        let report = app.services.verify_audit_chain(Some(&anchors)).await.unwrap();
        assert_eq!(report.broken, None, "{backend:?}");
        assert!(report.checked >= 30 && report.anchors >= 2, "{backend:?}: {report:?}");
        assert_eq!(report.checked as i64, anchored.0);

        // Someone with the database's own keys gets round the append-only triggers
        // and rewrites one entry.
        use gongdao_store::ConnectionTrait;
        let writer = app.services.store().writer();
        let untrigger = match backend {
            Backend::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete",
            Backend::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log",
        };
        for sql in untrigger.split("; ") {
            writer.execute_unprepared(sql).await.unwrap();
        }
        writer.execute_unprepared("UPDATE audit_log SET summary = '无事发生' WHERE chain_seq = 7").await.unwrap();
        let report = app.services.verify_audit_chain(Some(&anchors)).await.unwrap();
        let broken = report.broken.expect("the edit is found");
        assert_eq!(broken.seq, 7, "{backend:?}: {broken:?}");
        assert!(broken.reason.contains("改动"), "{broken:?}");
        assert_eq!(report.checked, 6, "the links before it hold");

        // A removed entry is named too.
        writer.execute_unprepared("DELETE FROM audit_log WHERE chain_seq >= 7 AND chain_seq <= 9").await.unwrap();
        let broken = app.services.verify_audit_chain(None).await.unwrap().broken.expect("the gap is found");
        assert_eq!(broken.seq, 7, "{backend:?}");
        assert!(broken.reason.contains("删除"), "{broken:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_backup_taken_while_running_restores_into_an_empty_database_table_for_table() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| {
            s.demo_activity = true;
            s.jobs_interval_ms = 0;
            s.secret_key = Some(gongdao::settings::Secret(base64_key(7)));
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("backup");
        let source = app.settings.clone().unwrap();
        let manifest = gongdao::backup::backup(&source, &dest).await.expect("backup");
        assert!(manifest.tables["service_requests"].rows > 10, "{backend:?}: the demo's matters");
        assert!(manifest.tables["audit_log"].rows > 10);
        // The source, unchanged since (no background work), has the same digests.
        let live = gongdao_store::backup::table_digests(app.services.store().reader()).await.unwrap();
        assert_eq!(live, manifest.tables, "{backend:?}");

        // Into an empty database, with the same key.
        let empty = TestDb::new(backend).await;
        let mut target = test_settings(&empty);
        target.secret_key = source.secret_key.clone();
        target.demo = false;
        let restored = gongdao::backup::restore(&target, &dest).await.expect("restore");
        assert_eq!(restored, manifest);
        // It runs, and its audit chain is whole.
        let running = gongdao::start(&target).await.expect("the restored database starts");
        let report = running.services.verify_audit_chain(None).await.unwrap();
        assert_eq!(report.broken, None, "{backend:?}");
        assert_eq!(report.checked, manifest.tables["audit_log"].rows, "every entry chained");
        running.stop().await;
        // Not over a database that holds data, and not with another key.
        assert!(gongdao::backup::restore(&target, &dest).await.unwrap_err().contains("空"));
        let other = TestDb::new(backend).await;
        let mut wrong = test_settings(&other);
        wrong.secret_key = Some(gongdao::settings::Secret(base64_key(8)));
        assert!(gongdao::backup::restore(&wrong, &dest).await.unwrap_err().contains("密钥"));
        app.stop().await;
    }
}

/// Defect 11: four digits behind a number are guarded per number, whatever the
/// address; booking codes are not sequential; a person's phone is not a hotline.
#[tokio::test]
async fn lookups_are_limited_per_object_and_codes_cannot_be_walked() {
    for backend in backends() {
        let app = spawn_app_with(backend, |_| {}).await;
        let filing = |phone: &str| json!({"channel": "online", "category": "consultation", "requester": {"name": "王女士", "phone": phone}, "region": "220802100201", "description": "土地承包合同到期怎么办"});
        // A service number is not the requester's phone.
        let r = app.client.post(app.url("/api/v1/public/requests")).json(&filing("12345")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(error_fields(&body), vec!["requester.phone"], "{body}");
        assert!(body["error"]["fields"][0]["message"].as_str().unwrap().contains("公共服务号码"));

        let mut numbers = Vec::new();
        for _ in 0..2 {
            let r =
                app.client.post(app.url("/api/v1/public/requests")).json(&filing("13712345678")).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            numbers.push(r.json::<serde_json::Value>().await.unwrap()["number"].as_str().unwrap().to_string());
        }
        let track = |number: &str, digits: &str| {
            let url = app.url(&format!("/api/v1/public/track?number={number}&phone_last4={digits}"));
            let client = app.client.clone();
            async move { client.get(url).send().await.unwrap().status() }
        };
        assert_eq!(track(&numbers[0], "5678").await, StatusCode::OK);
        for guess in 0..10 {
            assert_eq!(track(&numbers[0], &format!("{guess:04}")).await, StatusCode::NOT_FOUND);
        }
        // Ten wrong answers close that number for a while, even to the right digits…
        assert_eq!(track(&numbers[0], "5678").await, StatusCode::TOO_MANY_REQUESTS, "{backend:?}");
        // …and only that number.
        assert_eq!(track(&numbers[1], "5678").await, StatusCode::OK);

        // Booking codes: six random digits after the day, not a counter.
        let window = app.login_as("window").await;
        let day = (gongdao_domain::calendar::china_day(chrono::Utc::now()) + chrono::Duration::days(1)).to_string();
        let (status, body) = app
            .post(
                &window,
                "/api/v1/appointments/slots",
                json!({"kind": "visit", "date": day, "start": "09:00", "end": "11:30", "capacity": 5}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let slot_id = body["id"].as_i64().expect("slot id");
        // (The thirty public requests this test makes from one address are its whole
        // allowance.)
        let mut codes = Vec::new();
        for i in 0..2 {
            let r = app
                .client
                .post(app.url("/api/v1/public/bookings"))
                .json(&json!({"slot_id": slot_id, "name": format!("预约人{i}"), "phone": "13500001234", "reason": "咨询"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            codes.push(r.json::<serde_json::Value>().await.unwrap()["code"].as_str().unwrap().to_string());
        }
        for code in &codes {
            let (day, digits) = code.split_once('-').unwrap();
            assert!(day.starts_with("YY") && digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()), "{code}");
        }
        let tails: Vec<u32> = codes.iter().map(|c| c[c.len() - 6..].parse().unwrap()).collect();
        assert!(tails[1].abs_diff(tails[0]) > 1, "not consecutive: {codes:?}");
        let cancel = |code: &str, digits: &str| {
            let (client, url) = (app.client.clone(), app.url("/api/v1/public/bookings/cancel"));
            let body = json!({"code": code, "phone_last4": digits});
            async move { client.post(url).json(&body).send().await.unwrap().status() }
        };
        for guess in 0..10 {
            assert_eq!(cancel(&codes[0], &format!("{guess:04}")).await, StatusCode::NOT_FOUND);
        }
        assert_eq!(cancel(&codes[0], "1234").await, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(cancel(&codes[1], "1234").await, StatusCode::NO_CONTENT);
        app.stop().await;
    }
}

/// Defect 11: an incident takes a bounded number of matters per request.
#[tokio::test]
async fn an_incident_links_a_bounded_list_once_each() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let dispatch = app.login_as("dispatch").await;
    let (status, incident) = app
        .post(
            &dispatch,
            "/api/v1/incidents",
            json!({"title": "某工地农民工集体欠薪", "region": "220802100000", "period": "24小时"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{incident}");
    let id = incident["id"].as_i64().unwrap();
    let too_many: Vec<i64> = (1..=501).collect();
    let (status, body) = app.post(&dispatch, &format!("/api/v1/incidents/{id}/link"), json!({"ids": too_many})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"][0]["message"].as_str().unwrap().contains("最多"), "{body}");
    let hotline = app.login_as("hotline").await;
    let (status, created) = app
        .post(&hotline, "/api/v1/requests", json!({"channel": "hotline", "category": "consultation", "requester": {"name": "李先生", "phone": "13812345678"}, "region": "220802100201", "description": "工资被拖欠"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let matter = created["id"].as_i64().unwrap();
    let (status, body) =
        app.post(&dispatch, &format!("/api/v1/incidents/{id}/link"), json!({"ids": [matter, matter, matter]})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, detail) = app.get(&dispatch, &format!("/api/v1/requests/{matter}")).await;
    let linked = detail["timeline"].as_array().unwrap().iter().filter(|e| e["kind"] == "incident").count();
    assert_eq!(linked, 1, "a matter ticked three times is linked once: {detail}");
    app.stop().await;
}

/// Defect 10: a body over the limit answers 413 as documented, and a value of the
/// wrong kind is named in Chinese.
#[tokio::test]
async fn oversized_and_mistyped_bodies_answer_as_documented() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let admin = app.login_as("admin").await;
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let r = app
        .client
        .post(app.url("/api/v1/institutions"))
        .bearer_auth(&admin.token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (status, body) = app.post(&admin, "/api/v1/institutions", json!({"name": 5})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_fields(&body), vec!["name"]);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("应为文字") && !message.contains("expected"), "{message}");
    let doc: serde_json::Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let op = &doc["paths"]["/api/v1/institutions"]["post"]["responses"];
    for code in ["400", "401", "403", "413", "422"] {
        assert!(op.get(code).is_some(), "{code} documented: {op}");
    }
    assert!(doc["paths"]["/api/v1/public/track"]["get"]["responses"].get("429").is_some());
    app.stop().await;
}

/// Defect 1: on a province installation a district keeps its own time limits and
/// routing without touching its neighbours', only its administrators change them, and
/// the audit entry lies where they can see it.
#[tokio::test]
async fn a_district_of_a_province_keeps_its_own_rules() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.home_region = "220000".into()).await;
        // The demo's administrator is the district's (洮北区), not the province's.
        let district_admin = app.login_as("admin").await;
        let (_, files) = app.get(&district_admin, "/api/v1/config/rules?district=220802").await;
        let deadlines = files.as_array().unwrap().iter().find(|f| f["name"] == "deadlines").unwrap().clone();
        assert!(deadlines["district"].is_null(), "the installation's file until the district saves its own");
        let edited = deadlines["content"].as_str().unwrap().replacen(
            "reminder_before_hours = 24",
            "reminder_before_hours = 48",
            1,
        );
        assert_ne!(edited, deadlines["content"].as_str().unwrap());
        // Not the province's file…
        let (status, _) =
            app.put(&district_admin, "/api/v1/config/rules", json!({"name": "deadlines", "content": edited})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{backend:?}");
        // …nor the holidays, which are one for all…
        let (status, body) = app
            .put(
                &district_admin,
                "/api/v1/config/rules",
                json!({"district": "220802", "name": "calendar/2026", "content": "year = 2026"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["name"]);
        // …nor a township's.
        let (status, body) = app
            .put(
                &district_admin,
                "/api/v1/config/rules",
                json!({"district": "220802100000", "name": "deadlines", "content": edited}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["district"]);
        // Its own district's: yes.
        let (status, body) = app
            .put(
                &district_admin,
                "/api/v1/config/rules",
                json!({"district": "220802", "name": "deadlines", "content": edited}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let book = app.services.rules().await.unwrap();
        let here = gongdao_domain::DivisionCode::parse("r", "220802100201").unwrap();
        let neighbour = gongdao_domain::DivisionCode::parse("r", "220881").unwrap();
        assert_eq!(book.for_region(here).deadlines.reminder_before_hours, 48);
        assert_eq!(
            book.for_region(neighbour).deadlines.reminder_before_hours,
            24,
            "the neighbour keeps the province's"
        );
        assert_eq!(book.installation().deadlines.reminder_before_hours, 24);
        // One time limit by the page's form, for the district.
        let r = app
            .post_form(
                &district_admin,
                "/settings/rules/deadline",
                &[
                    ("csrf_token", district_admin.csrf.as_str()),
                    ("district", "220802"),
                    ("category", "consultation"),
                    ("step", "resolve"),
                    ("period", "5个工作日"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/settings/rules?district=220802");
        let book = app.services.rules().await.unwrap();
        let rule = |r| {
            book.for_region(r)
                .deadlines
                .rule(gongdao_domain::request::Category::Consultation, gongdao_domain::request::Step::Resolve)
                .period
        };
        assert_eq!(rule(here), gongdao_domain::calendar::Period::working_days(5));
        assert_ne!(rule(neighbour), gongdao_domain::calendar::Period::working_days(5));
        // A township's administrator cannot change the district's.
        let pt = app.new_account(&district_admin, "pt-admin", "admin", "220802100000").await.session;
        let (status, _) = app
            .put(&pt, "/api/v1/config/rules", json!({"district": "220802", "name": "deadlines", "content": edited}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // The district's administrator sees the change in the audit trail.
        let (_, audit) = app.get(&district_admin, "/api/v1/audit?per_page=100").await;
        let summaries: Vec<&str> =
            audit["items"].as_array().unwrap().iter().filter_map(|e| e["summary"].as_str()).collect();
        assert!(
            summaries.iter().any(|s| s.contains("保存规则文件 deadlines") && s.contains("220802")),
            "{summaries:?}"
        );
        // The page offers the districts and shows the district's own file.
        let (status, html) = app.page(&district_admin, "/settings/rules?district=220802").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("id=\"district\"") && html.contains("本区县单独设置"), "{html}");
        assert!(!html.contains("id=\"holiday-form\""), "the holidays are the province's");
        app.stop().await;
    }
    // A district installation has no districts of its own to choose.
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let admin = app.login_as("admin").await;
    let (status, body) = app.get(&admin, "/api/v1/config/rules?district=220802").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, html) = app.page(&admin, "/settings/rules").await;
    assert!(!html.contains("id=\"district-form\""));
    app.stop().await;
}

/// Key rotation without a stop: a new key seals from the next start, the old one still
/// opens, the re-seal job moves every sealed value to the new key (blind indexes with
/// them), and then the old key alone no longer starts an instance.
#[tokio::test]
async fn a_key_rotation_reseals_everything_and_loses_nothing() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let key = |b: u8| gongdao::settings::Secret(base64_key(b));
        let client = reqwest::Client::new();
        let mut before = test_settings(&db);
        before.secret_key = Some(key(1));
        let running = gongdao::start(&before).await.unwrap();
        let base = format!("http://{}", running.addr);
        let filing = json!({"channel": "online", "category": "consultation", "requester": {"name": "王女士", "phone": "13712345678"}, "region": "220802100201", "description": "土地承包"});
        let created: serde_json::Value = client
            .post(format!("{base}/api/v1/public/requests"))
            .json(&filing)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let number = created["number"].as_str().unwrap().to_string();
        let login: serde_json::Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().unwrap().to_string();
        let person = json!({"type": "volunteer", "name": "轮换测试", "region": "220802100201", "phone": "13912345678", "id_number": crate::helpers::id_number("22080219750612123")});
        let r = client.post(format!("{base}/api/v1/people")).bearer_auth(&token).json(&person).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let status = running.services.key_status().await.unwrap();
        let sealed: i64 = status.iter().map(|c| c.sealed).sum();
        assert!(sealed > 50 && status.iter().all(|c| c.current == c.sealed), "{status:?}");
        running.stop().await;

        // The new key first, the old one behind it.
        let mut rotated = test_settings(&db);
        rotated.secret_key = Some(key(2));
        rotated.previous_secret_keys = vec![key(1)];
        let running = gongdao::start(&rotated).await.expect("a rotated ring starts");
        let base = format!("http://{}", running.addr);
        loop {
            let pass = running.services.reseal_personal_data(1000).await.unwrap();
            assert_eq!(pass.unreadable, 0);
            if pass.moved == 0 {
                break;
            }
        }
        let status = running.services.key_status().await.unwrap();
        assert!(status.iter().map(|c| c.sealed).sum::<i64>() >= sealed, "nothing lost");
        assert!(status.iter().all(|c| c.current == c.sealed), "{backend:?}: {status:?}");
        // Everything opens, and the blind index still finds the ID number.
        let track =
            client.get(format!("{base}/api/v1/public/track?number={number}&phone_last4=5678")).send().await.unwrap();
        assert_eq!(track.status(), StatusCode::OK, "{backend:?}");
        let login: serde_json::Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().unwrap().to_string();
        let r = client.post(format!("{base}/api/v1/people")).bearer_auth(&token).json(&person).send().await.unwrap();
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}: the same ID number is found under the new key"
        );
        running.stop().await;

        // The database now belongs to the new key: the old one alone is refused, the new
        // one alone starts and opens everything.
        let mut old_only = test_settings(&db);
        old_only.secret_key = Some(key(1));
        assert!(gongdao::start(&old_only).await.is_err(), "{backend:?}: the old key alone");
        let mut new_only = test_settings(&db);
        new_only.secret_key = Some(key(2));
        let running = gongdao::start(&new_only).await.expect("the new key alone");
        let base = format!("http://{}", running.addr);
        let track =
            client.get(format!("{base}/api/v1/public/track?number={number}&phone_last4=5678")).send().await.unwrap();
        assert_eq!(track.status(), StatusCode::OK);
        running.stop().await;
    }
}

/// Every value of the sealed columns that is not null, as stored.
async fn stored_values(app: &crate::helpers::TestApp) -> Vec<(String, String)> {
    use gongdao_store::ConnectionTrait;
    let conn = app.services.store().reader();
    let mut out = Vec::new();
    for col in gongdao_store::reseal::SEALED {
        let sql = format!("SELECT {c} FROM {t} WHERE {c} IS NOT NULL", c = col.column, t = col.table);
        let rows = conn.query_all_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
        for row in rows {
            let value: String = row.try_get_by_index(0).unwrap();
            out.push((format!("{}.{}", col.table, col.column), value));
        }
    }
    out
}

#[tokio::test]
async fn names_addresses_and_facts_are_sealed_at_rest_and_older_clear_text_is_sealed_by_housekeeping() {
    use gongdao_store::ConnectionTrait;
    for backend in backends() {
        // The lively demo: matters, bookings, mediation cases, sessions and SMS at every stage.
        let app = spawn_app_with(backend, |s| s.demo_activity = true).await;
        let filing = json!({"channel": "online", "category": "consultation",
            "requester": {"name": "欧阳秀英", "phone": "13712345678", "address": "平台镇民乐村三组"},
            "region": "220802100201", "description": "邻居占用我家宅基地盖房"});
        let (status, created) = app.post(&app.login_as("window").await, "/api/v1/requests", filing).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let window = app.login_as("window").await;
        let tomorrow =
            (gongdao_domain::calendar::china_day(chrono::Utc::now()) + chrono::Duration::days(1)).to_string();
        let slot = json!({"kind": "visit", "date": tomorrow, "start": "09:00", "end": "11:30", "capacity": 3});
        let (status, slot) = app.post(&window, "/api/v1/appointments/slots", slot).await;
        assert_eq!(status, StatusCode::CREATED, "{slot}");
        let booking =
            json!({"slot_id": slot["id"], "name": "诸葛明", "phone": "13500001234", "reason": "咨询土地承包问题"});
        let r = app.client.post(app.url("/api/v1/public/bookings")).json(&booking).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let values = stored_values(&app).await;
        let columns: std::collections::BTreeSet<&str> = values.iter().map(|(c, _)| c.as_str()).collect();
        for expected in [
            "service_requests.requester_name",
            "outbox.body",
            "bookings.name",
            "mediation_parties.name",
            "mediation_sessions.record",
        ] {
            assert!(columns.contains(expected), "{backend:?}: the demo holds {expected}");
        }
        for (column, value) in &values {
            assert!(gongdao_store::pii::has_key_mark(value), "{backend:?}: {column} holds {value:?} in the clear");
            assert!(!value.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{backend:?}: {column}");
        }
        // Staff still find the matter by the whole name, which the blind index answers.
        let admin = app.login_as("admin").await;
        let (_, found) =
            app.get(&admin, &format!("/api/v1/requests?q={}", crate::helpers::urlencode("欧阳秀英"))).await;
        assert_eq!(found["total"], 1, "{backend:?}: {found}");
        assert_eq!(found["items"][0]["requester_name"], "欧阳秀英");

        // A row written in the clear before names were sealed (migration 13) is read as
        // it is, then sealed with its blind index by the housekeeping pass.
        let conn = app.services.store().writer();
        let id = created["id"].as_i64().unwrap();
        let sql = format!(
            "UPDATE service_requests SET requester_name = '司马建国', requester_name_bidx = NULL, \
             requester_address = '旧地址一号', description = '旧的事实' WHERE id = {id}"
        );
        conn.execute_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
        let (_, old) = app.get(&admin, &format!("/api/v1/requests/{id}")).await;
        assert_eq!(old["requester_name"], "司马建国", "{backend:?}: {old}");
        assert_eq!(old["description"], "旧的事实");
        let pass = app.services.reseal_personal_data(100_000).await.unwrap();
        assert_eq!((pass.moved, pass.unreadable), (3, 0), "{backend:?}");
        for (column, value) in stored_values(&app).await {
            assert!(gongdao_store::pii::has_key_mark(&value), "{backend:?}: {column} holds {value:?} after the pass");
        }
        let (_, found) =
            app.get(&admin, &format!("/api/v1/requests?q={}", crate::helpers::urlencode("司马建国"))).await;
        assert_eq!(found["total"], 1, "{backend:?}: {found}");
        let (_, now) = app.get(&admin, &format!("/api/v1/requests/{id}")).await;
        assert_eq!(
            (now["requester_address"].as_str(), now["description"].as_str()),
            (Some("旧地址一号"), Some("旧的事实"))
        );
        app.stop().await;
    }
}

/// Moves when a piece of work finished back by `months`.
async fn finished_months_ago(app: &crate::helpers::TestApp, table: &str, column: &str, id: Option<i64>, months: u32) {
    use gongdao_store::ConnectionTrait;
    let conn = app.services.store().writer();
    let at = chrono::Utc::now().checked_sub_months(chrono::Months::new(months)).unwrap();
    let which = id.map_or("1 = 1".to_string(), |id| format!("id = {id}"));
    let stmt = sea_orm::Statement::from_sql_and_values(
        conn.get_database_backend(),
        match conn.get_database_backend() {
            sea_orm::DbBackend::Postgres => format!("UPDATE {table} SET {column} = $1 WHERE {which}"),
            _ => format!("UPDATE {table} SET {column} = ? WHERE {which}"),
        },
        [at.into()],
    );
    assert!(conn.execute_raw(stmt).await.unwrap().rows_affected() > 0, "{table}");
}

#[tokio::test]
async fn personal_data_is_erased_when_its_retention_period_ends_and_the_record_stays() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.demo_activity = true).await;
        let window = app.login_as("window").await;
        let admin = app.login_as("admin").await;
        let mediator = app.login_as("mediator").await;
        let file = |name: &str| {
            json!({"channel": "window", "category": "consultation",
                "requester": {"name": name, "phone": "13712345678", "address": "平台镇民乐村三组",
                    "id_number": crate::helpers::id_number("22080219750612123")},
                "region": "220802100201", "description": "邻居占用宅基地"})
        };
        let mut ids = Vec::new();
        for name in ["欧阳旧事", "欧阳新事", "欧阳未结"] {
            let (status, r) = app.post(&window, "/api/v1/requests", file(name)).await;
            assert_eq!(status, StatusCode::CREATED, "{r}");
            ids.push(r["id"].as_i64().unwrap());
        }
        for id in &ids[..2] {
            let base = format!("/api/v1/requests/{id}");
            app.post(&window, &format!("{base}/resolve"), json!({"text": "已告知欧阳先生协商途径"})).await;
            let (status, r) = app.post(&window, &format!("{base}/close"), json!({})).await;
            assert_eq!(status, StatusCode::OK, "{r}");
        }
        // The first was archived 37 months ago (the shipped period is 36 months); the
        // second just now; the third is still open though received long ago.
        finished_months_ago(&app, "service_requests", "closed_at", Some(ids[0]), 37).await;
        finished_months_ago(&app, "service_requests", "received_at", Some(ids[2]), 40).await;
        // The demo's mediation cases as if closed 121 months ago (the period is 120 months).
        finished_months_ago(&app, "mediation_cases", "closed_at", None, 121).await;
        let closed_before = app.total(&admin, "/api/v1/requests?status=closed").await;
        let audit_before = app.audit_count(&admin).await;

        let erased = app.services.erase_expired_personal_data().await.unwrap();
        let n = erased.values().next().cloned().unwrap_or_default();
        assert_eq!(erased.len(), 1, "{backend:?}: one district");
        assert_eq!(n.matters, 1, "{backend:?}: {erased:?}");
        assert!(n.mediation_cases >= 1, "{backend:?}: {erased:?}");

        let (_, old) = app.get(&admin, &format!("/api/v1/requests/{}", ids[0])).await;
        assert_eq!(old["requester_name"], "（已清除）", "{backend:?}: {old}");
        assert!(old["requester_phone_masked"].is_null() && old["requester_address"].is_null(), "{old}");
        assert!(!old.to_string().contains("欧阳") && !old.to_string().contains("宅基地"), "{old}");
        // The record stays for the statistics.
        assert_eq!((old["category"].as_str(), old["status"].as_str()), (Some("consultation"), Some("closed")));
        assert_eq!(old["region"], "220802100201");
        assert_eq!(app.total(&admin, "/api/v1/requests?status=closed").await, closed_before);
        for id in &ids[1..] {
            let (_, kept) = app.get(&admin, &format!("/api/v1/requests/{id}")).await;
            assert!(kept["requester_name"].as_str().unwrap().starts_with("欧阳"), "{backend:?}: {kept}");
        }
        // The citizen's lookup no longer answers for the erased one.
        let (_, number) = (0, old["number"].as_str().unwrap().to_string());
        let r = app
            .client
            .get(app.url(&format!("/api/v1/public/track?number={number}&phone_last4=5678")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        let (_, cases) = app.get(&admin, "/api/v1/mediation/cases?page_size=100").await;
        let case = cases["items"][0].clone();
        let (_, case) = app.get(&mediator, &format!("/api/v1/mediation/cases/{}", case["id"])).await;
        for party in case["parties"].as_array().unwrap() {
            assert_eq!(party["name"], "（已清除）", "{backend:?}: {case}");
            assert!(party["phone_masked"].is_null(), "{case}");
        }
        assert_eq!(case["summary"], gongdao_store::privacy::ERASED_TEXT);

        // One audit entry says what was erased and why; a second run finds nothing.
        assert_eq!(app.audit_count(&admin).await, audit_before + 1);
        let (_, audit) = app.get(&admin, "/api/v1/audit?action=erase").await;
        let summary = audit["items"][0]["summary"].as_str().unwrap();
        assert!(summary.contains("服务事项1件") && summary.contains("个人信息保护法 第十九条"), "{summary}");
        assert!(app.services.erase_expired_personal_data().await.unwrap().is_empty());
        // What stays sealed is the marker: nothing in the clear.
        for (column, value) in stored_values(&app).await {
            assert!(gongdao_store::pii::has_key_mark(&value), "{backend:?}: {column} holds {value:?}");
        }
        app.stop().await;
    }
}
