//! Duty lawyers (值班律师, issue 20): stations kept by a legal aid centre, a month's
//! roster drawn in turn over working days, services recorded by the lawyer on duty, the
//! 24-hour hand-over of an application from custody, counts per station and month, and
//! the scope of each of these.

use chrono::Datelike;
use gongdao_domain::legal_aid::duty::Shift;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, error_fields, spawn_app_with};

async fn lawyer_ids(app: &TestApp, s: &crate::helpers::Session, station: i64) -> Vec<i64> {
    let (status, r) = app.get(s, &format!("/api/v1/legal-aid/duty/stations/{station}/roster")).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    r["lawyers"].as_array().unwrap().iter().map(|l| l["id"].as_i64().unwrap()).collect()
}

/// Puts `person` on duty at `station` on `day` (a day already past, which the roster
/// form never draws).
async fn put_on_duty(app: &TestApp, station: i64, day: chrono::NaiveDate, person: i64) {
    gongdao_store::duty::replace_roster(
        app.services.store().writer(),
        station,
        day,
        day,
        &[Shift { day, person_id: person }],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn stations_rosters_and_services_on_both_backends() {
    for backend in crate::helpers::backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let reviewer = app.login_as("reviewer").await;
        let lawyer = app.login_as("lawyer").await;
        let window = app.login_as("window").await;
        let centre = app.institution_id(&reviewer, "洮北区法律援助中心").await;
        let station_of_township = app.institution_id(&reviewer, "平台镇法律援助工作站").await;

        // Opening a station: every bad field named, a township station is not a centre,
        // the name is unique, and only a reviewer may.
        let (status, body) = app.post(&reviewer, "/api/v1/legal-aid/duty/stations", json!({"place": "market"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {body}");
        assert_eq!(error_fields(&body), vec!["name", "place", "centre_id"]);
        let station = |centre: i64| json!({"name": "洮北区人民法院法律援助工作站", "place": "court", "centre_id": centre, "address": "新华西大路"});
        let (status, body) = app.post(&reviewer, "/api/v1/legal-aid/duty/stations", station(station_of_township)).await;
        assert_eq!((status, error_fields(&body)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["centre_id".to_string()]));
        let (status, st) = app.post(&reviewer, "/api/v1/legal-aid/duty/stations", station(centre)).await;
        assert_eq!(status, StatusCode::CREATED, "{st}");
        assert_eq!((st["place"].as_str(), st["centre_name"].as_str()), (Some("court"), Some("洮北区法律援助中心")));
        let id = st["id"].as_i64().unwrap();
        let (status, body) = app.post(&reviewer, "/api/v1/legal-aid/duty/stations", station(centre)).await;
        assert_eq!((status, error_fields(&body)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_string()]));
        assert_eq!(
            app.post(&window, "/api/v1/legal-aid/duty/stations", station(centre)).await.0,
            StatusCode::FORBIDDEN
        );

        // Next month's roster: four lawyers in turn, two a working day, none on a day off.
        let lawyers = lawyer_ids(&app, &reviewer, id).await;
        assert!(lawyers.len() >= 4, "{lawyers:?}");
        let today = app.services.today();
        let next = (today.with_day(1).unwrap() + chrono::Months::new(1)).format("%Y-%m").to_string();
        let turn = &lawyers[..4];
        let base = format!("/api/v1/legal-aid/duty/stations/{id}/roster");
        let (status, r) = app.post(&reviewer, &base, json!({"month": next, "person_ids": turn, "per_day": 2})).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        let days = r["days"].as_array().unwrap();
        let workdays = days.iter().filter(|d| d["workday"] == true).count();
        assert!(workdays >= 15, "{workdays}");
        let mut shifts: Vec<i64> = Vec::new();
        for d in days {
            let on = d["on_duty"].as_array().unwrap();
            assert_eq!(on.len(), if d["workday"] == true { 2 } else { 0 }, "{d}");
            if on.len() == 2 {
                assert_ne!(on[0]["person_id"], on[1]["person_id"], "twice on one day: {d}");
            }
            shifts.extend(on.iter().map(|e| e["person_id"].as_i64().unwrap()));
        }
        let counts: Vec<usize> = turn.iter().map(|p| shifts.iter().filter(|s| *s == p).count()).collect();
        assert!(counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1, "{counts:?}");
        let (_, again) = app.get(&reviewer, &format!("{base}?month={next}")).await;
        assert_eq!(again["days"], r["days"], "the roster is kept");
        // Bad rosters: a month gone by, nobody, too many a day, someone outside the scope.
        for (body, field) in [
            (json!({"month": "2020-01", "person_ids": turn}), "month"),
            (json!({"month": "2026-13", "person_ids": turn}), "month"),
            (json!({"month": next, "person_ids": []}), "person_ids"),
            (json!({"month": next, "person_ids": turn, "per_day": 0}), "per_day"),
            (json!({"month": next, "person_ids": [999_999]}), "person_ids"),
        ] {
            let (status, e) = app.post(&reviewer, &base, body.clone()).await;
            assert_eq!(
                (status, error_fields(&e)),
                (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
                "{body}"
            );
        }
        let (_, unchanged) = app.get(&reviewer, &format!("{base}?month={next}")).await;
        assert_eq!(unchanged["days"], r["days"], "a refused roster changes nothing");

        // Services by the lawyer on duty three days ago.
        let day = today - chrono::Duration::days(3);
        put_on_duty(&app, id, day, turn[0]).await;
        let service = |person: i64, kinds: Value| {
            json!({"station_id": id, "person_id": person, "served_on": day.to_string(), "stage": "prosecution",
                   "kinds": kinds, "client_name": "王某某", "note": "告知认罪认罚的法律后果"})
        };
        let url = "/api/v1/legal-aid/duty/services";
        let (status, s) = app.post(&lawyer, url, service(turn[0], json!(["advice", "plea_signing"]))).await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?}: {s}");
        assert_eq!(s["kinds"], json!(["advice", "plea_signing"]));
        assert_eq!((s["client_name"].as_str(), s["forwarded_late"].as_bool()), (Some("王某某"), Some(false)));
        let mut late = service(turn[0], json!(["advice", "forwarded"]));
        late["received_at"] = json!(format!("{day}T09:00"));
        late["forwarded_at"] = json!(format!("{}T16:00", day + chrono::Duration::days(1)));
        let (status, s) = app.post(&lawyer, url, late.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{s}");
        assert_eq!(s["forwarded_late"], true, "31 hours is past the 24 of 第三十九条");
        // Bad services: nothing done, a future day, a lawyer not on duty, a hand-over
        // without its times, a station that does not exist; a clerk may not record.
        let mut future = service(turn[0], json!(["advice"]));
        future["served_on"] = json!((today + chrono::Duration::days(1)).to_string());
        let mut no_times = late.clone();
        no_times["received_at"] = Value::Null;
        let mut nowhere = service(turn[0], json!(["advice"]));
        nowhere["station_id"] = json!(999_999);
        for (body, field) in [
            (service(turn[0], json!([])), "kinds"),
            (service(turn[0], json!(["dancing"])), "kinds"),
            (future, "served_on"),
            (service(turn[1], json!(["advice"])), "person_id"),
            (no_times, "received_at"),
            (nowhere, "station_id"),
        ] {
            let (status, e) = app.post(&lawyer, url, body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {e}");
            assert!(error_fields(&e).contains(&field.to_string()), "{field}: {e}");
        }
        assert_eq!(app.post(&window, url, service(turn[0], json!(["advice"]))).await.0, StatusCode::FORBIDDEN);
        let (_, list) = app.get(&reviewer, &format!("{url}?station_id={id}")).await;
        assert_eq!(list["total"], 2, "{backend:?}: only the two good services were written");
        // Pro bono work reaches the lawyer's integrity archive from the duty records,
        // with its points in the credit score.
        let (status, a) = app.get(&reviewer, &format!("/api/v1/archives/person/{}", turn[0])).await;
        assert_eq!(status, StatusCode::OK, "{a}");
        assert_eq!(a["duty_services"], 2, "{backend:?}");
        let reasons = a["credit"]["reasons"].as_array().unwrap();
        assert!(reasons.iter().any(|r| r[0] == "值班律师法律帮助 2 次"), "{reasons:?}");
        let (_, other) = app.get(&reviewer, &format!("/api/v1/archives/person/{}", turn[1])).await;
        assert_eq!(other["duty_services"], 0, "another lawyer's duty is not theirs");

        // The counts: this station this month, by what was done, the late hand-over.
        let (status, f) = app.get(&reviewer, "/api/v1/legal-aid/duty/figures").await;
        assert_eq!(status, StatusCode::OK, "{f}");
        let month = day.format("%Y-%m").to_string();
        assert_eq!(f["by_station_month"], json!([{"station_id": id, "month": month, "services": 2}]));
        let kind = |code: &str| {
            f["by_kind"].as_array().unwrap().iter().find(|k| k["kind"] == code).unwrap()["services"].clone()
        };
        assert_eq!(
            (kind("advice"), kind("plea_signing"), kind("forwarded"), kind("meeting")),
            (json!(2), json!(1), json!(1), json!(0))
        );
        assert_eq!((f["forwarded"].as_i64(), f["forwarded_late"].as_i64()), (Some(1), Some(1)));

        // A township reviewer sees none of the district's stations, by list or by id.
        let admin = app.login_as("admin").await;
        let local = app.new_account(&admin, "pt-duty", "legal_aid_reviewer", "220802100000").await.session;
        let (_, mine) = app.get(&local, "/api/v1/legal-aid/duty/stations").await;
        assert_eq!(mine, json!([]));
        assert_eq!(app.get(&local, &base).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&local, &format!("{url}?station_id={id}")).await.0, StatusCode::NOT_FOUND);
        let (_, theirs) = app.get(&local, url).await;
        assert_eq!(theirs["total"], 0);
        let (status, e) = app.post(&local, url, service(turn[0], json!(["advice"]))).await;
        assert_eq!((status, error_fields(&e)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["station_id".to_string()]));
        assert_eq!(app.post(&local, &base, json!({"month": next, "person_ids": turn})).await.0, StatusCode::NOT_FOUND);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_pages_show_the_counts_the_calendar_and_keep_a_bad_form() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.jobs_interval_ms = 0).await;
    let reviewer = app.login_as("reviewer").await;
    let centre = app.institution_id(&reviewer, "洮北区法律援助中心").await;
    let (_, st) = app
        .post(
            &reviewer,
            "/api/v1/legal-aid/duty/stations",
            json!({"name": "白城市看守所值班律师工作站", "place": "detention", "centre_id": centre}),
        )
        .await;
    let id = st["id"].as_i64().unwrap();
    let (status, page) = app.page(&reviewer, "/legal-aid/duty").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("白城市看守所值班律师工作站") && page.contains("看守所") && page.contains("登记值班服务"),
        "{page}"
    );
    // A bad service comes back with its input and the error beside its field.
    let r = app
        .post_form(
            &reviewer,
            "/legal-aid/duty/services",
            &[
                ("station_id", &id.to_string()),
                ("served_on", "2026-02-30"),
                ("stage", "trial"),
                ("client_name", "赵某"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"f-service-served_on-error\""), "the date's error beside it");
    assert!(page.contains("请至少选择一项服务内容") && page.contains("请选择值班律师"), "every missing field is named");
    assert!(page.contains("value=\"赵某\""), "the input is kept");
    // The station's month as a calendar, and drawing it from the form.
    let month = app.services.today().format("%Y-%m").to_string();
    let (status, page) = app.page(&reviewer, &format!("/legal-aid/duty/stations/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("{month} 值班表")) && page.contains("table class=\"roster\""));
    let lawyers = lawyer_ids(&app, &reviewer, id).await;
    let r = app
        .post_form(
            &reviewer,
            &format!("/legal-aid/duty/stations/{id}/roster"),
            &[("month", month.as_str()), ("per_day", "0")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("请至少选择一名值班律师"));
    let (a, b) = (lawyers[0].to_string(), lawyers[1].to_string());
    let r = app
        .post_form(
            &reviewer,
            &format!("/legal-aid/duty/stations/{id}/roster"),
            &[("month", month.as_str()), ("person_ids", &a), ("person_ids", &b), ("per_day", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, roster) = app.get(&reviewer, &format!("/api/v1/legal-aid/duty/stations/{id}/roster")).await;
    let today = app.services.today().to_string();
    for d in roster["days"].as_array().unwrap() {
        let n = d["on_duty"].as_array().unwrap().len();
        let expected = usize::from(d["workday"] == true && d["day"].as_str().unwrap() >= today.as_str());
        assert_eq!(n, expected, "{d}");
    }
    app.stop().await;
}
