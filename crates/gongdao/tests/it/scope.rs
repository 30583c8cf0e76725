//! Data scope: an account scoped to one township can neither list, read nor change
//! another township's institutions, people, regions, accounts or audit entries,
//! through any route.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{backends, error_fields, field_message, spawn_app};

const PINGTAI: &str = "220802100000"; // 平台镇
const PINGTAI_PREFIX: &str = "220802100";

fn in_pingtai(code: &Value) -> bool {
    code.as_str().is_some_and(|c| c.starts_with(PINGTAI_PREFIX))
}

#[tokio::test]
async fn a_township_account_stays_in_its_township() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.login_as("admin").await;
        let local = app.new_account(&admin, "pt-admin", "admin", PINGTAI).await.session;

        // Lists hold only the township.
        let (_, mine) = app.get(&local, "/api/v1/institutions?per_page=1000").await;
        let items = mine["items"].as_array().unwrap();
        assert!(!items.is_empty() && items.iter().all(|i| in_pingtai(&i["region"])), "{backend:?}");
        let (_, people) = app.get(&local, "/api/v1/people?per_page=1000").await;
        assert!(people["items"].as_array().unwrap().iter().all(|p| in_pingtai(&p["region"])));
        let (_, regions) = app.get(&local, "/api/v1/regions").await;
        assert!(regions["items"].as_array().unwrap().iter().all(|r| in_pingtai(&r["code"])));
        // Asking for another township by filter yields nothing.
        assert_eq!(app.total(&local, "/api/v1/institutions?region=220802101000").await, 0);

        // Another township's records: not found, whatever the method.
        let other_inst = app.institution_id(&admin, "平安镇公共法律服务工作站").await;
        let (_, other_people) = app.get(&admin, "/api/v1/people?region=220802101000&type=judicial_office_staff").await;
        let other_person = other_people["items"][0]["id"].as_i64().unwrap();
        for path in [
            format!("/api/v1/institutions/{other_inst}"),
            format!("/api/v1/people/{other_person}"),
            format!("/api/v1/people/{other_person}/personal-data"),
            format!("/api/v1/people/{other_person}/trainings"),
            format!("/api/v1/people/{other_person}/appointments"),
            "/api/v1/regions/220802101000".to_string(),
        ] {
            assert_eq!(app.get(&local, &path).await.0, StatusCode::NOT_FOUND, "{backend:?} GET {path}");
        }
        let change = json!({"type": "workstation", "name": "改名", "region": PINGTAI, "version": 1});
        assert_eq!(
            app.put(&local, &format!("/api/v1/institutions/{other_inst}"), change).await.0,
            StatusCode::NOT_FOUND
        );
        let person_change = json!({"type": "volunteer", "name": "改名", "region": PINGTAI, "version": 1});
        assert_eq!(
            app.put(&local, &format!("/api/v1/people/{other_person}"), person_change).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.put(&local, "/api/v1/regions/220802101000", json!({"name": "改名"})).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(app.delete(&local, &format!("/api/v1/institutions/{other_inst}")).await, StatusCode::NOT_FOUND);
        assert_eq!(app.delete(&local, &format!("/api/v1/people/{other_person}")).await, StatusCode::NOT_FOUND);
        assert_eq!(app.delete(&local, "/api/v1/regions/220802101201").await, StatusCode::NOT_FOUND);
        let (status, _) = app
            .post(
                &local,
                &format!("/api/v1/people/{other_person}/trainings"),
                json!({"date": "2026-01-05", "title": "培训"}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Creating things that point outside the township is refused, naming the field.
        let (status, body) = app
            .post(
                &local,
                "/api/v1/institutions",
                json!({"type": "workstation", "name": "越界工作站", "region": "220802101000"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field_message(&body, "region").contains("管辖范围"), "{body}");
        let people_before = app.total(&admin, "/api/v1/people").await;
        let audit_before = app.audit_count(&admin).await;
        let (status, body) = app
            .post(
                &local,
                "/api/v1/people",
                json!({"type": "judicial_office_staff", "name": "越界人员", "institution_id": other_inst}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&body), vec!["institution_id"]);
        assert!(field_message(&body, "institution_id").contains("管辖范围"), "{body}");
        assert_eq!(app.total(&admin, "/api/v1/people").await, people_before, "{backend:?}: nothing written");
        assert_eq!(app.audit_count(&admin).await, audit_before, "{backend:?}: nothing audited");
        let (status, body) =
            app.post(&local, "/api/v1/regions", json!({"code": "220802101250", "name": "越界村"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["code"]);
        // Moving one's own institution out of the township too.
        let own = app.institution_id(&local, "平台镇人民调解委员会").await;
        let (_, own_body) = app.get(&local, &format!("/api/v1/institutions/{own}")).await;
        let (status, body) = app
            .put(&local, &format!("/api/v1/institutions/{own}"), json!({"type": "mediation_committee", "name": "平台镇人民调解委员会", "region": "220802101000", "version": own_body["version"]}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["region"]);

        // Accounts and the audit trail are scoped too.
        let (_, accounts) = app.get(&local, "/api/v1/accounts").await;
        let names: Vec<&str> =
            accounts["items"].as_array().unwrap().iter().map(|a| a["username"].as_str().unwrap()).collect();
        assert!(names.contains(&"window") && names.contains(&"pt-admin") && !names.contains(&"admin"), "{names:?}");
        let (status, body) = app
            .post(&local, "/api/v1/accounts", json!({"username": "grab", "display_name": "x", "password": "Long-enough-1", "role": "admin", "scope": "220802"}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["scope"]);
        let (_, audit) = app.get(&local, "/api/v1/audit?per_page=1000").await;
        let (_, all_audit) = app.get(&admin, "/api/v1/audit?per_page=1000").await;
        assert!(audit["total"].as_u64().unwrap() < all_audit["total"].as_u64().unwrap());

        // The pages say the same.
        let cookie = format!("gongdao_session={}", local.token);
        let r = app
            .client
            .get(app.url(&format!("/institutions/{other_inst}")))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let html = app
            .client
            .get(app.url("/institutions?per_page=1000"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("平台镇公共法律服务工作站") && !html.contains("平安镇公共法律服务工作站"));

        // The export holds the township's rows only.
        let r = app.client.get(app.url("/api/v1/institutions/export")).bearer_auth(&local.token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let (_, exports) = app.get(&local, "/api/v1/audit?action=export").await;
        let summary = exports["items"][0]["summary"].as_str().unwrap().to_string();
        assert!(summary.contains(&format!("（{}条）", items.len())), "{summary}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_township_account_cannot_rewrite_the_district_or_reach_past_its_township_on_the_new_pages() {
    for backend in backends() {
        let app = crate::helpers::spawn_app_with(backend, |s| s.demo_activity = true).await;
        let admin = app.login_as("admin").await;
        let local_admin = app.new_account(&admin, "pt-admin", "admin", PINGTAI).await.session;
        let local_dispatch = app.new_account(&admin, "pt-dispatch", "dispatcher", PINGTAI).await.session;

        // The district's rules are the district's: a township's administrator may not
        // change a deadline, by the file or by the form.
        let (_, files) = app.get(&admin, "/api/v1/config/rules").await;
        let deadlines = files.as_array().unwrap().iter().find(|f| f["name"] == "deadlines").unwrap().clone();
        let edited =
            deadlines["content"].as_str().unwrap().replacen("resolve = \"3个工作日\"", "resolve = \"60日\"", 1);
        let (status, _) =
            app.put(&local_admin, "/api/v1/config/rules", json!({"name": "deadlines", "content": edited})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{backend:?}");
        let r = app
            .post_form(
                &local_admin,
                "/settings/rules/deadline",
                &[("category", "consultation"), ("step", "resolve"), ("period", "60日")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let (_, after) = app.get(&admin, "/api/v1/config/rules").await;
        assert_eq!(after, files, "{backend:?}: the rules are unchanged");

        // Another township's matter: its receipt is not found, and it cannot be ticked
        // into this township's incident.
        let (_, other) = app.get(&admin, "/api/v1/requests?region=220802101000&per_page=10").await;
        let other_id = other["items"][0]["id"].as_i64().expect("the demo has a 平安镇 matter");
        let window = app.login_as("window").await;
        let (status, _) = app.page(&window, &format!("/requests/{other_id}/receipt")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{backend:?}");
        let dispatch = app.login_as("dispatch").await;
        let (_, incidents) = app.get(&dispatch, "/api/v1/incidents").await;
        let incident = incidents[0]["id"].as_i64().unwrap();
        let (incident, other) = (incident.to_string(), other_id.to_string());
        let r = app.post_form(&local_dispatch, "/dispatch/link", &[("incident", &incident), ("ids", &other)]).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        let page = r.text().await.unwrap();
        assert!(page.contains("管辖范围"), "the field says why");
        let (_, matter) = app.get(&admin, &format!("/api/v1/requests/{other_id}")).await;
        assert!(matter["incident_id"].is_null(), "{backend:?}: nothing linked: {matter}");
        // The incident list holds the township's incidents only.
        let (status, _) = app.page(&local_dispatch, "/incidents").await;
        assert_eq!(status, StatusCode::OK);
        app.stop().await;
    }
}

/// Ids in the bodies of 好差评 and 诚信档案 routes: a township's supervisor cannot
/// visit (and open a task at) another township's institution, a township's keeper cannot
/// tie a complaint to another township's matter nor write to another township's archive;
/// each refused, naming the field, nothing written.
#[tokio::test]
async fn ids_in_the_bodies_of_the_evaluation_and_archive_routes_stay_in_scope() {
    for backend in backends() {
        let app = crate::helpers::spawn_app_with(backend, |s| s.demo_activity = true).await;
        let admin = app.login_as("admin").await;
        let local_admin = app.new_account(&admin, "pt-admin", "admin", PINGTAI).await.session;
        let local_supervisor = app.new_account(&admin, "pt-supervisor", "social_supervisor", PINGTAI).await.session;
        let own = app.institution_id(&admin, "平台镇公共法律服务工作站").await;
        let elsewhere = app.institution_id(&admin, "平安镇人民调解委员会").await;
        let today = gongdao_domain::calendar::china_day(chrono::Utc::now()).to_string();

        let (_, before) = app.get(&admin, "/api/v1/supervision/visits").await;
        let (_, tasks_before) = app.get(&admin, "/api/v1/rectifications").await;
        let visit = |institution: i64| json!({"institution_id": institution, "visited_on": today, "findings": "未公示监督电话。", "needs_rectification": true});
        let (status, body) = app.post(&local_supervisor, "/api/v1/supervision/visits", visit(elsewhere)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {body}");
        assert_eq!(error_fields(&body), vec!["institution_id"]);
        assert_eq!(app.get(&admin, "/api/v1/supervision/visits").await.1, before, "no visit written");
        assert_eq!(app.get(&admin, "/api/v1/rectifications").await.1["total"], tasks_before["total"], "no task opened");
        let (status, body) = app.post(&local_supervisor, "/api/v1/supervision/visits", visit(own)).await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?}: {body}");

        // A complaint in this township's archive that names another township's matter.
        let (_, other) = app.get(&admin, "/api/v1/requests?region=220802101000&per_page=1").await;
        let other_matter = other["items"][0]["id"].as_i64().expect("the demo has a 平安镇 matter");
        let archive = format!("/api/v1/archives/institution/{own}");
        let (_, a) = app.get(&local_admin, &archive).await;
        let complaint = |request: i64| json!({"kind": "complaint", "occurred_on": today, "title": "群众投诉办事拖延", "source": "12348热线", "request_id": request});
        let (status, body) = app.post(&local_admin, &format!("{archive}/entries"), complaint(other_matter)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {body}");
        assert_eq!(error_fields(&body), vec!["request_id"]);
        assert!(field_message(&body, "request_id").contains("管辖范围"));
        assert_eq!(app.get(&local_admin, &archive).await.1["entries"], a["entries"], "nothing written");
        // By its number, as staff know a matter from its receipt: the same refusal, and
        // the township's own matter is linked.
        let by_number = |number: &str| json!({"kind": "complaint", "occurred_on": today, "title": "群众投诉办事拖延", "source": "12348热线", "request_number": number});
        let other_number = other["items"][0]["number"].as_str().unwrap().to_string();
        let (status, body) = app.post(&local_admin, &format!("{archive}/entries"), by_number(&other_number)).await;
        assert_eq!(
            (status, error_fields(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["request_number".to_string()])
        );
        let (_, mine) = app.get(&admin, &format!("/api/v1/requests?region={PINGTAI}&per_page=1")).await;
        let (own_id, own_number) =
            (mine["items"][0]["id"].as_i64().unwrap(), mine["items"][0]["number"].as_str().unwrap());
        let (status, after) = app.post(&local_admin, &format!("{archive}/entries"), by_number(own_number)).await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?}: {after}");
        let linked =
            after["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "complaint").expect("the complaint");
        assert_eq!(linked["request_id"], own_id, "{linked}");
        // Another township's archive is not found at all, even with a valid entry.
        let (status, _) = app
            .post(
                &local_admin,
                &format!("/api/v1/archives/institution/{elsewhere}/entries"),
                json!({"kind": "training", "occurred_on": today, "title": "调解业务培训", "source": "区司法局"}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{backend:?}");
        let (status, _) = app.get(&local_admin, &format!("/api/v1/archives/institution/{elsewhere}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        app.stop().await;
    }
}
