//! 好差评 (issue 21): a completed service's invitation made in its closing transaction
//! with an SMS link; the public rating with its one-time token and every bad input; a
//! bad review's rectification loop (verify, rectify, feed back, the bureau's check, the
//! call-back) with its working-day deadline, reminder and escalation; an appeal the
//! bureau upholds; supervisors' visits; the figures, kept exact by the tallies on both
//! backends; and who sees what.

use gongdao_domain::calendar::Period;
use gongdao_domain::evaluation::ServiceKind;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, error_fields, spawn_app_with};

/// Files a matter at the window with the requester's phone, resolves and closes it;
/// returns its id and the token of the rating link sent by SMS.
async fn closed_matter(app: &TestApp, window: &Session, phone: Option<&str>) -> (i64, String) {
    let requester = json!({"name": "王秀英", "phone": phone.unwrap_or("13844360000")});
    let (status, m) = app
        .post(
            window,
            "/api/v1/requests",
            json!({"channel": "window", "category": "consultation", "requester": requester,
                   "region": "220802100201", "description": "邻居家的狗咬了我，怎么赔？"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let id = m["id"].as_i64().unwrap();
    let (status, r) = app
        .post(window, &format!("/api/v1/requests/{id}/resolve"), json!({"text": "已告知民法典第一千二百四十五条。"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (status, r) = app.post(window, &format!("/api/v1/requests/{id}/close"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let link = app.services.rating_link_of(ServiceKind::Request, id).await.unwrap().expect("an open invitation");
    (id, link.trim_start_matches("/rate/").to_string())
}

async fn rate(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let r = app.client.post(app.url("/api/v1/evaluations")).json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn figures(app: &TestApp, s: &Session) -> Value {
    let (status, f) = app.get(s, "/api/v1/evaluations/figures").await;
    assert_eq!(status, StatusCode::OK, "{f}");
    f
}

async fn assert_tallies_exact(app: &TestApp) {
    let conn = app.services.store().reader();
    let kept = gongdao_store::evaluation::tallies(conn).await.unwrap();
    let counted = gongdao_store::evaluation::recount(conn).await.unwrap();
    assert_eq!(kept, counted, "the tallies agree with a recount of the rows");
}

/// The assessment's task counts, summed in SQL, agree with the task rows counted here.
async fn assert_task_counts_exact(app: &TestApp) {
    use gongdao_store::evaluation::{RectFilter, TaskCounts, rectifications, task_counts};
    let conn = app.services.store().reader();
    let scope = gongdao_domain::auth::Scope::new(gongdao_domain::DivisionCode::parse("region", "220802").unwrap());
    let now = chrono::Utc::now();
    let today = app.services.today();
    let counted =
        task_counts(conn, scope, (now - chrono::Duration::days(3650), now + chrono::Duration::days(1)), today)
            .await
            .unwrap();
    let all = gongdao_store::Page { limit: 100_000, offset: 0 };
    let (rows, _) =
        rectifications(conn, app.services.cipher(), scope, &RectFilter::default(), today, all).await.unwrap();
    let n = |f: &dyn Fn(&gongdao_domain::evaluation::rectification::Rectification) -> bool| {
        rows.iter().filter(|t| f(t)).count() as u64
    };
    let closed = |t: &gongdao_domain::evaluation::rectification::Rectification| {
        t.status == gongdao_domain::evaluation::rectification::RectStatus::Closed
    };
    let expected = TaskCounts {
        opened: rows.len() as u64,
        from_reviews: n(&|t| t.visit_id.is_none()),
        from_visits: n(&|t| t.visit_id.is_some()),
        closed: n(&closed),
        on_time: n(&|t| t.on_time == Some(true)),
        late: n(&|t| t.on_time == Some(false)),
        open: n(&|t| !closed(t)),
        overdue: n(&|t| t.overdue),
        appealed: n(&|t| t.appealed),
    };
    assert_eq!(counted, expected);
}

async fn step(app: &TestApp, s: &Session, task: i64, step: &str, body: Value) -> (StatusCode, Value) {
    let version = app.get(s, &format!("/api/v1/rectifications/{task}")).await.1["task"]["version"].clone();
    let mut body = body;
    body["version"] = version;
    app.post(s, &format!("/api/v1/rectifications/{task}/{step}"), body).await
}

#[tokio::test]
async fn a_closed_matter_is_rated_once_and_its_bad_review_walks_the_whole_loop_on_both_backends() {
    for backend in crate::helpers::backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let window = app.login_as("window").await;
        let leader = app.login_as("leader").await;
        let hotline = app.login_as("hotline").await;
        let lawyer = app.login_as("lawyer").await;
        let (matter, token) = closed_matter(&app, &window, Some("13844361234")).await;

        // The SMS with the link went out in the closing transaction.
        let (_, messages) = app.get(&window, &format!("/api/v1/requests/{matter}/messages")).await;
        let sms = messages.as_array().unwrap().iter().find(|m| m["template"] == "evaluation").expect("an SMS");
        assert!(sms["body"].as_str().unwrap().contains(&format!("/rate/{token}")), "{sms}");

        // The tracking page offers the rating to whoever proves the matter is theirs.
        let number =
            app.get(&window, &format!("/api/v1/requests/{matter}")).await.1["number"].as_str().unwrap().to_string();
        let track = format!("/track?number={number}&phone_last4=1234");
        let page = app.client.get(app.url(&track)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&format!("/rate/{token}")), "the tracking page offers the rating");
        assert!(page.contains("id=\"face-5\""), "with the faces, one tap to rate");

        // The closing notice printed for the person served carries the code to scan.
        let (status, notice) = app.page(&window, &format!("/requests/{matter}/receipt")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(notice.contains("公共法律服务事项办结告知单") && notice.contains("办结时间"), "{notice}");
        let code = &notice[notice.find("id=\"scan-code\"").expect("a rating code")..];
        assert!(code.contains("<svg") && code.contains("手机扫码，评价这次服务"));

        // What the page asks, without a login.
        let r = app.client.get(app.url(&format!("/api/v1/evaluations/invitations/{token}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let inv: Value = r.json().await.unwrap();
        assert_eq!(inv["channel"], "offline");
        assert!(inv["indicators"].as_array().unwrap().iter().any(|i| i == "服务态度"), "{inv}");

        // Bad input: each named, nothing written.
        for (body, field) in [
            (json!({"token": token, "level": 9}), "level"),
            (json!({"token": token}), "level"),
            (json!({"token": token, "level": 2}), "reasons"),
            (json!({"token": token, "level": 5, "reasons": ["slow"]}), "reasons"),
            (json!({"token": token, "level": 2, "reasons": ["astrology"]}), "reasons"),
            (json!({"token": token, "level": 4, "indicators": {"办事便捷度": 5}}), "indicators"),
            (json!({"token": token, "level": 4, "comment": "好".repeat(100_000)}), "comment"),
            (json!({"token": "forged-token-0000", "level": 5}), "token"),
            (json!({"level": 5}), "token"),
        ] {
            let (status, e) = rate(&app, body).await;
            assert_eq!((status, error_fields(&e)), (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]), "{e}");
            let message = crate::helpers::field_message(&e, field);
            assert!(message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{message}");
        }
        assert_eq!(app.total(&window, "/api/v1/evaluations").await, 0, "nothing written by refused ratings");

        // 不满意, with reasons and a comment with markup.
        let (status, receipt) = rate(
            &app,
            json!({"token": token, "level": 2, "reasons": ["slow", "unclear"], "indicators": {"服务态度": 3},
                   "comment": "<script>alert(1)</script>等了很久"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
        let answer_by: chrono::NaiveDate = receipt["answer_by"].as_str().unwrap().parse().unwrap();
        // 15 working days on the platform calendar, from the day of the review.
        let book = app.services.rules().await.unwrap();
        let rules = book.installation();
        let expected = rules.due(app.services.now(), Period::working_days(15)).1.last_day;
        assert_eq!(answer_by, expected);
        assert!(answer_by >= app.services.today() + chrono::Duration::days(19), "three weeks at least");

        let page = app.client.get(app.url(&track)).send().await.unwrap().text().await.unwrap();
        assert!(!page.contains("/rate/"), "rated: no more offer");

        // One service, one rating.
        let (status, e) = rate(&app, json!({"token": token, "level": 5})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{e}");
        assert!(e["error"]["message"].as_str().unwrap().contains("评价过"), "{e}");

        // Staff see what was rated, not who rated; markup stays text on the page.
        let (_, list) = app.get(&window, "/api/v1/evaluations").await;
        let e = &list["items"][0];
        assert_eq!((e["level"].as_i64(), e["real_name"].as_bool()), (Some(2), Some(true)));
        let text = list.to_string();
        assert!(!text.contains("13844361234") && !text.contains("王秀英"), "{text}");
        let (_, page) = app.page(&window, "/evaluations?level=bad").await;
        assert!(page.contains("alert(1)") && !page.contains("<script>alert"), "the comment is shown as text");
        let task = e["rectification_id"].as_i64().expect("a bad review opens a task");

        // Another institution's lawyer neither sees the task nor the review.
        assert_eq!(app.get(&lawyer, &format!("/api/v1/rectifications/{task}")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.total(&lawyer, "/api/v1/evaluations").await, 0);

        // The institution verifies, rectifies, feeds back; each step needs its note and
        // the version read; the bureau's steps are not theirs.
        let (status, d) = app.get(&window, &format!("/api/v1/rectifications/{task}")).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        assert_eq!(d["task"]["status"], "open");
        assert_eq!(d["steps"], json!(["verify", "appeal"]));
        assert!(d["reviewer_phone"].is_null(), "the institution never sees the reviewer's phone");
        let (status, e) = step(&app, &window, task, "verify", json!({"note": "  "})).await;
        assert_eq!((status, error_fields(&e)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["note".to_string()]));
        let (status, _) = app
            .post(&window, &format!("/api/v1/rectifications/{task}/verify"), json!({"note": "x", "version": 99}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "a stale version");
        let (status, e) = step(&app, &window, task, "feedback", json!({"note": "已整改"})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{e}");
        assert!(e["error"]["message"].as_str().unwrap().contains("先完成整改"), "{e}");
        for (s, note) in [
            ("verify", "属实：答复用了五天。"),
            ("rectify", "当日答复，复杂问题三日内回电。"),
            ("feedback", "已整改，向您致歉。"),
        ] {
            let (status, d) = step(&app, &window, task, s, json!({"note": note})).await;
            assert_eq!(status, StatusCode::OK, "{s}: {d}");
        }
        // The reviewer hears what was done, by SMS to the phone they left.
        let outbox = gongdao_store::outbox::count_state(app.services.store().reader(), "pending").await.unwrap();
        assert!(outbox >= 2, "the rating link and the feedback wait for the gateway: {outbox}");
        assert_eq!(step(&app, &window, task, "pass", json!({})).await.0, StatusCode::FORBIDDEN);

        // The bureau passes it; a real-name reviewer is called back by the hotline, who
        // alone sees the phone, and only now.
        let (status, d) = step(&app, &leader, task, "pass", json!({"note": ""})).await;
        assert_eq!((status, d["task"]["status"].as_str()), (StatusCode::OK, Some("call_back")), "{d}");
        let (_, d) = app.get(&hotline, &format!("/api/v1/rectifications/{task}")).await;
        assert_eq!(d["reviewer_phone"], "13844361234");
        let (status, e) = step(&app, &hotline, task, "call-back", json!({"note": "满意"})).await;
        assert_eq!((status, error_fields(&e)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["result".to_string()]));
        let (status, d) =
            step(&app, &hotline, task, "call-back", json!({"note": "对整改满意", "result": "satisfied"})).await;
        assert_eq!((status, d["task"]["status"].as_str()), (StatusCode::OK, Some("closed")), "{d}");
        assert_eq!(d["task"]["on_time"], true);
        assert_eq!(d["events"].as_array().unwrap().len(), 5);

        // The figures moved.
        let f = figures(&app, &leader).await;
        let t = &f["total"];
        assert_eq!(
            (t["completed"].as_i64(), t["rated"].as_i64(), t["bad"].as_i64()),
            (Some(1), Some(1), Some(1)),
            "{t}"
        );
        assert_eq!(
            (t["rectified_on_time"].as_i64(), t["call_back_owed"].as_i64(), t["called_back"].as_i64()),
            (Some(1), Some(1), Some(1))
        );
        assert_eq!(t["satisfaction"].as_f64(), Some(0.0));
        assert_eq!(t["participation"].as_f64(), Some(1.0));
        assert_tallies_exact(&app).await;
        assert_task_counts_exact(&app).await;

        // A good rating of a second service: satisfaction 50 %.
        let (_, token2) = closed_matter(&app, &window, Some("13844360000")).await;
        let (status, r) = rate(&app, json!({"token": token2, "level": 5})).await;
        assert_eq!((status, r["answer_by"].is_null()), (StatusCode::CREATED, true), "{r}");
        let t = figures(&app, &leader).await["total"].clone();
        assert_eq!((t["rated"].as_i64(), t["satisfaction"].as_f64()), (Some(2), Some(0.5)));
        // The published figures say the same, with no person in them.
        let published: Value =
            app.client.get(app.url("/api/v1/public/evaluations")).send().await.unwrap().json().await.unwrap();
        assert_eq!(published["total"]["satisfaction"].as_f64(), Some(0.5));
        assert!(published["by_person"].as_array().unwrap().is_empty());
        // Counts from the tallies agree with the rows counted.
        for (path, n) in [
            ("/api/v1/evaluations", 2),
            ("/api/v1/evaluations?level=bad", 1),
            ("/api/v1/evaluations?kind=request", 2),
            ("/api/v1/evaluations?channel=offline", 2),
            ("/api/v1/evaluations?channel=online", 0),
        ] {
            assert_eq!(app.total(&leader, path).await, n, "{path}");
        }
        assert_tallies_exact(&app).await;
        assert_task_counts_exact(&app).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn an_upheld_appeal_leaves_the_figures_but_stays_on_record_and_an_expired_token_is_refused() {
    for backend in crate::helpers::backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let window = app.login_as("window").await;
        let leader = app.login_as("leader").await;
        let (_, token) = closed_matter(&app, &window, Some("13844365678")).await;
        let (status, _) = rate(&app, json!({"token": token, "level": 1, "reasons": ["attitude"]})).await;
        assert_eq!(status, StatusCode::CREATED);
        let task = app.get(&window, "/api/v1/rectifications?state=open").await.1["items"][0]["id"].as_i64().unwrap();
        assert_eq!(step(&app, &window, task, "appeal", json!({"note": ""})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, d) = step(&app, &window, task, "appeal", json!({"note": "当日已答复，有通话记录。"})).await;
        assert_eq!((status, d["task"]["status"].as_str()), (StatusCode::OK, Some("appealing")), "{d}");
        assert_eq!(step(&app, &window, task, "uphold", json!({"note": "x"})).await.0, StatusCode::FORBIDDEN);
        let (status, d) = step(&app, &leader, task, "uphold", json!({"note": "通话记录证实已答复。"})).await;
        assert_eq!((status, d["task"]["status"].as_str()), (StatusCode::OK, Some("closed")), "{d}");
        let t = figures(&app, &leader).await["total"].clone();
        assert_eq!(
            (t["rated"].as_i64(), t["excluded"].as_i64(), t["call_back_owed"].as_i64()),
            (Some(0), Some(1), Some(0)),
            "{t}"
        );
        assert_eq!(t["satisfaction"], Value::Null, "no ratings counted: no figure, not 100 %");
        let (_, list) = app.get(&leader, "/api/v1/evaluations").await;
        assert_eq!((list["total"].as_i64(), list["items"][0]["excluded"].as_bool()), (Some(1), Some(true)));
        assert_tallies_exact(&app).await;
        assert_task_counts_exact(&app).await;

        // A second appeal of a rejected one is refused; rejecting sends it to rectification.
        let (_, token) = closed_matter(&app, &window, Some("13844360000")).await;
        rate(&app, json!({"token": token, "level": 2, "reasons": ["slow"]})).await;
        let task = app.get(&window, "/api/v1/rectifications?state=open").await.1["items"][0]["id"].as_i64().unwrap();
        step(&app, &window, task, "appeal", json!({"note": "不属实"})).await;
        let (_, d) = step(&app, &leader, task, "reject", json!({"note": "证据不足，请整改。"})).await;
        assert_eq!(d["task"]["status"], "verified");
        let (status, e) = step(&app, &window, task, "appeal", json!({"note": "再申诉"})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{e}");

        // An expired token: the link is refused in Chinese, nothing written.
        let (_, token) = closed_matter(&app, &window, Some("13844360000")).await;
        let conn = app.services.store().writer();
        let past = app.services.now() - chrono::Duration::days(1);
        use sea_orm::{EntityTrait, sea_query::Expr};
        gongdao_store::entity::evaluation_invitation::Entity::update_many()
            .col_expr(gongdao_store::entity::evaluation_invitation::Column::ExpiresAt, Expr::value(past))
            .exec(conn)
            .await
            .unwrap();
        let (status, e) = rate(&app, json!({"token": token, "level": 5})).await;
        assert_eq!((status, error_fields(&e)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["token".to_string()]));
        assert!(crate::helpers::field_message(&e, "token").contains("过期"), "{e}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_late_rectification_is_reminded_then_escalated_and_visits_open_tasks() {
    for backend in crate::helpers::backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let window = app.login_as("window").await;
        let leader = app.login_as("leader").await;
        let supervisor = app.login_as("supervisor").await;
        let workstation = app.institution_id(&window, "平台镇公共法律服务工作站").await;

        // A supervisor's visit: bad input named; a finding that needs it opens a task.
        let (status, e) =
            app.post(&supervisor, "/api/v1/supervision/visits", json!({"visited_on": "2099-01-01"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&e), vec!["institution_id", "visited_on", "findings"]);
        assert_eq!(
            app.post(&window, "/api/v1/supervision/visits", json!({})).await.0,
            StatusCode::FORBIDDEN,
            "staff do not record visits to themselves"
        );
        let today = app.services.today().to_string();
        let (status, v) = app
            .post(
                &supervisor,
                "/api/v1/supervision/visits",
                json!({"institution_id": workstation, "visited_on": today, "findings": "未公示投诉电话。", "needs_rectification": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let task = v["rectification_id"].as_i64().expect("a task");
        // Nothing to appeal about a visit.
        let (status, _) = step(&app, &window, task, "appeal", json!({"note": "不同意"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        // The supervisor sees the task, read-only.
        assert_eq!(app.get(&supervisor, &format!("/api/v1/rectifications/{task}")).await.1["steps"], json!([]));

        // Its reminder, then, past the due day, the escalation to the bureau.
        let before = app.get(&leader, "/api/v1/inbox").await.1.to_string();
        let now = app.services.now();
        gongdao_store::jobs::ensure(app.services.store().writer(), "rectification", task, now, now).await.unwrap();
        assert!(app.services.run_due_jobs("test", 10).await.unwrap() >= 1);
        let (_, inbox) = app.get(&window, "/api/v1/inbox").await;
        assert!(inbox.to_string().contains(&format!("整改任务 {task}")), "reminded: {inbox}");
        let conn = app.services.store().writer();
        use sea_orm::{EntityTrait, sea_query::Expr};
        gongdao_store::entity::rectification::Entity::update_many()
            .col_expr(gongdao_store::entity::rectification::Column::DueOn, Expr::value("2020-01-02"))
            .exec(conn)
            .await
            .unwrap();
        gongdao_store::jobs::ensure(conn, "rectification", task, app.services.now(), app.services.now()).await.unwrap();
        app.services.run_due_jobs("test", 10).await.unwrap();
        let (_, inbox) = app.get(&leader, "/api/v1/inbox").await;
        assert!(!before.contains("督办") && inbox.to_string().contains("督办"), "escalated: {inbox}");
        let (_, overdue) = app.get(&leader, "/api/v1/rectifications?state=overdue").await;
        assert_eq!(overdue["total"], 1);
        assert_eq!(overdue["items"][0]["overdue"], true);
        assert_task_counts_exact(&app).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn a_flood_of_ratings_from_one_address_is_turned_away() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await;
    let mut refused = None;
    for i in 0..60 {
        let r = app
            .client
            .post(app.url("/api/v1/evaluations"))
            .json(&json!({"token": format!("guess-{i}"), "level": 5}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((i, r.headers().get("retry-after").is_some(), r.json::<Value>().await.unwrap()));
            break;
        }
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a guessed token is not a rating");
    }
    let (after, retry_after, body) = refused.expect("the allowance ends");
    assert!(after >= 20, "a burst is allowed first: refused after {after}");
    assert!(retry_after, "says when to come back");
    assert!(body["error"]["message"].as_str().unwrap().contains("请求过于频繁"), "{body}");
    app.stop().await;
}

/// The third-party assessment package: the bureau's alone; the printed summary and the
/// workbook of nine sheets hold the period's ratings, tasks, visits and archives, never
/// who rated; a period is whole months, and a bad one is named.
#[tokio::test]
async fn the_assessment_package_holds_the_period_and_never_the_rater() {
    for backend in crate::helpers::backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let window = app.login_as("window").await;
        let leader = app.login_as("leader").await;
        let supervisor = app.login_as("supervisor").await;
        let (bad_matter, token) = closed_matter(&app, &window, Some("13844367777")).await;
        let comment = "窗口人员态度生硬<b>";
        let (status, _) =
            rate(&app, json!({"token": token, "level": 2, "reasons": ["attitude"], "comment": comment})).await;
        assert_eq!(status, StatusCode::CREATED);
        let (good_matter, token) = closed_matter(&app, &window, Some("13844368888")).await;
        assert_eq!(rate(&app, json!({"token": token, "level": 5})).await.0, StatusCode::CREATED);
        let workstation = app.institution_id(&window, "平台镇公共法律服务工作站").await;
        let today = gongdao_domain::calendar::china_day(chrono::Utc::now());
        let (status, _) = app
            .post(
                &supervisor,
                "/api/v1/supervision/visits",
                json!({"institution_id": workstation, "visited_on": today.to_string(), "findings": "便民服务栏缺少收费标准。", "needs_rectification": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let number = |id: i64| {
            let app = &app;
            let window = &window;
            async move { app.get(window, &format!("/api/v1/requests/{id}")).await.1["number"].as_str().unwrap().to_string() }
        };
        let (bad_number, good_number) = (number(bad_matter).await, number(good_matter).await);

        // Only the bureau takes the package.
        for s in [&window, &supervisor] {
            assert_eq!(app.page(s, "/evaluations/assessment").await.0, StatusCode::FORBIDDEN);
        }
        let (status, page) = app.page(&leader, "/evaluations/assessment").await;
        assert_eq!(status, StatusCode::OK);
        for words in [
            "一、总体情况",
            "满意率",
            "差评按时整改率",
            "社会监督员走访（次）",
            "诚信档案覆盖率",
            "100.0%",
            "差评 1，监督走访 1；已办结 0，在办 2（超期 0）",
        ] {
            assert!(page.contains(words), "{words}");
        }
        let month = today.format("%Y-%m").to_string();
        // By default the twelve months up to this one.
        let first = (chrono::Datelike::with_day(&today, 1).unwrap() - chrono::Months::new(11)).format("%Y-%m");
        let href = format!("/evaluations/assessment.xlsx?from={first}&#38;to={month}\"");
        assert!(page.contains(&href), "the page offers this period's workbook");

        let workbook = |query: String| {
            let app = &app;
            let cookie = format!("gongdao_session={}", leader.token);
            async move {
                app.client
                    .get(app.url(&format!("/evaluations/assessment.xlsx{query}")))
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let r = workbook(format!("?from={month}&to={month}")).await;
        assert_eq!(r.status(), StatusCode::OK);
        let bytes = r.bytes().await.unwrap();
        assert_eq!(
            crate::helpers::workbook_sheets(&bytes),
            vec!["概况", "按月", "按乡镇", "按机构", "按渠道", "评价明细", "整改台账", "监督走访", "诚信档案"]
        );
        let text = crate::helpers::workbook_text(&bytes);
        for words in [
            bad_number.as_str(),
            good_number.as_str(),
            "窗口人员态度生硬&lt;b&gt;",
            "便民服务栏缺少收费标准。",
            "平台镇公共法律服务工作站",
            "差评 1，监督走访 1；已办结 0，在办 2（超期 0）",
        ] {
            assert!(text.contains(words), "{words} in the workbook");
        }
        for secret in ["王秀英", "13844367777"] {
            assert!(!text.contains(secret), "the rater ({secret}) is never in the package");
        }

        // A period before these services holds none of them.
        let r = workbook("?from=2020-01&to=2020-02".into()).await;
        let text = crate::helpers::workbook_text(&r.bytes().await.unwrap());
        assert!(!text.contains(&bad_number) && text.contains("2020年1月至2020年2月"));

        // A bad period is named on the page, with what was typed.
        let (status, page) = app.page(&leader, "/evaluations/assessment?from=2026-13&to=2026-01").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("起始日期") && page.contains("value=\"2026-13\""), "{page}");
        let (status, page) = app.page(&leader, "/evaluations/assessment?from=2026-06&to=2026-01").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("起始日期不能晚于截止日期"));
        app.stop().await;
    }
}
