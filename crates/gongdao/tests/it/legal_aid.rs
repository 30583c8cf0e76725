//! Legal aid (issue 20): the public eligibility check.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, error_fields, field_message, spawn_app};

async fn check(app: &crate::helpers::TestApp, body: Value) -> (StatusCode, Value) {
    let r = app.client.post(app.url("/api/v1/legal-aid/eligibility")).json(&body).send().await.unwrap();
    (r.status(), r.json().await.unwrap())
}

fn cited(answer: &Value) -> Vec<(i64, Option<i64>)> {
    answer["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| Some((r["source"]["article"].as_i64()?, r["source"]["item"].as_i64())))
        .collect()
}

#[tokio::test]
async fn anyone_asks_whether_they_qualify_and_reads_why() {
    let app = spawn_app(Backend::Sqlite).await;
    // A migrant worker owed wages: eligible without a hardship check.
    let (status, a) =
        check(&app, json!({"case_type": "civil", "matter": "labour", "applicant": {"groups": ["migrant_worker"]}}))
            .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!((a["verdict"].as_str(), a["hardship"].as_str()), (Some("eligible"), Some("exempt")));
    assert_eq!(cited(&a), vec![(31, Some(5)), (42, Some(3))]);
    assert!(
        a["reasons"][0]["source"]["law"] == "法律援助法"
            && a["reasons"][0]["text"].as_str().unwrap().contains("劳动报酬")
    );
    // The same matter with an income above the standard is refused, citing it.
    let (_, a) = check(
        &app,
        json!({"case_type": "civil", "matter": "labour",
            "applicant": {"household_size": 2, "household_monthly_income": 6000}}),
    )
    .await;
    assert_eq!((a["verdict"].as_str(), a["hardship"].as_str()), (Some("not_eligible"), Some("not_met")));
    assert!(cited(&a).contains(&(34, None)) && a.to_string().contains("1400元"), "{a}");
    // A district policy is cited as a policy.
    let (_, a) =
        check(&app, json!({"case_type": "criminal_suspect", "criminal": {"possible_sentence": "three_years_or_more"}}))
            .await;
    assert_eq!(a["verdict"], "eligible");
    assert!(
        a["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["source"]["policy"].as_str().is_some_and(|p| p.contains("规划")))
    );
    // Without the income where it is needed: for review, hardship unknown.
    let (_, a) = check(&app, json!({"case_type": "criminal_victim"})).await;
    assert_eq!((a["verdict"].as_str(), a["hardship"].as_str()), (Some("needs_review"), Some("unknown")));

    // Bad facts are refused naming the field.
    let bad = [
        (
            json!({"case_type": "civil", "matter": "labour", "applicant": {"household_size": 0, "household_monthly_income": 100}}),
            "applicant.household_size",
        ),
        (
            json!({"case_type": "civil", "matter": "labour", "applicant": {"household_size": 2, "household_monthly_income": -1}}),
            "applicant.household_monthly_income",
        ),
        (
            json!({"case_type": "civil", "matter": "labour", "applicant": {"household_size": 2, "household_monthly_income": 1e13}}),
            "applicant.household_monthly_income",
        ),
        (
            json!({"case_type": "civil", "matter": "labour", "applicant": {"household_size": 2}}),
            "applicant.household_monthly_income",
        ),
        (json!({"case_type": "civil", "matter": "astrology"}), "matter"),
        (json!({"case_type": "civil"}), "matter"),
        (json!({"case_type": "piracy"}), "case_type"),
        (json!({"case_type": "civil", "matter": "labour", "applicant": {"groups": ["astronaut"]}}), "applicant.groups"),
        (
            json!({"case_type": "criminal_suspect", "criminal": {"possible_sentence": "forever"}}),
            "criminal.possible_sentence",
        ),
    ];
    for (body, field) in bad {
        let (status, e) = check(&app, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&e), vec![field], "{body}: {e}");
        assert!(field_message(&e, field).chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{e}");
    }

    // The standard is the district's data: raised, the same household now qualifies.
    let admin = app.login_as("admin").await;
    let (_, files) = app.get(&admin, "/api/v1/config/rules").await;
    let file = files.as_array().unwrap().iter().find(|f| f["name"] == "legal_aid").unwrap()["content"]
        .as_str()
        .unwrap()
        .to_string();
    let raised = file.replace("monthly_income_per_person = 1400", "monthly_income_per_person = 3500");
    let (status, body) = app.put(&admin, "/api/v1/config/rules", json!({"name": "legal_aid", "content": raised})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, a) = check(
        &app,
        json!({"case_type": "civil", "matter": "labour",
            "applicant": {"household_size": 2, "household_monthly_income": 6000}}),
    )
    .await;
    assert_eq!((a["verdict"].as_str(), a["hardship"].as_str()), (Some("eligible"), Some("met")), "{a}");
    // A broken file is refused with the reason, and nothing changes.
    let broken = file.replace("code = \"pension\"", "code = \"support\"");
    let (status, body) = app.put(&admin, "/api/v1/config/rules", json!({"name": "legal_aid", "content": broken})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&body, "content").contains("重复"), "{body}");
    app.stop().await;
}
