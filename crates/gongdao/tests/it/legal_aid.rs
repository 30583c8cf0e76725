//! Legal aid (issue 20): the public eligibility check, and cases from application to archive.

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

fn application(centre: i64, name: &str, opponent: &str) -> Value {
    json!({
        "centre_id": centre,
        "channel": "window",
        "region": "220802100201",
        "name": name,
        "phone": "13900003333",
        "opponent": opponent,
        "facts": "在建筑工地干了八个月，老板拖欠工资两万元不给",
        "eligibility": {"case_type": "civil", "matter": "labour", "applicant": {"groups": ["migrant_worker"]}}
    })
}

async fn file(app: &crate::helpers::TestApp, s: &crate::helpers::Session, body: Value) -> Value {
    let (status, c) = app.post(s, "/api/v1/legal-aid/cases", body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c
}

#[tokio::test]
async fn a_case_runs_from_application_to_archive_in_order_on_both_backends() {
    for backend in crate::helpers::backends() {
        let app = crate::helpers::spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let window = app.login_as("window").await;
        let reviewer = app.login_as("reviewer").await;
        let lawyer = app.login_as("lawyer").await;
        let station = app.institution_id(&window, "平台镇法律援助工作站").await;
        let c = file(&app, &window, application(station, "王铁柱", "李包工")).await;
        assert_eq!(c["status"], "received", "{backend:?}");
        assert_eq!((c["verdict"].as_str(), c["hardship"].as_str()), (Some("eligible"), Some("exempt")));
        assert_eq!(c["verification"], "exempt");
        assert_eq!(c["green_channel"], true);
        assert_eq!(c["applicant_phone_masked"], "139****3333");
        assert!(c["number"].as_str().unwrap().contains("洮北法援字第"), "{c}");
        let id = c["id"].as_i64().unwrap();
        let base = format!("/api/v1/legal-aid/cases/{id}");

        // Out of order: nothing changes, and the message says what comes first.
        let (status, body) = app.post(&reviewer, &format!("{base}/assign"), json!({"person_id": 1})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body.to_string().contains("请先受理") || body.to_string().contains("应先作出"), "{body}");
        let (_, c) = app.post(&reviewer, &format!("{base}/accept"), json!({})).await;
        assert_eq!(c["status"], "reviewing");
        assert!(c["decide_due"].is_string());
        let (status, body) = app.post(&reviewer, &format!("{base}/request-materials"), json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["text"]);
        let (_, c) = app
            .post(&reviewer, &format!("{base}/request-materials"), json!({"text": "劳动合同或工资条；工友证言"}))
            .await;
        assert_eq!(c["status"], "awaiting_materials");
        assert!(c["decide_due"].is_null(), "the waiting time does not count");
        let (_, c) = app.post(&reviewer, &format!("{base}/materials-received"), json!({})).await;
        assert!(c["decide_due"].is_string());
        let (status, c) = app.post(&reviewer, &format!("{base}/grant"), json!({"version": c["version"]})).await;
        assert_eq!(status, StatusCode::OK, "{c}");
        assert_eq!(c["status"], "granted");
        assert!(c["assign_due"].is_string());
        let (status, _) = app.post(&reviewer, &format!("{base}/grant"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "deciding twice");
        let (status, _) = app.post(&reviewer, &format!("{base}/grant"), json!({"version": 1})).await;
        assert_eq!(status, StatusCode::CONFLICT, "a stale page");

        // Assignment: the ranked list, and a reason needed to pass over its first.
        let (status, ranked) = app.get(&reviewer, &format!("{base}/candidates")).await;
        assert_eq!(status, StatusCode::OK, "{ranked}");
        let ranked = ranked.as_array().unwrap().clone();
        assert!(ranked.len() > 5);
        assert!(ranked[0]["excluded"].is_null() && !ranked[0]["reasons"].as_array().unwrap().is_empty());
        let second = ranked[1]["person_id"].as_i64().unwrap();
        let (status, body) = app.post(&reviewer, &format!("{base}/assign"), json!({"person_id": second})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["override_reason"]);
        // The demo lawyer's firm takes the case (with the reason, when the ranking put
        // someone else first), so that the lawyer may work it.
        let admin = app.login_as("admin").await;
        let (_, accounts) = app.get(&admin, "/api/v1/accounts?per_page=100").await;
        let firm =
            accounts["items"].as_array().unwrap().iter().find(|a| a["username"] == "lawyer").unwrap()["institution_id"]
                .clone();
        let mine = ranked
            .iter()
            .find(|r| r["institution_id"] == firm && r["excluded"].is_null())
            .expect("a candidate of the firm");
        let chosen = mine["person_id"].as_i64().unwrap();
        let mut assign = json!({"person_id": chosen});
        if ranked[0]["person_id"] != mine["person_id"] {
            assign["override_reason"] = json!("受援人申请由该律师事务所承办");
        }
        let (_, c) = app.post(&reviewer, &format!("{base}/assign"), assign).await;
        assert_eq!(c["status"], "assigned", "{c}");
        assert_eq!(c["assignee_id"], chosen);
        assert!(c["agreement_due"].is_string());
        // A lawyer sees and works their firm's cases only: one of no firm (or another)
        // neither finds this case in the list, nor reads, works or adds to it.
        let stranger = app.new_account(&admin, "other-lawyer", "lawyer", "220802000000").await.session;
        assert_eq!(app.post(&stranger, &format!("{base}/sign-agreement"), json!({})).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&stranger, &base).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&stranger, &format!("{base}/materials")).await.0, StatusCode::NOT_FOUND);
        let (_, theirs) = app.get(&stranger, "/api/v1/legal-aid/cases?per_page=1000").await;
        assert_eq!(theirs["total"], 0, "{theirs}");
        let (_, mine) = app.get(&lawyer, "/api/v1/legal-aid/cases?per_page=1000").await;
        let mine = mine["items"].as_array().unwrap();
        assert!(mine.iter().any(|x| x["id"] == c["id"]), "{backend:?}");
        assert!(mine.iter().all(|x| x["assignee_institution_id"] == firm), "only the firm's cases");

        // The lawyer works the case; the reviewer closes it.
        let (status, _) = app.post(&lawyer, &format!("{base}/closing-report"), json!({"text": "x"})).await;
        assert_eq!(status, StatusCode::CONFLICT, "closing before the agreement");
        let (_, c) = app.post(&lawyer, &format!("{base}/sign-agreement"), json!({})).await;
        assert_eq!(c["status"], "handling");
        let (_, _) =
            app.post(&lawyer, &format!("{base}/progress"), json!({"text": "向劳动监察大队投诉，已立案"})).await;
        let (_, tracked) = app.get(&reviewer, &base).await;
        assert!(tracked["last_progress_at"].is_string(), "the progress is the case's last word");
        let (_, c) = app
            .post(&lawyer, &format!("{base}/closing-report"), json!({"text": "经劳动仲裁调解，追回工资两万元"}))
            .await;
        assert_eq!(c["status"], "closing_review");
        let (status, body) = app.post(&reviewer, &format!("{base}/closing-review"), json!({"score": 101})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["score"]);
        // The subsidy is paid by the stages gone through: arbitration here has a
        // standard, a second instance of a criminal kind has none for civil cases.
        let (status, body) = app
            .post(&reviewer, &format!("{base}/closing-review"), json!({"score": 92, "stages": ["investigation"]}))
            .await;
        assert_eq!((status, error_fields(&body)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["stages".to_string()]));
        assert!(body.to_string().contains("侦查阶段"), "{body}");
        let (_, c) = app
            .post(
                &reviewer,
                &format!("{base}/closing-review"),
                json!({"score": 92, "stages": ["arbitration", "non_litigation"]}),
            )
            .await;
        assert_eq!(c["status"], "closed");
        assert_eq!(c["subsidy"], 1800.0, "仲裁 1200 + 非诉 600");
        let history = c["events"].as_array().unwrap();
        assert!(
            history.last().unwrap()["note"]
                .as_str()
                .unwrap()
                .contains("仲裁 1200 元 + 非诉讼代理（调解、和解） 600 元 = 1800 元")
        );
        let (status, _) = app.post(&reviewer, &format!("{base}/archive"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "archive before the follow-up");
        let (_, page) = app.page(&reviewer, &format!("/legal-aid/{id}/documents/closing")).await;
        assert!(!page.contains("id=\"scan-code\""), "no rating code before the case is archived");
        app.post(&reviewer, &format!("{base}/follow-up"), json!({"text": "电话回访，受援人满意"})).await;
        let (_, c) = app.post(&reviewer, &format!("{base}/archive"), json!({})).await;
        assert_eq!(c["status"], "archived");
        // The closing report now carries the code to scan for the rating, on the page
        // and in the PDF filed.
        let link = app
            .services
            .rating_link_of(gongdao_domain::evaluation::ServiceKind::LegalAid, id)
            .await
            .unwrap()
            .expect("archiving invites a rating");
        let (status, page) = app.page(&reviewer, &format!("/legal-aid/{id}/documents/closing")).await;
        assert_eq!(status, StatusCode::OK);
        let code = &page[page.find("id=\"scan-code\"").expect("a rating code")..];
        assert!(code.contains("<svg") && code.contains("手机扫码，评价这次服务"), "{code}");
        let r = app
            .client
            .get(app.url(&format!("{base}/documents/closing")))
            .bearer_auth(&reviewer.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        if let Some(text) = pdf_text(&r.bytes().await.unwrap()) {
            let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(flat.contains("手机扫码，评价这次服务"), "the code's caption in the PDF:\n{text}");
        }
        assert!(link.starts_with("/rate/"));
        // A correction is a new entry; the history keeps every step in order.
        let (_, c) = app.post(&lawyer, &format!("{base}/correction"), json!({"text": "追回金额应为两万一千元"})).await;
        let actions: Vec<&str> =
            c["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(
            actions,
            vec![
                "accept",
                "accept",
                "request_materials",
                "materials_received",
                "grant",
                "assign",
                "sign_agreement",
                "log_progress",
                "submit_closing",
                "review_closing",
                "follow_up",
                "archive",
                "correct"
            ]
        );
        assert!(c.to_string().contains("劳动合同或工资条"));

        // The figures count it: decided and assigned in time.
        let (status, f) = app.get(&reviewer, "/api/v1/legal-aid/figures").await;
        assert_eq!(status, StatusCode::OK, "{f}");
        assert!(f["decided_in_time"].as_i64().unwrap() >= 1 && f["assigned_in_time"].as_i64().unwrap() >= 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn refusals_objections_notices_conflicts_and_bad_input() {
    for backend in crate::helpers::backends() {
        let app = crate::helpers::spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let window = app.login_as("window").await;
        let reviewer = app.login_as("reviewer").await;
        let leader = app.login_as("leader").await;
        let station = app.institution_id(&window, "平台镇法律援助工作站").await;
        let centre = app.institution_id(&reviewer, "洮北区法律援助中心").await;

        // Bad input: each named by field, nothing written.
        let before = app.total(&reviewer, "/api/v1/legal-aid/cases").await;
        let mut bad = application(station, "王铁柱", "李包工");
        bad["eligibility"]["applicant"]["household_size"] = json!(0);
        bad["eligibility"]["applicant"]["household_monthly_income"] = json!(800);
        bad["id_number"] = json!("220802199001011235");
        let (status, body) = app.post(&window, "/api/v1/legal-aid/cases", bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields = error_fields(&body);
        assert!(fields.contains(&"id_number".to_string()), "{fields:?}");
        assert!(fields.iter().any(|f| f.starts_with("eligibility.applicant.household")), "{fields:?}");
        let (status, body) = app.post(&window, "/api/v1/legal-aid/cases", application(centre, "王铁柱", "")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the district centre is outside a township's scope");
        assert_eq!(error_fields(&body), vec!["centre_id"]);
        let mut elsewhere = application(station, "王铁柱", "");
        elsewhere["region"] = json!("220802101201");
        let (status, body) = app.post(&window, "/api/v1/legal-aid/cases", elsewhere).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["region"]);
        assert_eq!(app.total(&reviewer, "/api/v1/legal-aid/cases").await, before);

        // A refusal needs its reasons; an objection goes to the bureau's leader.
        let mut rich = application(station, "赵有钱", "");
        rich["eligibility"] = json!({"case_type": "civil", "matter": "labour",
            "applicant": {"household_size": 2, "household_monthly_income": 9000}});
        let c = file(&app, &window, rich).await;
        assert_eq!(c["verdict"], "not_eligible");
        assert_eq!(c["green_channel"], false);
        let base = format!("/api/v1/legal-aid/cases/{}", c["id"]);
        app.post(&reviewer, &format!("{base}/accept"), json!({})).await;
        assert_eq!(app.post(&reviewer, &format!("{base}/refuse"), json!({})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, c) = app
            .post(&reviewer, &format!("{base}/refuse"), json!({"text": "家庭月人均收入4500元，高于本地经济困难标准"}))
            .await;
        assert_eq!(c["status"], "refused");
        assert_eq!(
            app.post(&reviewer, &format!("{base}/objection-decision"), json!({"result": "upheld", "text": "x"}))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let (_, c) =
            app.post(&window, &format!("{base}/objection"), json!({"text": "收入是全家四口人的，登记有误"})).await;
        assert_eq!(c["objection"], "pending");
        assert!(c["objection_due"].is_string());
        let (status, _) = app.post(&window, &format!("{base}/objection"), json!({"text": "再次异议"})).await;
        assert_eq!(status, StatusCode::CONFLICT, "one objection per decision");
        let (status, body) =
            app.post(&leader, &format!("{base}/objection-decision"), json!({"result": "maybe", "text": "x"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["result"]);
        let (_, c) = app
            .post(
                &leader,
                &format!("{base}/objection-decision"),
                json!({"result": "upheld", "text": "家庭人口登记有误，责令改正"}),
            )
            .await;
        assert_eq!((c["status"].as_str(), c["objection"].as_str()), (Some("granted"), Some("upheld")));

        // A notice from the court: no review, three days to assign (第三十六条).
        let mut notice = application(centre, "孙小明", "");
        notice["channel"] = json!("notice");
        notice["eligibility"] = json!({"case_type": "criminal_suspect", "criminal": {"minor": true}});
        let (status, body) = app.post(&reviewer, "/api/v1/legal-aid/cases", notice.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["notice_from"]);
        notice["notice_from"] = json!("洮北区人民法院");
        let c = file(&app, &reviewer, notice).await;
        assert_eq!((c["status"].as_str(), c["decision"].as_str()), (Some("granted"), Some("grant")));
        assert!(c["assign_due"].is_string() && c["decision_reason"].as_str().unwrap().contains("第三十六条"));
        // The minor's case is assigned to a lawyer: grassroots workers are excluded.
        let (_, ranked) = app.get(&reviewer, &format!("/api/v1/legal-aid/cases/{}/candidates", c["id"])).await;
        assert!(
            ranked.as_array().unwrap().iter().any(|r| r["kind"] == "基层法律服务工作者" && r["excluded"].is_string())
        );

        // Conflict: whoever acted for 周大户 may not act against him without a reason.
        let a = file(&app, &reviewer, application(centre, "周大户", "")).await;
        let abase = format!("/api/v1/legal-aid/cases/{}", a["id"]);
        app.post(&reviewer, &format!("{abase}/accept"), json!({})).await;
        app.post(&reviewer, &format!("{abase}/grant"), json!({})).await;
        let (_, ranked) = app.get(&reviewer, &format!("{abase}/candidates")).await;
        let counsel = ranked[0]["person_id"].as_i64().unwrap();
        app.post(&reviewer, &format!("{abase}/assign"), json!({"person_id": counsel})).await;
        let mut b = application(centre, "吴小工", "周大户");
        b["region"] = json!("220802101201");
        let b = file(&app, &reviewer, b).await;
        let bbase = format!("/api/v1/legal-aid/cases/{}", b["id"]);
        app.post(&reviewer, &format!("{bbase}/accept"), json!({})).await;
        app.post(&reviewer, &format!("{bbase}/grant"), json!({})).await;
        let (_, ranked) = app.get(&reviewer, &format!("{bbase}/candidates")).await;
        let row = ranked.as_array().unwrap().iter().find(|r| r["person_id"] == counsel).unwrap().clone();
        assert!(row["excluded"].as_str().unwrap().contains("利益冲突"), "{row}");
        let (status, body) = app.post(&reviewer, &format!("{bbase}/assign"), json!({"person_id": counsel})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field_message(&body, "override_reason").contains("利益冲突"));

        // Scope: 平台镇's window neither reads nor acts on a case of another township.
        assert_eq!(app.get(&window, &bbase).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            app.post(&window, &format!("{bbase}/objection"), json!({"text": "x"})).await.0,
            StatusCode::NOT_FOUND
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_township_reviewer_sees_assigns_and_names_only_what_is_in_scope() {
    for backend in crate::helpers::backends() {
        let app = crate::helpers::spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let admin = app.login_as("admin").await;
        let reviewer = app.login_as("reviewer").await;
        let local = app.new_account(&admin, "pt-reviewer", "legal_aid_reviewer", "220802100000").await.session;
        let centre = app.institution_id(&reviewer, "洮北区法律援助中心").await;
        let station = app.institution_id(&reviewer, "平台镇法律援助工作站").await;
        // One case in 平台镇, one in 平安镇, filed by the district's reviewer.
        let mine = file(&app, &reviewer, application(station, "冯大有", "")).await;
        let mut theirs = application(centre, "陈小满", "");
        theirs["region"] = json!("220802101201");
        let theirs = file(&app, &reviewer, theirs).await;
        let (_, list) = app.get(&local, "/api/v1/legal-aid/cases?per_page=1000").await;
        let items = list["items"].as_array().unwrap();
        assert!(items.iter().any(|c| c["id"] == mine["id"]), "{backend:?}");
        assert!(items.iter().all(|c| c["region"].as_str().unwrap().starts_with("220802100")), "{backend:?}");
        let other = format!("/api/v1/legal-aid/cases/{}", theirs["id"]);
        assert_eq!(app.get(&local, &other).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&local, &format!("{other}/candidates")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.post(&local, &format!("{other}/accept"), json!({})).await.0, StatusCode::NOT_FOUND);
        // A person outside the scope is never assigned, even by id.
        let base = format!("/api/v1/legal-aid/cases/{}", mine["id"]);
        app.post(&local, &format!("{base}/accept"), json!({})).await;
        app.post(&local, &format!("{base}/grant"), json!({})).await;
        let (_, everyone) = app.get(&reviewer, &format!("{base}/candidates")).await;
        let (_, nearby) = app.get(&local, &format!("{base}/candidates")).await;
        let nearby_ids: Vec<i64> =
            nearby.as_array().unwrap().iter().map(|r| r["person_id"].as_i64().unwrap()).collect();
        let outsider = everyone
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["person_id"].as_i64().unwrap())
            .find(|id| !nearby_ids.contains(id))
            .expect("a district lawyer outside 平台镇");
        let (status, body) = app
            .post(&local, &format!("{base}/assign"), json!({"person_id": outsider, "override_reason": "指定"}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {body}");
        assert_eq!(error_fields(&body), vec!["person_id"]);
        // Nor is a case filed at a centre outside the scope, or about a matter outside it.
        let (status, body) = app.post(&local, "/api/v1/legal-aid/cases", application(centre, "冯大有", "")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["centre_id"]);
        let mut linked = application(station, "冯大有", "");
        linked["request_id"] = json!(999_999);
        let (status, body) = app.post(&local, "/api/v1/legal-aid/cases", linked).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["request_id"]);
        app.stop().await;
    }
}

/// Moves a case's decision limit to `hours_from_now` and its limit job to now.
async fn make_decision_due(app: &crate::helpers::TestApp, id: i64, hours_from_now: i64) {
    crate::helpers::move_due(app, "legal_aid_cases", "decide_due", "legal_aid_limit", id, hours_from_now).await;
}

#[tokio::test]
async fn the_decision_limit_is_reminded_then_escalated_to_the_bureau() {
    for backend in crate::helpers::backends() {
        let app = crate::helpers::spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let window = app.login_as("window").await;
        let reviewer = app.login_as("reviewer").await;
        let leader = app.login_as("leader").await;
        let station = app.institution_id(&window, "平台镇法律援助工作站").await;
        let id = file(&app, &window, application(station, "杨二牛", "")).await["id"].as_i64().unwrap();
        app.post(&reviewer, &format!("/api/v1/legal-aid/cases/{id}/accept"), json!({})).await;
        let jobs = gongdao_store::jobs::of_subject(app.services.store().reader(), "legal_aid_limit", id).await.unwrap();
        assert_eq!(jobs.len(), 1, "{backend:?}: the seven days are watched");
        let inbox = |s| {
            let app = &app;
            async move {
                let (_, body) = app.get(s, "/api/v1/inbox").await;
                body.to_string()
            }
        };
        // Not yet near: nothing sent.
        assert_eq!(app.services.run_due_jobs("test", 10).await.unwrap(), 0);
        // Two hours before: the reviewer is reminded, the leader not yet.
        make_decision_due(&app, id, 2).await;
        assert_eq!(app.services.run_due_jobs("test", 10).await.unwrap(), 1);
        assert!(inbox(&reviewer).await.contains("将于"), "{backend:?}");
        assert!(!inbox(&leader).await.contains("法援字"));
        // Past it: the leader too, once.
        make_decision_due(&app, id, -1).await;
        assert_eq!(app.services.run_due_jobs("test", 10).await.unwrap(), 1);
        assert_eq!(app.services.run_due_jobs("test", 10).await.unwrap(), 0);
        let leader_inbox = inbox(&leader).await;
        assert!(leader_inbox.contains("督办") && leader_inbox.contains("作出决定"), "{leader_inbox}");
        // Decided: the next limit (assignment) is watched.
        app.post(&reviewer, &format!("/api/v1/legal-aid/cases/{id}/grant"), json!({})).await;
        let jobs = gongdao_store::jobs::of_subject(app.services.store().reader(), "legal_aid_limit", id).await.unwrap();
        assert!(jobs.iter().any(|j| j.state == "pending"), "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_case_closed_longer_ago_than_its_retention_period_keeps_only_its_statistics() {
    for backend in crate::helpers::backends() {
        let app = crate::helpers::spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let window = app.login_as("window").await;
        let reviewer = app.login_as("reviewer").await;
        let station = app.institution_id(&window, "平台镇法律援助工作站").await;
        let mut rich = application(station, "令狐富贵", "上官某");
        rich["eligibility"] = json!({"case_type": "civil", "matter": "labour",
            "applicant": {"household_size": 2, "household_monthly_income": 9000}});
        let old = file(&app, &window, rich.clone()).await["id"].as_i64().unwrap();
        let recent = file(&app, &window, rich).await["id"].as_i64().unwrap();
        for id in [old, recent] {
            app.post(&reviewer, &format!("/api/v1/legal-aid/cases/{id}/accept"), json!({})).await;
            app.post(
                &reviewer,
                &format!("/api/v1/legal-aid/cases/{id}/refuse"),
                json!({"text": "收入高于标准，令狐富贵已知悉"}),
            )
            .await;
        }
        // Refused 121 months ago (the shipped period is 120 months).
        crate::helpers::move_due(&app, "legal_aid_cases", "closed_at", "-", old, -121 * 31 * 24).await;
        let erased = app.services.erase_expired_personal_data().await.unwrap();
        let n: u64 = erased.values().map(|e| e.legal_aid_cases).sum();
        assert_eq!(n, 1, "{backend:?}: {erased:?}");
        let (_, gone) = app.get(&reviewer, &format!("/api/v1/legal-aid/cases/{old}")).await;
        let text = gone.to_string();
        assert!(!text.contains("令狐") && !text.contains("上官") && !text.contains("拖欠工资"), "{backend:?}: {text}");
        assert!(gone["applicant_phone_masked"].is_null());
        assert_eq!((gone["case_type"].as_str(), gone["status"].as_str()), (Some("civil"), Some("refused")));
        let (_, kept) = app.get(&reviewer, &format!("/api/v1/legal-aid/cases/{recent}")).await;
        assert_eq!(kept["applicant_name"], "令狐富贵");
        // Erased once: a second run finds nothing.
        let again: u64 =
            app.services.erase_expired_personal_data().await.unwrap().values().map(|e| e.legal_aid_cases).sum();
        assert_eq!(again, 0);
        app.stop().await;
    }
}

/// The text a PDF reader finds in `bytes` (poppler's pdftotext), or None where it is not
/// installed outside CI.
fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).unwrap();
    match std::process::Command::new("pdftotext").arg("-enc").arg("UTF-8").arg(&path).arg("-").output() {
        Ok(out) => {
            assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
            Some(String::from_utf8(out.stdout).unwrap())
        }
        Err(e) => {
            assert!(!crate::helpers::in_ci(), "pdftotext is required under CI: {e}");
            None
        }
    }
}

#[tokio::test]
async fn a_decision_is_filed_as_a_pdf_whose_chinese_reads_back() {
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, |s| s.jobs_interval_ms = 0).await;
    let reviewer = app.login_as("reviewer").await;
    let admin = app.login_as("admin").await;
    let station = app.institution_id(&reviewer, "平台镇法律援助工作站").await;
    let c = file(&app, &reviewer, application(station, "孙秀兰", "赵老板")).await;
    let id = c["id"].as_i64().unwrap();
    let number = c["number"].as_str().unwrap().to_string();
    let base = format!("/api/v1/legal-aid/cases/{id}");

    // No decision yet: nothing to file, and the answer says why.
    let r = app.client.get(app.url(&format!("{base}/documents/decision"))).bearer_auth(&reviewer.token).send().await;
    let r = r.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("尚未作出决定"));
    let r = app.client.get(app.url(&format!("{base}/documents/poster"))).bearer_auth(&reviewer.token).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::NOT_FOUND, "an unknown kind of document");

    app.post(&reviewer, &format!("{base}/accept"), json!({})).await;
    let (status, _) =
        app.post(&reviewer, &format!("{base}/grant"), json!({"text": "申请人系农民工，请求支付劳动报酬。"})).await;
    assert_eq!(status, StatusCode::OK);
    let r = app
        .client
        .get(app.url(&format!("{base}/documents/decision")))
        .bearer_auth(&reviewer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''"), "{disposition}");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF file");
    // Only the glyphs used are embedded: a whole CJK font would be over 10 MB.
    assert!(bytes.len() < 400_000, "{} bytes", bytes.len());
    if let Some(text) = pdf_text(&bytes) {
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for want in [
            "给予法律援助决定书",
            number.replace("法援字", "法援决字").as_str(),
            "孙秀兰：",
            "第四十三条",
            "平台镇法律援助工作站",
        ] {
            assert!(flat.contains(want), "{want} not in the PDF's text:\n{text}");
        }
        assert!(flat.contains("申请人系农民工，请求支付劳动报酬。"), "the decision's reasons:\n{text}");
        assert!(flat.contains("—1—"), "the page number:\n{text}");
    }

    // The same file from the page, for staff in the browser; outside the scope it is
    // not found, like the case.
    let (status, page) = app.page(&reviewer, &format!("/legal-aid/{id}/documents/decision")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("/legal-aid/{id}/documents/decision/pdf")), "the page offers the PDF");
    let r = app
        .client
        .get(app.url(&format!("/legal-aid/{id}/documents/decision/pdf")))
        .bearer_auth(&reviewer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let elsewhere = app.new_account(&admin, "pa-reviewer", "legal_aid_reviewer", "220802101000").await.session;
    let r = app.client.get(app.url(&format!("{base}/documents/decision"))).bearer_auth(&elsewhere.token).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

/// What a list of cases (as the API shows them) counts by `field`, in the test's own
/// arithmetic.
fn count_by(cases: &[Value], field: &str) -> std::collections::BTreeMap<String, i64> {
    let mut out = std::collections::BTreeMap::new();
    for c in cases {
        let keys: Vec<String> = match &c[field] {
            Value::Array(items) => items.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
            v => vec![v.as_str().unwrap().to_string()],
        };
        for k in keys {
            *out.entry(k).or_insert(0) += 1;
        }
    }
    out
}

fn figure_map(f: &Value, field: &str) -> std::collections::BTreeMap<String, i64> {
    f[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["key"].as_str().unwrap().to_string(), c["count"].as_i64().unwrap()))
        .collect()
}

#[tokio::test]
async fn the_figures_kept_as_tallies_match_the_cases_and_rebuild_the_same() {
    use gongdao_services::legal_aid::LegalAidSynthSpec;
    for backend in crate::helpers::backends() {
        let app = crate::helpers::spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let reviewer = app.login_as("reviewer").await;
        app.services
            .synthesize_legal_aid(&LegalAidSynthSpec { count: 700, days: 300, seed: 11 }, |_| {})
            .await
            .unwrap();
        // Steps through the API move cases between statuses after they were tallied.
        let station = app.institution_id(&reviewer, "平台镇法律援助工作站").await;
        for (name, grant) in [("周一", true), ("周二", false), ("周三", true)] {
            let c = file(&app, &reviewer, application(station, name, "")).await;
            let base = format!("/api/v1/legal-aid/cases/{}", c["id"]);
            app.post(&reviewer, &format!("{base}/accept"), json!({})).await;
            let step = if grant { "grant" } else { "refuse" };
            let (status, _) = app.post(&reviewer, &format!("{base}/{step}"), json!({"text": "经审查"})).await;
            assert_eq!(status, StatusCode::OK);
        }
        let mut cases: Vec<Value> = Vec::new();
        for page in 1.. {
            let (_, list) = app.get(&reviewer, &format!("/api/v1/legal-aid/cases?per_page=500&page={page}")).await;
            let items = list["items"].as_array().unwrap().clone();
            if items.is_empty() {
                break;
            }
            cases.extend(items);
        }
        assert_eq!(cases.len(), 703, "{backend:?}");
        let (status, f) = app.get(&reviewer, "/api/v1/legal-aid/figures").await;
        assert_eq!(status, StatusCode::OK, "{f}");
        assert_eq!(f["received"].as_i64(), Some(703), "{backend:?}");
        assert_eq!(figure_map(&f, "by_status"), count_by(&cases, "status"), "{backend:?}");
        assert_eq!(figure_map(&f, "by_case_type"), count_by(&cases, "case_type"));
        assert_eq!(figure_map(&f, "by_channel"), count_by(&cases, "channel"));
        assert_eq!(figure_map(&f, "by_group"), count_by(&cases, "groups"));
        let special = cases.iter().filter(|c| !c["groups"].as_array().unwrap().is_empty()).count() as i64;
        assert_eq!(f["special_groups"].as_i64(), Some(special));
        let at = |c: &Value, k: &str| c[k].as_str().map(|s| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap());
        let in_time = |done: &str, due: &str| {
            cases.iter().filter(|c| matches!((at(c, done), at(c, due)), (Some(d), Some(u)) if d <= u)).count() as i64
        };
        assert_eq!(f["decided_in_time"].as_i64(), Some(in_time("decided_at", "decide_due")));
        assert_eq!(f["assigned_in_time"].as_i64(), Some(in_time("assigned_at", "assign_due")));
        let green = cases.iter().filter(|c| c["green_channel"] == true).count() as i64;
        assert_eq!(f["green_channel"].as_i64(), Some(green));
        // 及时追踪: the cases in hand now, and those with word within 30 days (a few
        // minutes either side of the cut, as the test's clock is not the server's).
        let in_hand: Vec<&Value> =
            cases.iter().filter(|c| matches!(c["status"].as_str(), Some("assigned" | "handling"))).collect();
        assert_eq!(f["tracking_due"].as_i64(), Some(in_hand.len() as i64), "{backend:?}");
        let word_since = |cut: chrono::DateTime<chrono::Utc>| {
            in_hand
                .iter()
                .filter(|c| at(c, "last_progress_at").or(at(c, "assigned_at")).is_some_and(|t| t >= cut))
                .count() as i64
        };
        let cut = chrono::Utc::now() - chrono::Duration::days(30);
        let tracked = f["tracked"].as_i64().unwrap();
        assert!(
            (word_since(cut + chrono::Duration::minutes(5))..=word_since(cut - chrono::Duration::minutes(5)))
                .contains(&tracked),
            "{tracked}"
        );
        assert!(
            tracked > 0 && tracked < in_hand.len() as i64,
            "some cases in hand have gone quiet: {tracked}/{}",
            in_hand.len()
        );
        let townships: i64 = f["by_township"].as_array().unwrap().iter().map(|c| c["count"].as_i64().unwrap()).sum();
        assert_eq!(townships, 703);
        assert!(
            f["by_township"].as_array().unwrap().iter().all(|c| !c["label"]
                .as_str()
                .unwrap()
                .chars()
                .all(|ch| ch.is_ascii_digit())),
            "townships by name: {f}"
        );
        // The list's count of one status comes from the tallies too.
        let (_, refused) = app.get(&reviewer, "/api/v1/legal-aid/cases?status=refused&per_page=1").await;
        assert_eq!(refused["total"].as_i64(), count_by(&cases, "status").get("refused").copied());

        // Lost tallies are built again from the cases, to the same figures.
        let writer = app.services.store().writer();
        sea_orm::ConnectionTrait::execute_unprepared(writer, "DELETE FROM legal_aid_tallies").await.unwrap();
        let rebuilt = gongdao_store::legal_aid::ensure_tallies(writer).await.unwrap();
        assert_eq!(rebuilt, 703);
        let (_, again) = app.get(&reviewer, "/api/v1/legal-aid/figures").await;
        assert_eq!(again, f, "{backend:?}");
        app.stop().await;
    }
}

async fn upload(
    app: &crate::helpers::TestApp,
    s: &crate::helpers::Session,
    path: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("file", part);
    let r = app.client.post(app.url(path)).bearer_auth(&s.token).multipart(form).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn materials_are_known_by_their_content_kept_sealed_and_read_back_whole() {
    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    let png: Vec<u8> = [&[0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..], &[0u8; 64][..]].concat();
    for backend in crate::helpers::backends() {
        let app = crate::helpers::spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let window = app.login_as("window").await;
        let station = app.institution_id(&window, "平台镇法律援助工作站").await;
        let c = file(&app, &window, application(station, "吴秀英", "")).await;
        let path = format!("/api/v1/legal-aid/cases/{}/materials", c["id"]);
        let (status, m) = upload(&app, &window, &path, "身份证正反面.pdf", PDF.to_vec()).await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?}: {m}");
        assert_eq!((m["kind"].as_str(), m["size"].as_i64()), (Some("pdf"), Some(PDF.len() as i64)));
        let (status, _) = upload(&app, &window, &path, "工资条.png", png.clone()).await;
        assert_eq!(status, StatusCode::CREATED);
        // Refused by content, naming the file: a program, a picture named as a PDF, an
        // empty file, one over 5 MB; nothing is kept of them.
        let mut big = PDF.to_vec();
        big.resize(5 * 1024 * 1024 + 10, b' ');
        for (name, bytes, words) in [
            ("合同.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00program".to_vec(), "只能上传"),
            ("合同.pdf", png.clone(), "扩展名"),
            ("合同.pdf", Vec::new(), "空"),
            ("合同.pdf", big, "5 MB"),
        ] {
            let (status, e) = upload(&app, &window, &path, name, bytes).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{words}: {e}");
            assert_eq!(error_fields(&e), vec!["file"]);
            assert!(e.to_string().contains(words), "{words}: {e}");
        }
        let mut huge = PDF.to_vec();
        huge.resize(7 * 1024 * 1024, b' ');
        let (status, _) = upload(&app, &window, &path, "大.pdf", huge).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "past the request's limit");
        let r = app
            .client
            .post(app.url(&path))
            .bearer_auth(&window.token)
            .json(&json!({"file": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "not a multipart form");
        let (_, list) = app.get(&window, &path).await;
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 2, "{backend:?}: only the two good files");
        // Read back whole, with its type; sealed in the database.
        let first = list[0]["id"].as_i64().unwrap();
        let r = app.client.get(app.url(&format!("{path}/{first}"))).bearer_auth(&window.token).send().await.unwrap();
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
        let stored: String = sea_orm::ConnectionTrait::query_one_raw(
            app.services.store().reader(),
            sea_orm::Statement::from_string(
                app.services.store().reader().get_database_backend(),
                "SELECT content FROM legal_aid_materials ORDER BY id LIMIT 1",
            ),
        )
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
        use base64::Engine as _;
        assert!(!stored.contains(&base64::engine::general_purpose::STANDARD.encode(PDF)), "the file is sealed");
        // Outside the scope: neither listed, read nor added to.
        let admin = app.login_as("admin").await;
        let elsewhere = app.new_account(&admin, "pa-window", "window_staff", "220802101000").await.session;
        assert_eq!(app.get(&elsewhere, &path).await.0, StatusCode::NOT_FOUND);
        let r = app.client.get(app.url(&format!("{path}/{first}"))).bearer_auth(&elsewhere.token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(upload(&app, &elsewhere, &path, "a.pdf", PDF.to_vec()).await.0, StatusCode::NOT_FOUND);
        // A material of another case is not found through this one.
        let other = file(&app, &window, application(station, "郑二", "")).await;
        let r = app
            .client
            .get(app.url(&format!("/api/v1/legal-aid/cases/{}/materials/{first}", other["id"])))
            .bearer_auth(&window.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        app.stop().await;
    }
}
