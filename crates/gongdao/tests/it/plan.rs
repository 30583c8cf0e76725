//! The plan as data (issue 22): each measure on hand-made records with a known answer
//! (a township made for the test, seen by a leader of that township), the demo plan
//! computing every indicator, monthly values that stay as they were, a plan file refused
//! whole with its line, and the dashboard for a leader, on both backends.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, spawn_app};

const TOWNSHIP: &str = "220802198000";

async fn created(app: &TestApp, s: &Session, path: &str, body: Value) -> i64 {
    let (status, v) = app.post(s, path, body).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {v}");
    v["id"].as_i64().unwrap_or_default()
}

/// A township of two villages with two workstations (one lacking two services of the
/// one-stop set), a legal aid station, a law firm, two advisors (a lawyer and not),
/// two enforcement officers (one trained and certified) and a trainee lawyer.
async fn hand_made_township(app: &TestApp, admin: &Session) -> (i64, i64) {
    let (status, v) = app.post(admin, "/api/v1/regions", json!({"code": TOWNSHIP, "name": "试验镇"})).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    for (code, name) in [("220802198201", "东风村"), ("220802198202", "红旗村")] {
        let (status, v) = app.post(admin, "/api/v1/regions", json!({"code": code, "name": name})).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let full = ["consultation", "mediation", "legal_education", "grassroots_legal_service", "legal_aid_intake"];
    let mut all: Vec<&str> = full.to_vec();
    all.extend(["notary_guidance", "appraisal_guidance"]);
    let institution = |kind: &str, name: &str, services: Vec<&str>, green: bool| json!({"type": kind, "name": name, "region": TOWNSHIP, "services": services, "green_channel": green});
    created(app, admin, "/api/v1/institutions", institution("workstation", "试验镇甲工作站", all.clone(), true)).await;
    let short =
        created(app, admin, "/api/v1/institutions", institution("workstation", "试验镇乙工作站", full.to_vec(), false))
            .await;
    created(app, admin, "/api/v1/institutions", institution("legal_aid_station", "试验镇法律援助工作站", vec![], true))
        .await;
    let firm = created(
        app,
        admin,
        "/api/v1/institutions",
        institution("law_firm", "试验律师事务所", vec!["lawyer_service"], false),
    )
    .await;
    let lawyer = created(
        app,
        admin,
        "/api/v1/people",
        json!({"type": "lawyer", "name": "试律师", "institution_id": firm.to_string(), "licence_no": "12208201990000001"}),
    )
    .await;
    let advisor = created(
        app,
        admin,
        "/api/v1/people",
        json!({"type": "village_legal_advisor", "name": "试顾问", "region": TOWNSHIP}),
    )
    .await;
    for (person, village) in [(lawyer, "220802198201"), (advisor, "220802198202")] {
        created(
            app,
            admin,
            &format!("/api/v1/people/{person}/appointments"),
            json!({"village": village, "since": "2024-01-01"}),
        )
        .await;
    }
    let trained = created(
        app,
        admin,
        "/api/v1/people",
        json!({"type": "enforcement_officer", "name": "试执法甲", "region": TOWNSHIP, "certification": "certified"}),
    )
    .await;
    created(
        app,
        admin,
        "/api/v1/people",
        json!({"type": "enforcement_officer", "name": "试执法乙", "region": TOWNSHIP, "certification": "pending"}),
    )
    .await;
    let today = app.services.today();
    created(
        app,
        admin,
        &format!("/api/v1/people/{trained}/trainings"),
        json!({"date": today.to_string(), "title": "行政执法资格培训", "hours": "8"}),
    )
    .await;
    created(
        app,
        admin,
        "/api/v1/people",
        json!({"type": "trainee_lawyer", "name": "试实习", "institution_id": firm.to_string()}),
    )
    .await;
    (short, firm)
}

fn indicator<'a>(items: &'a Value, id: &str) -> &'a Value {
    items["items"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap_or_else(|| panic!("{id} in {items}"))
}

#[tokio::test]
async fn each_measure_has_its_known_answer_on_hand_made_records_on_both_backends() {
    for backend in crate::helpers::backends() {
        let app = spawn_app(backend).await;
        let admin = app.login_as("admin").await;
        let (short, _firm) = hand_made_township(&app, &admin).await;
        let leader = app.new_account(&admin, "township-leader", "leader", TOWNSHIP).await.session;
        let (status, got) = app.get(&leader, "/api/v1/plan/indicators").await;
        assert_eq!(status, StatusCode::OK, "{got}");
        assert_eq!(got["total"].as_u64(), Some(got["items"].as_array().unwrap().len() as u64));
        let value = |id: &str| indicator(&got, id)["value"].as_f64();
        let status_of = |id: &str| indicator(&got, id)["status"].as_str().unwrap().to_string();
        // Shares of what the township holds: one of two in each.
        assert_eq!(value("one-stop-workstations"), Some(50.0), "{got}");
        assert_eq!(status_of("one-stop-workstations"), "met", "the near target is 50 %");
        let lacking = &indicator(&got, "one-stop-workstations")["shortfalls"];
        assert_eq!(lacking[0]["name"], "试验镇乙工作站", "{lacking}");
        assert_eq!(lacking[0]["detail"], "缺：公证指引、司法鉴定指引", "{lacking}");
        // Two workstations, the station and the firm: the first and the station have it.
        assert_eq!(value("green-channel"), Some(50.0));
        assert_eq!(status_of("green-channel"), "behind");
        assert_eq!(indicator(&got, "green-channel")["gap"].as_f64(), Some(20.0));
        assert_eq!(value("professional-advisors"), Some(50.0));
        assert!(indicator(&got, "professional-advisors")["shortfalls"][0]["name"] == "试顾问");
        assert_eq!(value("enforcement-trained"), Some(50.0));
        assert_eq!(value("enforcement-certified"), Some(50.0));
        assert_eq!(value("legal-aid-stations"), Some(1.0));
        assert_eq!(value("institutions"), Some(1.0));
        assert_eq!(value("professionals"), Some(1.0), "the lawyer; not the advisor nor the trainee");
        assert_eq!(value("archive-coverage"), Some(100.0), "every record made has its archive");
        assert_eq!(value("intern-service-days"), Some(0.0));
        assert!(
            indicator(&got, "intern-service-days")["shortfalls"][0]["detail"].as_str().unwrap().contains("差 30 天")
        );
        // Nothing rated or decided here, and records the platform does not keep.
        for id in ["satisfaction", "legal-aid-in-time", "provincial-demonstration-villages"] {
            assert_eq!(status_of(id), "no_data", "{id}");
            assert!(indicator(&got, id)["value"].is_null(), "{id}: null only with no_data");
        }
        for item in got["items"].as_array().unwrap() {
            assert_eq!(item["value"].is_null(), item["status"] == "no_data", "{item}");
        }
        // The township's leader naming its district still sees the township; another
        // district is not theirs (404), nor a township given as a district (422).
        let (status, same) = app.get(&leader, "/api/v1/plan/indicators?district=220802000000").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(same, got);
        assert_eq!(app.get(&leader, "/api/v1/plan/indicators?district=220881000000").await.0, StatusCode::NOT_FOUND);
        let district_leader = app.login_as("leader").await;
        let (status, _) = app.get(&district_leader, "/api/v1/plan/indicators?district=220881000000").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = app.get(&district_leader, &format!("/api/v1/plan/indicators?district={TOWNSHIP}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        // The district's own figures count the whole district, not the township alone.
        let (_, whole) = app.get(&district_leader, "/api/v1/plan/indicators").await;
        assert!(indicator(&whole, "legal-aid-stations")["value"].as_f64() > Some(1.0), "{whole}");

        // Key dates: of this year's passed key dates, the township held nothing on any;
        // an itinerant service on the latest one makes it one of them.
        let plan = gongdao_domain::plan::Plan::parse(gongdao_domain::plan::DEMO_PLAN).unwrap();
        let today = app.services.today();
        let passed: Vec<_> = plan
            .key_dates
            .iter()
            .map(|k| k.window(chrono::Datelike::year(&today)))
            .filter(|(_, to)| *to <= today)
            .collect();
        let key = indicator(&got, "key-date-itinerant");
        if let Some((_, last)) = passed.iter().max_by_key(|(_, to)| *to) {
            // The bureau's dispatcher records events anywhere in the district.
            let dispatch = app.login_as("dispatch").await;
            assert_eq!(key["value"].as_f64(), Some(0.0), "{key}");
            assert_eq!(key["shortfalls"].as_array().unwrap().len(), passed.len());
            let event = json!({"kind": "itinerant", "title": "试验镇巡回服务", "held_on": last.to_string(),
                               "region": "220802198201", "held": true, "audience": 30});
            created(&app, &dispatch, "/api/v1/events", event).await;
            // A planned event, or one of a kind that does not go out, does not count.
            let class = json!({"kind": "rule_of_law_class", "title": "法治课堂", "held_on": last.to_string(),
                               "region": "220802198202", "held": true});
            created(&app, &dispatch, "/api/v1/events", class).await;
            let (_, after) = app.get(&leader, "/api/v1/plan/indicators").await;
            let expected = (1000.0 / passed.len() as f64).round() / 10.0;
            assert_eq!(indicator(&after, "key-date-itinerant")["value"].as_f64(), Some(expected), "{after}");
        } else {
            assert_eq!(key["status"], "no_data", "no key date has passed yet this year");
        }

        // The second workstation gets the two services: the share follows the records.
        let (_, w) = app.get(&admin, &format!("/api/v1/institutions/{short}")).await;
        let mut body = w.clone();
        body["services"] = json!([
            "consultation",
            "mediation",
            "legal_education",
            "grassroots_legal_service",
            "legal_aid_intake",
            "notary_guidance",
            "appraisal_guidance"
        ]);
        body["region"] = json!(TOWNSHIP);
        body["version"] = json!(w["version"].to_string());
        let (status, v) = app.put(&admin, &format!("/api/v1/institutions/{short}"), body).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let (_, got) = app.get(&leader, "/api/v1/plan/indicators").await;
        assert_eq!(indicator(&got, "one-stop-workstations")["value"].as_f64(), Some(100.0));

        // 五个一 from the records: a class and an election service in the lawyer's
        // village, a consultation from it; no case, no screening.
        let dispatch = app.login_as("dispatch").await;
        let today = app.services.today().to_string();
        for (kind, title) in [("rule_of_law_class", "乡村振兴法治课堂"), ("election_service", "换届选举法律服务")]
        {
            let e = json!({"kind": kind, "title": title, "held_on": today, "region": "220802198201", "held": true});
            created(&app, &dispatch, "/api/v1/events", e).await;
        }
        let consultation = json!({"channel": "window", "category": "consultation", "region": "220802198201",
            "requester": {"name": "试村民", "phone": "13904361234"}, "description": "承包地流转合同怎么签？"});
        created(&app, &dispatch, "/api/v1/requests", consultation).await;
        let (status, five) = app.get(&leader, "/api/v1/plan/advisors").await;
        assert_eq!(status, StatusCode::OK, "{five}");
        let of = |name: &str| five["items"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap().clone();
        assert_eq!(of("试律师")["counts"], json!([0, 1, 1, 0, 1]), "{five}");
        assert_eq!(of("试律师")["done"], 3);
        assert_eq!(five["townships"][0]["advisors"], 2);
        assert_eq!(app.get(&leader, "/api/v1/plan/advisors?year=1999").await.0, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(indicator(&got, "one-stop-workstations")["shortfalls"], json!([]));
        app.stop().await;
    }
}

#[tokio::test]
async fn the_demo_plan_computes_every_indicator_and_past_months_stay_as_they_were() {
    for backend in crate::helpers::backends() {
        let app = spawn_app(backend).await;
        let leader = app.login_as("leader").await;
        let (status, got) = app.get(&leader, "/api/v1/plan/indicators").await;
        assert_eq!(status, StatusCode::OK, "{got}");
        let items = got["items"].as_array().unwrap();
        let plan = gongdao_domain::plan::Plan::parse(gongdao_domain::plan::DEMO_PLAN).unwrap();
        assert_eq!(items.len(), plan.indicators.len());
        for item in items {
            let status = item["status"].as_str().unwrap();
            assert!(["met", "behind", "no_data"].contains(&status), "{item}");
            for key in ["id", "name", "value", "target", "unit", "status", "section"] {
                assert!(item.get(key).is_some(), "{key} in {item}");
            }
        }
        // The network of the demo district is there to count.
        for id in
            ["one-stop-workstations", "green-channel", "professional-advisors", "archive-coverage", "professionals"]
        {
            assert!(indicator(&got, id)["value"].as_f64().is_some(), "{id}: {got}");
        }

        // This month's values are kept; a past month keeps what it had.
        let services = &app.services;
        let kept = services.snapshot_plans().await.unwrap();
        assert_eq!(kept, plan.indicators.len());
        let district = 220_802_000_000i64;
        let reader = services.store().reader();
        let month = |d: chrono::NaiveDate| d.format("%Y-%m").to_string();
        let this_month = month(services.today());
        let past = gongdao_store::plan::Snapshot {
            region: district,
            plan_id: plan.id.clone(),
            indicator_id: "legal-aid-stations".into(),
            month: "2025-06".into(),
            value: Some(3.0),
            target: Some(28.0),
        };
        gongdao_store::plan::put_snapshot(services.store().writer(), &past, false, services.now()).await.unwrap();
        // Later records, a later snapshot and a backfill leave the past month alone.
        let admin = app.login_as("admin").await;
        let station = json!({"type": "legal_aid_station", "name": "新设法律援助工作站", "region": "220802100000"});
        created(&app, &admin, "/api/v1/institutions", station).await;
        services.snapshot_plans().await.unwrap();
        services.backfill_plan_snapshots(24).await.unwrap();
        let rows = gongdao_store::plan::snapshots(reader, district, &plan.id, "2025-01", &this_month).await.unwrap();
        let of =
            |m: &str| rows.iter().find(|s| s.indicator_id == "legal-aid-stations" && s.month == m).map(|s| s.value);
        assert_eq!(of("2025-06"), Some(Some(3.0)), "the past month stays as it was");
        let now =
            indicator(&app.get(&leader, "/api/v1/plan/indicators").await.1, "legal-aid-stations")["value"].as_f64();
        assert_eq!(of(&this_month), Some(now), "this month follows the records");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_plan_file_with_a_mistake_is_refused_whole_with_its_line() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let admin = app.login_as("admin").await;
    let leader = app.login_as("leader").await;
    let before = app.get(&leader, "/api/v1/plan/indicators").await.1;
    let bad = gongdao_domain::plan::DEMO_PLAN.replace("measure = \"green_channel\"", "measure = \"happiness\"");
    let line = bad.lines().position(|l| l.contains("happiness")).unwrap() + 1;
    let response = app.post_form(&admin, "/plan", &[("district", ""), ("content", &bad)]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains(&format!("第 {line} 行")) && page.contains("不认识指标算法"), "{page}");
    assert!(page.contains("happiness"), "the form keeps what was sent");
    assert_eq!(app.get(&leader, "/api/v1/plan/indicators").await.1, before, "nothing imported");

    // A good new version is in force at once; a leader may not upload one.
    let fewer = gongdao_domain::plan::DEMO_PLAN.replace(
        "targets = { near = 70 }\ndepartment = \"区法律援助中心\"",
        "targets = { near = 60 }\ndepartment = \"区法律援助中心\"",
    );
    let response = app.post_form(&admin, "/plan", &[("district", ""), ("content", &fewer)]).await;
    assert!(response.status().is_redirection() || response.status() == StatusCode::OK, "{}", response.status());
    let after = app.get(&leader, "/api/v1/plan/indicators").await.1;
    assert_eq!(indicator(&after, "green-channel")["target"].as_f64(), Some(60.0));
    let response = app.post_form(&leader, "/plan", &[("district", ""), ("content", &fewer)]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn the_dashboard_is_the_leaders_landing_page() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let leader = app.login_as("leader").await;
    let (status, page) = app.page(&leader, "/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    for words in [
        "领导驾驶舱",
        "规划指标",
        "乡镇公共法律服务工作站“一站式”服务覆盖率",
        "每月业务量",
        "乡镇（街道）覆盖情况",
        "平台镇",
    ] {
        assert!(page.contains(words), "{words}");
    }
    let (status, screen) = app.page(&leader, "/dashboard/screen").await;
    assert_eq!(status, StatusCode::OK);
    assert!(screen.contains("http-equiv=\"refresh\"") && screen.contains("公共法律服务驾驶舱"));
    let (status, plan) = app.page(&leader, "/plan").await;
    assert_eq!(status, StatusCode::OK);
    assert!(plan.contains("完善新型运行管理机制") && !plan.contains("plan-upload"), "a leader reads, does not upload");
    // Signing in from the start page lands a leader on the dashboard, others on the workbench.
    let landing = |user: &'static str| {
        let app = &app;
        async move {
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .unwrap();
            let form = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
            let csrf =
                form.split("name=\"csrf_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
            let r = client
                .post(app.url("/login"))
                .form(&[
                    ("username", user),
                    ("password", crate::helpers::PASSWORD),
                    ("csrf_token", csrf.as_str()),
                    ("next", "/"),
                ])
                .send()
                .await
                .unwrap();
            r.headers()["location"].to_str().unwrap().to_string()
        }
    };
    // The printable summary and the assessment workbook of the year.
    let (status, report) = app.page(&leader, "/plan/report").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        report.contains("洮北区规划实施情况") && report.contains("一、规划指标") && report.contains("二、任务完成情况")
    );
    let response = app
        .client
        .get(app.url("/plan/assessment.xlsx"))
        .header("cookie", format!("gongdao_session={}", leader.token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap();
    let sheets = crate::helpers::workbook_sheets(&bytes);
    for sheet in ["概况", "指标-一", "指标-三", "指标-四", "指标-六", "未达标明细", "月度走势", "任务清单"]
    {
        assert!(sheets.iter().any(|s| s == sheet), "{sheet} in {sheets:?}");
    }
    let text = crate::helpers::workbook_text(&bytes);
    for words in ["机构名录：乡镇公共法律服务工作站的服务项目", "平台暂无记录", "完善新型运行管理机制", "无数据"]
    {
        assert!(text.contains(words), "{words}");
    }
    assert_eq!(landing("leader").await, "/dashboard");
    assert_eq!(landing("window").await, "/");
    // Who does not see the plan.
    let window = app.login_as("window").await;
    assert_eq!(app.get(&window, "/api/v1/plan/indicators").await.0, StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn a_department_reports_on_its_own_tasks_only_on_both_backends() {
    for backend in crate::helpers::backends() {
        let app = spawn_app(backend).await;
        // The demo's reviewer reports for 区法律援助中心 (its account's department).
        let reviewer = app.login_as("reviewer").await;
        let (status, t) = app
            .post(
                &reviewer,
                "/api/v1/plan/tasks/4-9/reports",
                json!({"percent": "60", "note": "已在 12 个乡镇设立便民法律援助工作站。", "attachment": "洮司发〔2025〕3号"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        assert_eq!(t["percent"], 60);
        // Past its due day (2025-12-31) and not done.
        assert_eq!(t["status"], "overdue", "{t}");
        // A task it co-operates on: allowed; one it has nothing to do with: refused.
        let (status, _) =
            app.post(&reviewer, "/api/v1/plan/tasks/3-1/reports", json!({"percent": 100, "note": "配合完成。"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, body) =
            app.post(&reviewer, "/api/v1/plan/tasks/8-21/reports", json!({"percent": 100, "note": "x"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        // Bad input is named; nothing is kept.
        let (status, body) =
            app.post(&reviewer, "/api/v1/plan/tasks/4-9/reports", json!({"percent": "150", "note": ""})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut fields = crate::helpers::error_fields(&body);
        fields.sort();
        assert_eq!(fields, vec!["note", "percent"], "{body}");
        // An account without a department reports on nothing; an unknown task is 404.
        let window = app.login_as("window").await;
        let (status, _) =
            app.post(&window, "/api/v1/plan/tasks/4-9/reports", json!({"percent": 10, "note": "x"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(app.post(&reviewer, "/api/v1/plan/tasks/9-99/reports", json!({})).await.0, StatusCode::NOT_FOUND);

        // The bureau sees the latest report and the history; done at 100 %.
        let leader = app.login_as("leader").await;
        let (_, list) = app.get(&leader, "/api/v1/plan/tasks").await;
        let task = |id: &str| list["items"].as_array().unwrap().iter().find(|t| t["id"] == id).unwrap().clone();
        assert_eq!(task("4-9")["percent"], 60);
        assert_eq!(task("3-1")["status"], "done");
        assert_eq!(task("8-21")["status"], "overdue", "never reported, and past its day");
        assert!(task("8-21")["percent"].is_null());
        let (_, detail) = app.get(&leader, "/api/v1/plan/tasks/4-9").await;
        assert_eq!(detail["reports"].as_array().unwrap().len(), 1, "{detail}");
        assert_eq!(detail["reports"][0]["attachment"], "洮司发〔2025〕3号");
        app.stop().await;
    }
}
