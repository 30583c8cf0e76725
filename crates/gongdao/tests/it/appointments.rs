//! Appointments and home visits: slots, bookings under concurrency, cancellation.

use std::collections::HashMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{backends, error_fields, spawn_app};

fn tomorrow() -> String {
    (gongdao_domain::calendar::china_day(chrono::Utc::now()) + chrono::Duration::days(1)).to_string()
}

#[tokio::test]
async fn a_full_slot_refuses_the_extra_bookings_even_at_once() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let window = app.login_as("window").await;
        let (status, slot) = app
            .post(
                &window,
                "/api/v1/appointments/slots",
                json!({"kind": "visit", "date": tomorrow(), "start": "09:00", "end": "11:30", "capacity": 3}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{slot}");
        assert_eq!(slot["institution_name"], "平台镇公共法律服务工作站");
        let slot_id = slot["id"].as_i64().unwrap();
        // Ten people try for three places at the same moment.
        let mut tasks = Vec::new();
        for i in 0..10 {
            let client = app.client.clone();
            let url = app.url("/api/v1/public/bookings");
            tasks.push(tokio::spawn(async move {
                let body = json!({"slot_id": slot_id, "name": format!("预约人{i}"), "phone": format!("1350000{i:04}"), "reason": "咨询土地承包问题"});
                let r = client.post(url).json(&body).send().await.unwrap();
                (r.status(), r.json::<Value>().await.unwrap())
            }));
        }
        let mut by_status: HashMap<StatusCode, usize> = HashMap::new();
        for t in tasks {
            let (status, body) = t.await.unwrap();
            if status == StatusCode::CONFLICT {
                assert!(body["error"]["message"].as_str().unwrap().contains("已约满"));
            }
            *by_status.entry(status).or_default() += 1;
        }
        assert_eq!(by_status.get(&StatusCode::CREATED), Some(&3), "{backend:?}: {by_status:?}");
        assert_eq!(by_status.get(&StatusCode::CONFLICT), Some(&7), "{backend:?}: {by_status:?}");
        let (_, overview) = app.get(&window, "/api/v1/appointments").await;
        assert_eq!(overview["slots"][0]["booked"], 3);
        let bookings = overview["bookings"].as_array().unwrap();
        assert_eq!(bookings.len(), 3);
        // A cancellation frees a place; the wrong phone digits do not.
        let code = bookings[0]["code"].as_str().unwrap().to_string();
        let r = app
            .client
            .post(app.url("/api/v1/public/bookings/cancel"))
            .json(&json!({"code": code, "phone_last4": "9999"}))
            .send()
            .await
            .unwrap();
        // Wrong digits and an unknown code answer alike: a guess learns nothing.
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let wrong_digits: serde_json::Value = r.json().await.unwrap();
        let r = app
            .client
            .post(app.url("/api/v1/public/bookings/cancel"))
            .json(&json!({"code": "YY20990101-999", "phone_last4": "9999"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let unknown: serde_json::Value = r.json().await.unwrap();
        assert_eq!(wrong_digits, unknown);
        assert!(!unknown["error"]["message"].as_str().unwrap().contains("管辖范围"), "{unknown}");
        let phone_last4 = bookings[0]["phone_masked"].as_str().unwrap()[7..].to_string();
        let r = app
            .client
            .post(app.url("/api/v1/public/bookings/cancel"))
            .json(&json!({"code": code, "phone_last4": phone_last4}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = app
            .client
            .post(app.url("/api/v1/public/bookings/cancel"))
            .json(&json!({"code": code, "phone_last4": phone_last4}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "cancelling twice");
        let slots: Value = app.client.get(app.url("/api/v1/public/slots")).send().await.unwrap().json().await.unwrap();
        assert_eq!(slots[0]["booked"], 2, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_slots_and_bookings_name_their_fields() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let window = app.login_as("window").await;
    let (status, body) = app
        .post(
            &window,
            "/api/v1/appointments/slots",
            json!({"kind": "teleport", "date": "2020-01-01", "start": "11:00", "end": "09:00", "capacity": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), vec!["kind", "date", "end", "capacity"]);
    let (_, slot) = app
        .post(
            &window,
            "/api/v1/appointments/slots",
            json!({"kind": "home_visit", "date": tomorrow(), "start": "14:00", "end": "16:00", "capacity": 1}),
        )
        .await;
    let slot_id = slot["id"].as_i64().unwrap();
    // A home visit needs an address.
    let r = app
        .client
        .post(app.url("/api/v1/public/bookings"))
        .json(&json!({"slot_id": slot_id, "name": "张奶奶", "phone": "13600001111", "reason": "腿脚不便，想咨询遗嘱"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&r.json().await.unwrap()), vec!["address"]);
    let r = app
        .client
        .post(app.url("/api/v1/public/bookings"))
        .json(&json!({"slot_id": slot_id, "name": "张奶奶", "phone": "13600001111", "address": "平台镇红星村3组", "reason": "腿脚不便，想咨询遗嘱", "groups": ["elderly", "disabled"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let booking: Value = r.json().await.unwrap();
    assert!(booking["code"].as_str().unwrap().starts_with("YY"));
    assert_eq!(booking["phone_masked"], "136****1111");
    // The confirmation SMS is queued with the code.
    let sms = gongdao_store::outbox::count_state(app.services.store().reader(), "pending").await.unwrap();
    assert_eq!(sms, 1);
    let r = app
        .client
        .post(app.url("/api/v1/public/bookings"))
        .json(&json!({"slot_id": 999999, "name": "甲", "phone": "13600001112", "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&r.json().await.unwrap()), vec!["slot_id"]);
    app.stop().await;
}

/// 办结 of a booking: refused before its day, by staff of another township and twice;
/// once done, the person served is invited to rate it (one booking, one rating), and
/// the rating is attributed to the institution that gave the service.
#[tokio::test]
async fn a_completed_booking_invites_one_rating() {
    use gongdao_domain::evaluation::ServiceKind;
    for backend in backends() {
        let app = spawn_app(backend).await;
        let window = app.login_as("window").await;
        let admin = app.login_as("admin").await;
        let (_, slot) = app
            .post(
                &window,
                "/api/v1/appointments/slots",
                json!({"kind": "visit", "date": tomorrow(), "start": "09:00", "end": "10:00", "capacity": 2}),
            )
            .await;
        let slot_id = slot["id"].as_i64().unwrap();
        let r = app
            .client
            .post(app.url("/api/v1/public/bookings"))
            .json(&json!({"slot_id": slot_id, "name": "李桂兰", "phone": "13600002222", "reason": "儿子不给赡养费"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let booking: Value = r.json().await.unwrap();
        let (id, code) = (booking["id"].as_i64().unwrap(), booking["code"].as_str().unwrap().to_string());
        let complete = "/api/v1/appointments/bookings/complete";

        // Not before the day of the slot.
        let (status, body) = app.post(&window, complete, json!({"code": code})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("还没到"), "{body}");
        assert!(app.services.rating_link_of(ServiceKind::Appointment, id).await.unwrap().is_none());

        // The day has come (the slot moved into the past).
        crate::helpers::move_due(&app, "appointment_slots", "starts_at", "none", slot_id, -2).await;
        let (status, body) = app.post(&window, complete, json!({"code": ""})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), vec!["code"]);
        // Staff of another township neither complete it nor learn that it exists.
        let other = app.new_account(&admin, "xx-window", "window_staff", "220802101000").await.session;
        let (status, body) = app.post(&other, complete, json!({"code": code})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert!(app.services.rating_link_of(ServiceKind::Appointment, id).await.unwrap().is_none());

        let (status, done) = app.post(&window, complete, json!({"code": code})).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["status"], "done");
        let link = app.services.rating_link_of(ServiceKind::Appointment, id).await.unwrap().expect("an invitation");
        let (status, again) = app.post(&window, complete, json!({"code": code})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");
        let r = app
            .client
            .post(app.url("/api/v1/public/bookings/cancel"))
            .json(&json!({"code": code, "phone_last4": "2222"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT, "a completed booking is not cancelled");

        // The rating page names the service; the rating is the institution's.
        let token = link.trim_start_matches("/rate/");
        let (status, inv) = app.get(&window, &format!("/api/v1/evaluations/invitations/{token}")).await;
        assert_eq!(status, StatusCode::OK, "{inv}");
        assert_eq!(inv["service_number"], code);
        assert_eq!(inv["institution_name"], "平台镇公共法律服务工作站");
        let r = app
            .client
            .post(app.url("/api/v1/evaluations"))
            .json(&json!({"token": token, "level": 5, "indicators": {"服务态度": 5}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
        let (_, list) = app.get(&window, "/api/v1/evaluations?kind=appointment").await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{list}");
        assert_eq!(items[0]["service_number"], code);
        assert_eq!(items[0]["institution_name"], "平台镇公共法律服务工作站");
        assert_eq!(items[0]["served_by_name"], done_by_name(&app, &window).await);
    }
}

async fn done_by_name(app: &crate::helpers::TestApp, s: &crate::helpers::Session) -> Value {
    app.get(s, "/api/v1/me").await.1["display_name"].clone()
}
