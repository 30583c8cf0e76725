//! 诚信档案 (issue 21): an archive for every institution and legal service worker from
//! the moment the record is written; entries only added (the database refuses an update
//! or a delete on both backends), checked against the archive; what is missing; the
//! credit formula on hand-made data; the public profile without the forbidden fields;
//! and the scope.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, error_fields, id_number, spawn_app};

async fn new_lawyer(app: &TestApp, admin: &Session, id_no: &str) -> i64 {
    let firm = app.get(admin, "/api/v1/institutions?type=law_firm").await.1["items"][0]["id"].as_i64().unwrap();
    let (status, p) = app
        .post(
            admin,
            "/api/v1/people",
            json!({"type": "lawyer", "name": "韩立新", "institution_id": firm, "licence_no": "12208201810123456",
                   "id_number": id_no, "phone": "13904360001", "practice_years": 8}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p["id"].as_i64().unwrap()
}

async fn add(app: &TestApp, s: &Session, person: i64, body: Value) -> (StatusCode, Value) {
    app.post(s, &format!("/api/v1/archives/person/{person}/entries"), body).await
}

#[tokio::test]
async fn every_record_has_its_archive_and_entries_are_only_added_on_both_backends() {
    for backend in crate::helpers::backends() {
        let app = spawn_app(backend).await;
        let admin = app.login_as("admin").await;
        let (status, o) = app.get(&admin, "/api/v1/archives").await;
        assert_eq!(status, StatusCode::OK, "{o}");
        assert!(o["institutions"].as_u64().unwrap() > 20, "{o}");
        assert_eq!(o["institutions"], o["institutions_archived"]);
        assert_eq!(o["people"], o["people_archived"]);
        assert_eq!(o["coverage"].as_f64(), Some(1.0), "一机构一档、一人员一档");

        // A new lawyer has an archive at once, lacking a licence entry.
        let id_no = id_number("22080219850101123");
        let lawyer = new_lawyer(&app, &admin, &id_no).await;
        let (status, a) = app.get(&admin, &format!("/api/v1/archives/person/{lawyer}")).await;
        assert_eq!(status, StatusCode::OK, "{a}");
        assert_eq!(a["missing"], json!(["执业许可"]));
        let (_, o) = app.get(&admin, "/api/v1/archives").await;
        assert_eq!(o["coverage"].as_f64(), Some(1.0));
        assert!(o["incomplete"].as_array().unwrap().iter().any(|i| i["subject_id"] == lawyer));

        // The licence, then bad entries: each named, nothing written.
        let (status, a) = add(
            &app,
            &admin,
            lawyer,
            json!({"kind": "licence", "occurred_on": "2018-06-01", "title": "取得律师执业证", "source": "吉林省司法厅"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{a}");
        let licence = a["entries"][0]["id"].as_i64().unwrap();
        for (body, field) in [
            (
                json!({"kind": "complaint", "occurred_on": "2017-01-01", "title": "投诉", "source": "来信"}),
                "occurred_on",
            ),
            (
                json!({"kind": "discipline", "occurred_on": "2025-03-01", "title": "违规收费", "source": "吉律协处字〔2025〕3号",
                       "sanction": "public_censure", "period_from": "2025-03-01", "period_to": "2025-01-01"}),
                "period_to",
            ),
            (
                json!({"kind": "discipline", "occurred_on": "2025-03-01", "title": "违规收费", "source": "x"}),
                "sanction",
            ),
            (json!({"kind": "correction", "occurred_on": "2025-03-01", "title": "更正", "source": "x"}), "corrects"),
            (
                json!({"kind": "correction", "occurred_on": "2025-03-01", "title": "更正", "source": "x", "corrects": 999999}),
                "corrects",
            ),
            (
                json!({"kind": "annual_assessment", "occurred_on": "2099-03-01", "title": "考核", "source": "x", "assessment": "competent"}),
                "occurred_on",
            ),
            (
                json!({"kind": "service_days", "occurred_on": "2025-03-01", "title": "基层服务", "source": "x", "days": 900}),
                "days",
            ),
        ] {
            let (status, e) = add(&app, &admin, lawyer, body).await;
            assert_eq!((status, error_fields(&e)), (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]), "{e}");
        }
        let (_, a) = app.get(&admin, &format!("/api/v1/archives/person/{lawyer}")).await;
        assert_eq!(a["entries"].as_array().unwrap().len(), 1, "nothing written by refused entries");
        // Only the directory's keepers record.
        let leader = app.login_as("leader").await;
        let (status, _) = add(&app, &leader, lawyer, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The database refuses to change or remove an entry, on both backends.
        let writer = app.services.store().writer();
        use sea_orm::ConnectionTrait;
        let update =
            writer.execute_unprepared(&format!("UPDATE archive_entries SET title = 'x' WHERE id = {licence}")).await;
        assert!(update.is_err(), "an entry cannot be updated");
        let delete = writer.execute_unprepared(&format!("DELETE FROM archive_entries WHERE id = {licence}")).await;
        assert!(delete.is_err(), "an entry cannot be deleted");
        // A correction is a new entry naming the one it corrects.
        let (status, a) = add(
            &app,
            &admin,
            lawyer,
            json!({"kind": "correction", "occurred_on": "2026-01-05", "title": "执业证取得日期有误", "source": "核对原件", "corrects": licence}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{a}");
        assert_eq!(a["missing"], json!(["执业许可"]), "a corrected licence no longer counts");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_credit_score_its_history_and_the_public_profile_without_forbidden_fields() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let admin = app.login_as("admin").await;
    let id_no = id_number("22080219860202123");
    let lawyer = new_lawyer(&app, &admin, &id_no).await;
    let entries = [
        json!({"kind": "licence", "occurred_on": "2018-06-01", "title": "取得律师执业证", "source": "吉林省司法厅"}),
        json!({"kind": "annual_assessment", "occurred_on": "2026-03-20", "title": "2025年度考核", "source": "白城市律师协会", "assessment": "competent"}),
        json!({"kind": "reward", "occurred_on": "2025-12-04", "title": "全市优秀法律援助律师", "source": "白城市司法局"}),
        json!({"kind": "reward", "occurred_on": "2024-12-04", "title": "宪法宣传先进个人", "source": "洮北区司法局"}),
        json!({"kind": "discipline", "occurred_on": "2026-06-01", "title": "超标准收费", "source": "吉律协处字〔2026〕5号",
               "sanction": "circular_criticism", "period_from": "2026-06-01", "period_to": "2027-05-31"}),
    ];
    let mut last = Value::Null;
    for e in entries {
        let (status, a) = add(&app, &admin, lawyer, e).await;
        assert_eq!(status, StatusCode::CREATED, "{a}");
        last = a;
    }
    let rules = gongdao_domain::archive::CreditRules::shipped();
    let expected = rules.base + 2 * rules.reward + rules.sanction["circular_criticism"];
    assert_eq!(last["credit"]["score"].as_i64(), Some(expected), "{}", last["credit"]);
    assert!(last["missing"].as_array().unwrap().is_empty());
    assert_eq!(last["licence_status"], "执业中");
    let history = last["history"].as_array().unwrap();
    assert_eq!(history.len(), 5, "each entry keeps the score it led to");
    assert_eq!(history[0]["score"].as_i64(), Some(expected));
    assert_eq!(history[4]["score"].as_i64(), Some(rules.base), "the first score stays as it was");

    // The public profile: the practice, rewards, the sanction in force; nothing more.
    let r = app.client.get(app.url(&format!("/api/v1/public/directory/person/{lawyer}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["rewards"].as_array().unwrap().len(), 2);
    assert_eq!(p["discipline_in_force"].as_array().unwrap().len(), 1);
    assert_eq!(p["licence_status"], "执业中");
    let forbidden = ["id_number", "id_number_masked", "phone", "phone_masked", "address", "raters", "recorded_by"];
    let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
    for f in forbidden {
        assert!(!keys.iter().any(|k| k.as_str() == f), "{f} is not public: {keys:?}");
    }
    let page =
        app.client.get(app.url(&format!("/directory/people/{lawyer}"))).send().await.unwrap().text().await.unwrap();
    for secret in [id_no.as_str(), &id_no[14..], "13904360001", "0436****0001", "139****0001"] {
        assert!(!p.to_string().contains(secret) && !page.contains(secret), "{secret} shown");
    }
    assert!(page.contains("超标准收费") && page.contains("全市优秀法律援助律师"));
    // The directory finds them, from the home page.
    let home = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("href=\"/directory\""));
    let dir =
        app.client.get(app.url("/directory?q=%E9%9F%A9%E7%AB%8B%E6%96%B0")).send().await.unwrap().text().await.unwrap();
    assert!(dir.contains(&format!("/directory/people/{lawyer}")), "found by name");

    // A township account does not reach an archive outside its township.
    let window = app.login_as("window").await;
    let centre = app.institution_id(&admin, "洮北区法律援助中心").await;
    assert_eq!(app.get(&window, &format!("/api/v1/archives/institution/{centre}")).await.0, StatusCode::NOT_FOUND);
    let station = app.institution_id(&admin, "平台镇公共法律服务工作站").await;
    assert_eq!(app.get(&window, &format!("/api/v1/archives/institution/{station}")).await.0, StatusCode::OK);

    // The formula is the district's rules file: doubling a reward's points moves the
    // score; a file whose grades do not fall is refused, naming why, and changes nothing.
    let (_, files) = app.get(&admin, "/api/v1/config/rules").await;
    let file = files.as_array().unwrap().iter().find(|f| f["name"] == "credit").expect("the credit file")["content"]
        .as_str()
        .unwrap()
        .to_string();
    let doubled = file.replacen("reward = 10\n", "reward = 20\n", 1);
    assert_ne!(doubled, file);
    let (status, body) = app.put(&admin, "/api/v1/config/rules", json!({"name": "credit", "content": doubled})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, a) = app.get(&admin, &format!("/api/v1/archives/person/{lawyer}")).await;
    assert_eq!(a["credit"]["score"].as_i64(), Some(expected + 2 * 10), "{}", a["credit"]);
    let broken = doubled.replacen("[\"AAA\", 1050]", "[\"AAA\", 900]", 1);
    let (status, body) = app.put(&admin, "/api/v1/config/rules", json!({"name": "credit", "content": broken})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(crate::helpers::field_message(&body, "content").contains("等级"), "{body}");
    let (_, a) = app.get(&admin, &format!("/api/v1/archives/person/{lawyer}")).await;
    assert_eq!(a["credit"]["score"].as_i64(), Some(expected + 2 * 10), "the refused file changed nothing");
    app.stop().await;
}
