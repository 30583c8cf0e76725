//! The JSON API and the page flows over real HTTP on loopback.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, backends, error_fields, field_message, id_number, spawn_app, urlencode, workbook_text};

#[tokio::test]
async fn health_openapi_and_vocabularies() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ok");
    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    for path in ["/api/v1/auth/login", "/api/v1/regions", "/api/v1/institutions", "/api/v1/people"] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    let types = &doc["components"]["schemas"]["InstitutionType"]["enum"];
    assert!(types.as_array().unwrap().iter().any(|t| t == "workstation"), "{types}");
    assert!(
        doc["components"]["schemas"]["PersonType"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "village_legal_advisor")
    );
    let vocab: Value = app.client.get(app.url("/api/v1/vocabularies")).send().await.unwrap().json().await.unwrap();
    assert!(
        vocab["institution_types"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["code"] == "workstation" && t["label"] == "公共法律服务工作站")
    );
    app.stop().await;
}

#[tokio::test]
async fn login_answers_token_and_refuses_wrong_passwords() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let ok = app.try_login("admin", "gongdao-demo").await;
        assert_eq!(ok.status(), StatusCode::OK);
        assert!(ok.headers().get("set-cookie").unwrap().to_str().unwrap().contains("HttpOnly"));
        let body: Value = ok.json().await.unwrap();
        assert!(body["token"].as_str().unwrap().len() >= 32 && body["csrf_token"].is_string());
        assert_eq!(body["account"]["role"], "admin");
        assert_eq!(body["account"]["scope"], "220802");

        let wrong = app.try_login("admin", "nope").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.json::<Value>().await.unwrap()["error"]["message"], "用户名或密码错误");
        let unknown = app.try_login("nobody", "nope").await;
        assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
        let empty = app.try_login("", "x").await;
        assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&empty.json().await.unwrap()), vec!["username"]);
        let bad_json = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body("{oops")
            .send()
            .await
            .unwrap();
        assert_eq!(bad_json.status(), StatusCode::BAD_REQUEST);
        let body: Value = bad_json.json().await.unwrap();
        assert!(body["error"]["message"].as_str().unwrap().contains("JSON"));

        // The failures are in the audit trail, with the address.
        let admin = app.login_as("admin").await;
        let (_, audit) = app.get(&admin, "/api/v1/audit?action=login_failed").await;
        assert!(audit["total"].as_u64().unwrap() >= 2, "{backend:?}: {audit}");
        assert_eq!(audit["items"][0]["ip"], "127.0.0.1");
        app.stop().await;
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while() {
    let app = spawn_app(Backend::Sqlite).await;
    for _ in 0..5 {
        assert_eq!(app.try_login("window", "wrong-password").await.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = app.try_login("window", "gongdao-demo").await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers().get("retry-after").is_some());
    assert!(locked.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().contains("分钟后再试"));
    // Other accounts are not affected.
    app.login_as("hotline").await;
    app.stop().await;
}

#[tokio::test]
async fn listings_have_items_and_total_within_scope() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.login_as("admin").await;
        let (status, body) = app.get(&admin, "/api/v1/institutions?type=workstation").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["total"], 22, "{backend:?}");
        assert_eq!(body["items"].as_array().unwrap().len(), 22);
        assert!(body["items"].as_array().unwrap().iter().all(|i| i["type"] == "workstation"));
        let lawyers = app.total(&admin, "/api/v1/people?type=lawyer").await;
        assert_eq!(lawyers, 24);
        let regions = app.total(&admin, "/api/v1/regions").await;
        assert_eq!(regions, 170, "the district and below");
        let in_town = app.total(&admin, "/api/v1/institutions?region=220802100000").await;
        assert!(in_town > 2 && in_town < 30);
        // Paging.
        let (_, page2) = app.get(&admin, "/api/v1/institutions?per_page=10&page=2").await;
        assert_eq!(page2["items"].as_array().unwrap().len(), 10);
        // Bad filters are named.
        let (status, body) = app.get(&admin, "/api/v1/institutions?type=castle").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["type"]);
        let (status, body) = app.get(&admin, "/api/v1/people?per_page=0").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["per_page"]);
        // A township account sees its township only.
        let window = app.login_as("window").await;
        let (_, body) = app.get(&window, "/api/v1/institutions?type=workstation").await;
        assert_eq!(body["total"], 1);
        assert_eq!(body["items"][0]["name"], "平台镇公共法律服务工作站");
        app.stop().await;
    }
}

fn workstation(name: &str) -> Value {
    json!({
        "type": "law_firm",
        "name": name,
        "region": "220802",
        "address": "白城市洮北区测试路1号",
        "phone": "0436-3212345",
        "services": ["consultation", "lawyer_service"],
        "green_channel": true,
        "opening_hours": "周一至周五"
    })
}

#[tokio::test]
async fn institutions_are_created_changed_and_deleted_with_audit() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.login_as("admin").await;
        let audit_before = app.audit_count(&admin).await;
        let (status, created) = app.post(&admin, "/api/v1/institutions", workstation("吉林测试律师事务所")).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_i64().unwrap();
        assert_eq!(created["version"], 1);
        assert_eq!(created["services"], json!(["consultation", "lawyer_service"]));

        let mut change = workstation("吉林改名律师事务所");
        change["version"] = json!(1);
        let (status, updated) = app.put(&admin, &format!("/api/v1/institutions/{id}"), change.clone()).await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(updated["version"], 2);
        // The same stale version again: a conflict, not a lost update.
        let (status, conflict) = app.put(&admin, &format!("/api/v1/institutions/{id}"), change).await;
        assert_eq!(status, StatusCode::CONFLICT, "{backend:?}");
        assert!(conflict["error"]["message"].as_str().unwrap().contains("已被他人修改"));
        let mut no_version = workstation("x");
        no_version.as_object_mut().unwrap().remove("version");
        let (status, body) = app.put(&admin, &format!("/api/v1/institutions/{id}"), no_version).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["version"]);

        let (_, audit) = app.get(&admin, &format!("/api/v1/audit?object_type=institution&object_id={id}")).await;
        let actions: Vec<&str> =
            audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, vec!["update", "create"], "{backend:?}");
        assert_eq!(audit["items"][0]["changes"]["name"], json!(["吉林测试律师事务所", "吉林改名律师事务所"]));

        assert_eq!(app.delete(&admin, &format!("/api/v1/institutions/{id}")).await, StatusCode::NO_CONTENT);
        let (status, _) = app.get(&admin, &format!("/api/v1/institutions/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(app.audit_count(&admin).await, audit_before + 3);
        // An institution that still has people cannot go.
        let busy = app.institution_id(&admin, "平台镇公共法律服务工作站").await;
        assert_eq!(app.delete(&admin, &format!("/api/v1/institutions/{busy}")).await, StatusCode::CONFLICT);
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_institutions_are_refused_field_by_field_and_nothing_is_written() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.login_as("admin").await;
        let count = app.total(&admin, "/api/v1/institutions").await;
        let audit = app.audit_count(&admin).await;
        let long_name = "很".repeat(61);
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"type": "castle"}), "type", "不是平台已知的机构类型"),
            (json!({"name": ""}), "name", "不能为空"),
            (json!({"name": long_name}), "name", "不能超过60个字"),
            (json!({"phone": "12345678"}), "phone", "不是有效的手机号或固定电话"),
            (json!({"region": "22080210"}), "region", "6位或12位"),
            (json!({"region": "220802199000"}), "region", "不存在"),
            (json!({"type": "workstation", "region": "220802"}), "region", "乡级"),
            (json!({"region": "220803"}), "region", "不在您的管辖范围内"),
            (json!({"services": ["magic"]}), "services", "不是平台已知的服务项目"),
            (json!({"demonstration_level": "galactic"}), "demonstration_level", "不是平台已知"),
        ];
        for (patch, field, words) in cases {
            let mut body = workstation("吉林坏数据律师事务所");
            for (k, v) in patch.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (status, answer) = app.post(&admin, "/api/v1/institutions", body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?} {field}: {answer}");
            let message = field_message(&answer, field);
            assert!(message.contains(words), "{backend:?} {field}: {answer}");
        }
        let (status, answer) = app.post(&admin, "/api/v1/institutions", json!({"type": 5})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error_fields(&answer), vec!["type"]);
        assert_eq!(app.total(&admin, "/api/v1/institutions").await, count, "{backend:?}: nothing written");
        assert_eq!(app.audit_count(&admin).await, audit, "{backend:?}: nothing audited");
        app.stop().await;
    }
}

fn volunteer(name: &str) -> Value {
    json!({"type": "volunteer", "name": name, "region": "220802100201", "phone": "13912345678"})
}

#[tokio::test]
async fn bad_people_are_refused_field_by_field_and_nothing_is_written() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.login_as("admin").await;
        let count = app.total(&admin, "/api/v1/people").await;
        let audit = app.audit_count(&admin).await;
        let good = id_number("22080219750612123");
        let wrong_check = format!("{}{}", &good[..17], if good.ends_with('0') { '1' } else { '0' });
        let notary_office = app.institution_id(&admin, "白城市洮北区公证处").await;
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!({"id_number": wrong_check}), "id_number", "校验位"),
            (json!({"id_number": id_number("22080219750231123")}), "id_number", "不存在"),
            (json!({"id_number": id_number("22080221000101123")}), "id_number", "不合理"),
            (json!({"phone": "021-123"}), "phone", "不是有效的手机号或固定电话"),
            (json!({"type": "wizard"}), "type", "不是平台已知的人员类型"),
            (json!({"name": "张".repeat(31)}), "name", "不能超过30个字"),
            (json!({"name": "  "}), "name", "不能为空"),
            (json!({"region": "220802100599"}), "region", "不存在"),
            (json!({"region": "999999"}), "region", "编码规则"),
            (json!({"type": "lawyer", "licence_no": "1"}), "institution_id", "必须填写所属机构"),
            (
                json!({"type": "lawyer", "licence_no": "1", "institution_id": notary_office}),
                "institution_id",
                "律师应属于",
            ),
            (json!({"institution_id": 999_999}), "institution_id", "不存在或不在您的管辖范围内"),
            (json!({"practice_years": 99}), "practice_years", "0到70"),
            (json!({"type": "mediator"}), "employment", "专职或兼职"),
        ];
        for (patch, field, words) in cases {
            let mut body = volunteer("测试人员");
            for (k, v) in patch.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (status, answer) = app.post(&admin, "/api/v1/people", body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?} {field}: {answer}");
            assert!(field_message(&answer, field).contains(words), "{backend:?} {field}: {answer}");
        }
        assert_eq!(app.total(&admin, "/api/v1/people").await, count, "{backend:?}: nothing written");
        assert_eq!(app.audit_count(&admin).await, audit, "{backend:?}: nothing audited");

        // The good one goes in; the same ID number twice does not.
        let mut body = volunteer("测试人员");
        body["id_number"] = json!(good);
        let (status, person) = app.post(&admin, "/api/v1/people", body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{person}");
        assert_eq!(person["phone_masked"], "139****5678");
        assert!(person.get("id_number").is_none() && person.get("phone").is_none());
        let (status, answer) = app.post(&admin, "/api/v1/people", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field_message(&answer, "id_number").contains("已登记"), "{answer}");
        assert_eq!(app.total(&admin, "/api/v1/people").await, count + 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn people_trainings_appointments_and_the_audited_reveal() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.login_as("admin").await;
        let id_no = id_number("22080219800101002");
        let mut body = volunteer("王测试");
        body["id_number"] = json!(id_no);
        let (_, person) = app.post(&admin, "/api/v1/people", body).await;
        let id = person["id"].as_i64().unwrap();
        let base = format!("/api/v1/people/{id}");

        let (status, t) = app
            .post(
                &admin,
                &format!("{base}/trainings"),
                json!({"date": "2026-03-01", "title": "人民调解业务培训", "hours": 8}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        let (status, bad) =
            app.post(&admin, &format!("{base}/trainings"), json!({"date": "2026-02-30", "title": ""})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&bad), vec!["date", "title"]);
        assert_eq!(app.total(&admin, &format!("{base}/trainings")).await, 1);

        let (status, a) = app
            .post(&admin, &format!("{base}/appointments"), json!({"village": "220802100201", "since": "2026-01-01"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{a}");
        let (status, bad) = app
            .post(&admin, &format!("{base}/appointments"), json!({"village": "220802100000", "since": "2026-01-01"}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(field_message(&bad, "village").contains("村（社区）"));

        let before = app.total(&admin, "/api/v1/audit?action=view_personal_data").await;
        let (status, data) = app.get(&admin, &format!("{base}/personal-data")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(data["id_number"], id_no);
        assert_eq!(data["phone"], "13912345678");
        let (_, audit) = app.get(&admin, "/api/v1/audit?action=view_personal_data").await;
        assert_eq!(audit["total"].as_u64().unwrap(), before + 1, "{backend:?}: every reveal is audited");
        assert_eq!(audit["items"][0]["object_id"], id.to_string());
        let leader = app.login_as("leader").await;
        let (status, _) = app.get(&leader, &format!("{base}/personal-data")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // An update with a blank ID number keeps the stored one.
        let mut change = volunteer("王测试");
        change["version"] = json!(1);
        change["phone"] = json!("");
        let (status, updated) = app.put(&admin, &base, change).await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(updated["phone_masked"], "139****5678");
        assert!(updated["id_number_masked"].as_str().unwrap().starts_with("2208"));

        assert_eq!(app.delete(&admin, &base).await, StatusCode::NO_CONTENT);
        assert_eq!(app.get(&admin, &base).await.0, StatusCode::NOT_FOUND);
        app.stop().await;
    }
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_token_for_changes() {
    let app = spawn_app(Backend::Sqlite).await;
    let s = app.login_as("admin").await;
    let cookie = format!("gongdao_session={}", s.token);
    // Reads with the cookie alone are fine.
    let r = app.client.get(app.url("/api/v1/me")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body = workstation("吉林跨站律师事务所");
    let r =
        app.client.post(app.url("/api/v1/institutions")).header("cookie", &cookie).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "csrf");
    let r = app
        .client
        .post(app.url("/api/v1/institutions"))
        .header("cookie", &cookie)
        .header("x-csrf-token", "forged")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .client
        .post(app.url("/api/v1/institutions"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &s.csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    // A form post without the token is refused too.
    let r = app
        .client
        .post(app.url("/institutions"))
        .header("cookie", &cookie)
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Bearer tokens need no CSRF token.
    let (status, _) = app.post(&s, "/api/v1/institutions", workstation("吉林令牌律师事务所")).await;
    assert_eq!(status, StatusCode::CREATED);
    app.stop().await;
}

#[tokio::test]
async fn sessions_expire_and_end_at_logout() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let s = app.login_as("leader").await;
        assert_eq!(app.get(&s, "/api/v1/me").await.0, StatusCode::OK);
        assert_eq!(app.post(&s, "/api/v1/auth/logout", json!({})).await.0, StatusCode::NO_CONTENT);
        assert_eq!(app.get(&s, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);

        let s = app.login_as("leader").await;
        let writer = app.services.store().writer();
        use gongdao_store::ConnectionTrait;
        let past = match backend {
            Backend::Sqlite => "UPDATE sessions SET expires_at = '2000-01-01 00:00:00+00:00'",
            Backend::Postgres => "UPDATE sessions SET expires_at = '2000-01-01T00:00:00Z'",
        };
        writer.execute_unprepared(past).await.unwrap();
        let (status, body) = app.get(&s, "/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{backend:?}");
        assert_eq!(body["error"]["message"], "请先登录");
        app.stop().await;
    }
}

#[tokio::test]
async fn directories_export_to_excel() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login_as("admin").await;
    for path in ["/api/v1/institutions/export?type=workstation", "/api/v1/people/export?type=lawyer"] {
        let r = app.client.get(app.url(path)).bearer_auth(&admin.token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
        assert!(r.headers()["content-disposition"].to_str().unwrap().contains("UTF-8''"));
        let bytes = r.bytes().await.unwrap();
        assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");
        assert!(bytes.len() > 4000);
    }
    let (_, audit) = app.get(&admin, "/api/v1/audit?action=export").await;
    assert_eq!(audit["total"], 2);
    assert!(audit["items"][1]["summary"].as_str().unwrap().contains("22条"));
    let supervisor = app.login_as("supervisor").await;
    let r = app.client.get(app.url("/api/v1/institutions/export")).bearer_auth(&supervisor.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn accounts_are_managed_within_scope() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.login_as("admin").await;
        let created = app.new_account(&admin, "pingtai2", "window_staff", "220802100000").await;
        let (id, s) = (created.id, created.session);
        assert_eq!(app.get(&s, "/api/v1/me").await.1["scope_name"], "平台镇");
        let cases = [
            (
                json!({"username": "A!", "display_name": "x", "password": "Long-enough-1", "role": "admin", "scope": "220802"}),
                "username",
            ),
            (
                json!({"username": "pingtai2", "display_name": "x", "password": "Long-enough-1", "role": "admin", "scope": "220802"}),
                "username",
            ),
            (
                json!({"username": "newone", "display_name": "x", "password": "short", "role": "admin", "scope": "220802"}),
                "password",
            ),
            (
                json!({"username": "newone", "display_name": "x", "password": "Long-enough-1", "role": "king", "scope": "220802"}),
                "role",
            ),
            (
                json!({"username": "newone", "display_name": "x", "password": "Long-enough-1", "role": "admin", "scope": "220000"}),
                "scope",
            ),
        ];
        for (body, field) in cases {
            let (status, answer) = app.post(&admin, "/api/v1/accounts", body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
            assert_eq!(error_fields(&answer), vec![field], "{answer}");
        }
        // Deactivating ends the account's sessions.
        let (_, detail) = app.get(&admin, &format!("/api/v1/accounts/{id}")).await;
        let (status, _) = app
            .put(&admin, &format!("/api/v1/accounts/{id}"), json!({"display_name": "平台镇二号窗口", "role": "window_staff", "scope": "220802100000", "active": false, "version": detail["version"]}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(app.get(&s, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "{backend:?}");
        assert_eq!(app.try_login("pingtai2", crate::helpers::OWN_PASSWORD).await.status(), StatusCode::FORBIDDEN);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_login_form_and_the_directory_pages() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    let cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let html = page.text().await.unwrap();
    let token = html.split("name=\"csrf_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    // Without the login cookie the form is refused.
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", "gongdao-demo"), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .client
        .post(app.url("/login"))
        .header("cookie", &cookie)
        .form(&[
            ("username", "admin"),
            ("password", "gongdao-demo"),
            ("csrf_token", token.as_str()),
            ("next", "/institutions?type=workstation"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/institutions?type=workstation");
    let session = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let html = app
        .client
        .get(app.url("/institutions?type=workstation"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("共 22 个机构") && html.contains("平台镇公共法律服务工作站"), "{html}");
    // Pages without a session send the browser to the login page.
    let r = app.client.get(app.url("/people")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=/people");
    // The public page needs nobody.
    let html = app
        .client
        .get(app.url(&format!("/service-points?region={}", urlencode("220802100000"))))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("平台镇公共法律服务工作站") && !html.contains("海明街道公共法律服务工作站"));
    app.stop().await;
}

#[tokio::test]
async fn personal_data_leaves_in_an_export_only_for_a_role_that_may_see_it_with_a_reason() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login_as("admin").await;
    let person = json!({"type": "volunteer", "name": "导出测试", "region": "220802100201", "phone": "13912345678",
        "id_number": crate::helpers::id_number("22080219750612123")});
    let (status, body) = app.post(&admin, "/api/v1/people", person).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let export = |s: &crate::helpers::Session, query: &str| {
        app.client.get(app.url(&format!("/api/v1/people/export?type=volunteer{query}"))).bearer_auth(&s.token).send()
    };
    // Masked by default, for everyone who may export.
    let masked = workbook_text(&export(&admin, "").await.unwrap().bytes().await.unwrap());
    assert!(masked.contains("139****5678") && !masked.contains("13912345678"), "{masked}");
    // A window may export, but not personal data in the clear.
    let window = app.login_as("window").await;
    assert_eq!(export(&window, "&personal=true&reason=核对志愿者信息").await.unwrap().status(), StatusCode::FORBIDDEN);
    // Without a reason, or with too short a one: refused, naming the field.
    for query in ["&personal=true", "&personal=true&reason=%20%E6%A0%B8%20"] {
        let r = export(&admin, query).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(error_fields(&body), vec!["reason"], "{body}");
        assert!(field_message(&body, "reason").contains("理由"));
    }
    let audit_before = app.audit_count(&admin).await;
    let reason = "报送司法厅年度志愿者核查";
    let r = export(&admin, &format!("&personal=true&reason={}", crate::helpers::urlencode(reason))).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let clear = workbook_text(&r.bytes().await.unwrap());
    assert!(clear.contains("13912345678") && clear.contains("220802197506121"), "{clear}");
    assert!(clear.contains("注意保密"));
    // The refusals wrote nothing; the export is audited with its reason.
    assert_eq!(app.audit_count(&admin).await, audit_before + 1);
    let (_, audit) = app.get(&admin, "/api/v1/audit?action=export").await;
    let entry = &audit["items"][0];
    assert!(entry["summary"].as_str().unwrap().contains(reason), "{entry}");
    assert_eq!(entry["changes"]["personal"], true);
    // The page offers it to the administrator only, with the reason required.
    let (_, page) = app.page(&admin, "/people").await;
    assert!(page.contains("id=\"export-personal\"") && page.contains("name=\"reason\" required"));
    let (_, page) = app.page(&window, "/people").await;
    assert!(!page.contains("export-personal"));
    app.stop().await;
}
