//! People's mediation: the case file from registration to agreement, judicial
//! confirmation counted and reminded, follow-up; failure with guidance; screening.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, backends, error_fields, spawn_app_with};

async fn committee(app: &TestApp, s: &crate::helpers::Session, name: &str) -> i64 {
    let (_, body) = app
        .get(s, &format!("/api/v1/institutions?type=mediation_committee&q={}", crate::helpers::urlencode(name)))
        .await;
    body["items"].as_array().unwrap().iter().find(|i| i["name"] == name).unwrap()["id"].as_i64().unwrap()
}

fn case(committee: i64) -> Value {
    json!({
        "committee_id": committee,
        "dispute_type": "neighbourhood",
        "source": "application",
        "summary": "两家因宅基地边界和排水沟发生争执",
        "parties": [
            {"role": "applicant", "name": "赵大山", "phone": "13900001111", "address": "平台镇榆树村2组"},
            {"role": "respondent", "name": "钱二水", "phone": "13900002222"}
        ]
    })
}

fn today() -> chrono::NaiveDate {
    gongdao_domain::calendar::china_day(chrono::Utc::now())
}

#[tokio::test]
async fn a_case_from_registration_to_agreement_confirmation_and_follow_up() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let mediator = app.login_as("mediator").await;
        let committee_id = committee(&app, &mediator, "平台镇人民调解委员会").await;
        let (status, c) = app.post(&mediator, "/api/v1/mediation/cases", case(committee_id)).await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        assert_eq!(c["status"], "applied");
        let number = c["number"].as_str().unwrap();
        assert!(number.contains("洮北调字第0001号"), "{number}");
        assert_eq!(c["parties"][1]["phone_masked"], "139****2222");
        let id = c["id"].as_i64().unwrap();
        let base = format!("/api/v1/mediation/cases/{id}");

        let (status, c) = app.post(&mediator, &format!("{base}/accept"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{c}");
        assert_eq!(c["status"], "mediating");
        assert!(c["due_at"].is_string());
        let (status, _) = app.post(&mediator, &format!("{base}/accept"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "accepting twice");

        let (status, body) = app.post(&mediator, &format!("{base}/sessions"), json!({"date": today().to_string(), "place": "榆树村村委会", "mediators": "调解员", "present": "赵大山、钱二水"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["record"]);
        let (status, c) = app
            .post(&mediator, &format!("{base}/sessions"), json!({"date": today().to_string(), "time": "14:30", "place": "榆树村村委会", "mediators": "人民调解员", "present": "赵大山、钱二水", "record": "双方陈述，现场查看排水沟走向"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{c}");
        assert_eq!(c["sessions"].as_array().unwrap().len(), 1);

        // The agreement: the matters of 第二十九条 are required.
        let (status, body) =
            app.post(&mediator, &format!("{base}/agreement"), json!({"signed_on": today().to_string()})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["facts", "terms", "performance"]);
        let (status, c) = app
            .post(
                &mediator,
                &format!("{base}/agreement"),
                json!({"facts": "钱二水修建排水沟越过边界约0.5米，负主要责任", "terms": "钱二水于十日内将排水沟改至自家一侧，赵大山予以配合", "performance": "十日内自行履行，村调委会监督", "signed_on": today().to_string()}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{c}");
        assert_eq!(c["status"], "agreed");
        // Judicial confirmation: thirty days from taking effect, counted by the calendar.
        let files: std::collections::BTreeMap<String, String> =
            gongdao_services::rules::SHIPPED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        let rules = gongdao_services::rules::Rules::build(&files).unwrap();
        let expected = rules
            .calendar
            .due(today().and_hms_opt(12, 0, 0).unwrap(), gongdao_domain::calendar::Period::days(30))
            .last_day;
        assert_eq!(c["agreement"]["confirmation_due"], expected.to_string(), "{backend:?}");
        assert_eq!(c["confirmation"], "none");
        // The parties were told by SMS; a reminder waits.
        let jobs =
            gongdao_store::jobs::of_subject(app.services.store().reader(), "judicial_confirmation", id).await.unwrap();
        assert_eq!(jobs.len(), 1);
        let pending_sms = gongdao_store::outbox::count_state(app.services.store().reader(), "pending").await.unwrap();
        assert_eq!(pending_sms, 2, "one SMS a party");
        {
            use gongdao_store::ConnectionTrait;
            app.services
                .store()
                .writer()
                .execute_unprepared("UPDATE jobs SET run_at = created_at WHERE kind = 'judicial_confirmation'")
                .await
                .unwrap();
        }
        assert_eq!(app.services.run_due_jobs("test", 10).await.unwrap(), 1);
        assert_eq!(
            gongdao_store::outbox::count_state(app.services.store().reader(), "pending").await.unwrap(),
            4,
            "{backend:?}: reminders sent"
        );

        // The printable agreement carries the parties and the three matters.
        let (_, html) = app.page(&mediator, &format!("/mediation/{id}/agreement")).await;
        for words in
            ["人民调解协议书", "赵大山", "钱二水", "当事人达成调解协议的内容", "履行的方式、期限", "第三十三条", number]
        {
            assert!(html.contains(words), "{words}");
        }
        assert!(!html.contains("id=\"scan-code\""), "no rating code while the case is open");

        let (status, c) = app
            .post(&mediator, &format!("{base}/confirmation"), json!({"status": "applied", "court": "洮北区人民法院"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{c}");
        assert_eq!(c["confirmation"], "applied");
        let (status, body) = app.post(&mediator, &format!("{base}/follow-up"), json!({"performance": "pending"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, c) = app
            .post(&mediator, &format!("{base}/follow-up"), json!({"performance": "performed", "note": "排水沟已改道"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{c}");
        assert_eq!(c["status"], "closed");
        // Closed: the agreement printed for the parties carries the code to rate it.
        let (_, html) = app.page(&mediator, &format!("/mediation/{id}/agreement")).await;
        let code = &html[html.find("id=\"scan-code\"").expect("a rating code")..];
        assert!(code.contains("<svg") && code.contains("手机扫码，评价这次服务"));
        app.stop().await;
    }
}

#[tokio::test]
async fn failures_refusals_scope_and_screening() {
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let mediator = app.login_as("mediator").await;
        let admin = app.login_as("admin").await;
        let own = committee(&app, &mediator, "平台镇人民调解委员会").await;
        let other = committee(&app, &admin, "平安镇人民调解委员会").await;
        let (status, body) = app.post(&mediator, "/api/v1/mediation/cases", case(other)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {body}");
        assert_eq!(error_fields(&body), vec!["committee_id"]);
        let mut one_sided = case(own);
        one_sided["parties"].as_array_mut().unwrap().pop();
        let (status, body) = app.post(&mediator, "/api/v1/mediation/cases", one_sided).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["parties"]);
        // Failure: guidance to arbitration or litigation (第二十六条).
        let id = app.post(&mediator, "/api/v1/mediation/cases", case(own)).await.1["id"].as_i64().unwrap();
        app.post(&mediator, &format!("/api/v1/mediation/cases/{id}/accept"), json!({})).await;
        let (status, c) = app
            .post(&mediator, &format!("/api/v1/mediation/cases/{id}/failure"), json!({"text": "被申请人拒绝调解"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{c}");
        assert_eq!(c["status"], "failed");
        assert!(c["failure_guidance"].as_str().unwrap().contains("第二十六条"));
        // Refusal needs a reason.
        let id2 = app.post(&mediator, "/api/v1/mediation/cases", case(own)).await.1["id"].as_i64().unwrap();
        let (status, _) = app.post(&mediator, &format!("/api/v1/mediation/cases/{id2}/refuse"), json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, c) = app
            .post(&mediator, &format!("/api/v1/mediation/cases/{id2}/refuse"), json!({"text": "已进入诉讼程序"}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(c["status"], "refused");
        // Screening: findings per village of the campaign's area.
        let (status, s) = app
            .post(&mediator, "/api/v1/mediation/screenings", json!({"title": "2026年冬季矛盾纠纷大排查", "region": "220802100000", "starts_on": today().to_string(), "ends_on": today().to_string()}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{s}");
        let sid = s["id"].as_i64().unwrap();
        let (status, _) = app
            .post(
                &mediator,
                &format!("/api/v1/mediation/screenings/{sid}/findings"),
                json!({"village": "220802100201", "dispute_type": "land_contract", "count": 3, "resolved": 1}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, body) = app
            .post(
                &mediator,
                &format!("/api/v1/mediation/screenings/{sid}/findings"),
                json!({"village": "220802101201", "dispute_type": "land_contract", "count": 1}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["village"]);
        let (_, list) = app.get(&mediator, "/api/v1/mediation/screenings").await;
        assert_eq!(list[0]["total"], 3);
        assert_eq!(list[0]["resolved"], 1);
        // A hotline agent can read cases but not handle them.
        let hotline = app.login_as("hotline").await;
        assert_eq!(app.get(&hotline, &format!("/api/v1/mediation/cases/{id}")).await.0, StatusCode::OK);
        assert_eq!(
            app.post(&hotline, &format!("/api/v1/mediation/cases/{id2}/accept"), json!({})).await.0,
            StatusCode::FORBIDDEN
        );
        app.stop().await;
    }
}
