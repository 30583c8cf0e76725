//! Events (issue 22): legal education and itinerant services recorded planned or held —
//! never held before their day — in the recorder's scope, tagged with the plan's key
//! dates, and consultations taken at a held event becoming matters of channel
//! `itinerant`; on both backends.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{error_fields, spawn_app};

#[tokio::test]
async fn events_are_held_not_before_their_day_and_take_consultations_on_both_backends() {
    for backend in crate::helpers::backends() {
        let app = spawn_app(backend).await;
        // The 平台镇 window: its township only.
        let window = app.login_as("window").await;
        let today = app.services.today();
        let event = |day: chrono::NaiveDate, held: bool| {
            json!({"kind": "itinerant", "title": "平台镇巡回法律服务", "held_on": day.to_string(),
                   "region": "220802100000", "audience": "80", "topic": "民法典", "held": held})
        };
        let (status, e) = app.post(&window, "/api/v1/events", event(today, true)).await;
        assert_eq!(status, StatusCode::CREATED, "{e}");
        assert_eq!(e["held"], true);
        assert_eq!(e["audience"], 80);
        let held_id = e["id"].as_i64().unwrap();

        // Next week: held is refused naming the day; planned is kept, and cannot be
        // confirmed before its day.
        let next_week = today + chrono::Duration::days(7);
        let (status, body) = app.post(&window, "/api/v1/events", event(next_week, true)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["held_on"], "{body}");
        let (status, planned) = app.post(&window, "/api/v1/events", event(next_week, false)).await;
        assert_eq!(status, StatusCode::CREATED);
        let planned_id = planned["id"].as_i64().unwrap();
        let (status, body) = app.post(&window, &format!("/api/v1/events/{planned_id}/held"), json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), vec!["held_on"]);

        // Outside the window's township, or an institution outside it: named, nothing kept.
        let before = app.get(&window, "/api/v1/events").await.1["total"].as_u64().unwrap();
        let mut elsewhere = event(today, true);
        elsewhere["region"] = json!("220802101000");
        let (status, body) = app.post(&window, "/api/v1/events", elsewhere).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), vec!["region"]);
        let admin = app.login_as("admin").await;
        let far =
            app.get(&admin, "/api/v1/institutions?region=220802101000").await.1["items"][0]["id"].as_i64().unwrap();
        let mut foreign = event(today, true);
        foreign["institution_id"] = json!(far);
        let (status, body) = app.post(&window, "/api/v1/events", foreign).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), vec!["institution_id"]);
        let mut bad = event(today, true);
        bad["kind"] = json!("party");
        bad["audience"] = json!("many");
        let (_, body) = app.post(&window, "/api/v1/events", bad).await;
        let mut fields = error_fields(&body);
        fields.sort();
        assert_eq!(fields, vec!["audience", "kind"]);
        assert_eq!(app.get(&window, "/api/v1/events").await.1["total"].as_u64().unwrap(), before);

        // A consultation at the held event: a matter of channel itinerant, in its place.
        let (status, c) = app
            .post(
                &window,
                &format!("/api/v1/events/{held_id}/consultations"),
                json!({"category": "consultation", "requester": {"name": "王桂兰", "phone": "13943608721"},
                       "description": "子女不给赡养费怎么办？"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        let (_, m) = app.get(&window, &format!("/api/v1/requests/{}", c["id"])).await;
        assert_eq!(m["channel"], "itinerant", "{m}");
        assert_eq!(app.get(&window, &format!("/api/v1/events/{held_id}")).await.1["consultations"], 1);
        // None at a planned one; another township's account does not see the event.
        let (status, _) = app
            .post(
                &window,
                &format!("/api/v1/events/{planned_id}/consultations"),
                json!({"category": "consultation", "requester": {"name": "李振国", "phone": "15804368830"},
                       "description": "问地界"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let other = app.new_account(&admin, "other-window", "window_staff", "220802101000").await.session;
        assert_eq!(app.get(&other, &format!("/api/v1/events/{held_id}")).await.0, StatusCode::NOT_FOUND);
        app.stop().await;
    }
}

#[tokio::test]
async fn an_event_on_a_key_date_is_tagged_with_it() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let window = app.login_as("window").await;
    let year = chrono::Datelike::year(&app.services.today()) - 1;
    let (status, e) = app
        .post(
            &window,
            "/api/v1/events",
            json!({"kind": "legal_education", "title": "宪法宣传周", "held_on": format!("{year}-12-04"),
                   "region": "220802100000", "held": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(e["key_dates"], json!(["宪法宣传周（国家宪法日）"]));
    // The page lists it with its tag; the form keeps a refused input.
    let (status, page) = app.page(&window, "/events").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("宪法宣传周（国家宪法日）") && page.contains("登记活动"));
    let next_month = (app.services.today() + chrono::Duration::days(30)).to_string();
    let form = [
        ("kind", "itinerant"),
        ("title", "未来的活动"),
        ("held_on", next_month.as_str()),
        ("region", "220802100000"),
        ("held", "on"),
    ];
    let response = app.post_form(&window, "/events", &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("不能登记为已举办") && page.contains("未来的活动"), "the form keeps its input");
    app.stop().await;
}
