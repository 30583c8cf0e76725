//! Identity (issue 19): the password policy, a first password of one's own, passwords
//! that expire, two-step verification for the roles that need it (with single-use
//! recovery codes and an administrator's reset), and one's own sessions.

use gongdao_store::ConnectionTrait;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, FIRST_PASSWORD, OWN_PASSWORD, PASSWORD, Session, TestApp, backends, error_fields, field_message,
    spawn_app, spawn_app_with,
};

async fn login_body(app: &TestApp, username: &str, password: &str, totp: Option<&str>) -> (StatusCode, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password, "totp": totp}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn session_of(body: &Value) -> Session {
    Session { token: body["token"].as_str().unwrap().into(), csrf: body["csrf_token"].as_str().unwrap().into() }
}

/// The audit summaries about an account, newest first.
async fn audit_summaries(app: &TestApp, admin: &Session) -> Vec<String> {
    let (_, audit) = app.get(admin, "/api/v1/audit?per_page=200").await;
    audit["items"].as_array().unwrap().iter().map(|e| e["summary"].as_str().unwrap_or("").to_string()).collect()
}

#[tokio::test]
async fn weak_passwords_are_refused_with_the_reason() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login_as("admin").await;
    let cases = [
        ("short-1A", "至少需要10个字符"),
        ("abcdefghijkl", "至少2种"),
        ("password123", "太常见"),
        ("xiaowang-2026", "不能包含用户名"),
    ];
    for (password, why) in cases {
        let (status, body) = app
            .post(
                &admin,
                "/api/v1/accounts",
                json!({"username": "xiaowang", "display_name": "小王", "password": password, "role": "window_staff", "scope": "220802"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{password}: {body}");
        assert_eq!(error_fields(&body), vec!["password"]);
        assert!(field_message(&body, "password").contains(why), "{password}: {body}");
    }
    // Nothing was half-made: the name is still free.
    let made = app.new_account(&admin, "xiaowang", "window_staff", "220802").await;
    // One's own new password meets the same rules, and may not be the old one.
    let (status, body) = app
        .post(
            &made.session,
            "/api/v1/me/password",
            json!({"current_password": OWN_PASSWORD, "new_password": "1234567890"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), vec!["new_password"]);
    let (status, body) = app
        .post(
            &made.session,
            "/api/v1/me/password",
            json!({"current_password": OWN_PASSWORD, "new_password": OWN_PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_message(&body, "new_password").contains("不能与当前密码相同"), "{body}");
    // The password page says what a password must be.
    let (_, html) = app.page(&made.session, "/password").await;
    assert!(html.contains("至少10个字符"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn a_new_account_sets_its_own_password_before_anything_else() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.login_as("admin").await;
        let (status, created) = app
            .post(
                &admin,
                "/api/v1/accounts",
                json!({"username": "pt-window", "display_name": "平台镇窗口", "password": FIRST_PASSWORD, "role": "window_staff", "scope": "220802100000"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let (status, first) = login_body(&app, "pt-window", FIRST_PASSWORD, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(first["pending"], "change_password");
        let s = session_of(&first);
        // Until then the account does nothing else, by the API or by the pages.
        let (status, body) = app.get(&s, "/api/v1/requests").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{backend:?}");
        assert_eq!(body["error"]["code"], "password_change_required");
        let page = app
            .client
            .get(app.url("/requests"))
            .header("cookie", format!("gongdao_session={}", s.token))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::SEE_OTHER);
        assert_eq!(page.headers()["location"], "/password");
        assert_eq!(app.get(&s, "/api/v1/me").await.0, StatusCode::OK, "who one is may be asked");
        // The change ends every session; the new password then works without a step.
        let (status, _) = app
            .post(&s, "/api/v1/me/password", json!({"current_password": FIRST_PASSWORD, "new_password": OWN_PASSWORD}))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(app.get(&s, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
        let (status, _) = login_body(&app, "pt-window", FIRST_PASSWORD, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the first password is gone");
        let (_, second) = login_body(&app, "pt-window", OWN_PASSWORD, None).await;
        assert!(second["pending"].is_null(), "{second}");
        assert_eq!(app.get(&session_of(&second), "/api/v1/requests").await.0, StatusCode::OK);

        // An administrator's reset gives a password for one sign-in only.
        let id = created["id"].as_i64().unwrap();
        let (status, _) =
            app.post(&admin, &format!("/api/v1/accounts/{id}/password"), json!({"password": "Reset-by-admin-9"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, after_reset) = login_body(&app, "pt-window", "Reset-by-admin-9", None).await;
        assert_eq!(after_reset["pending"], "change_password");

        // A password past its age must be changed too (the demo's accounts are exempt).
        let writer = app.services.store().writer();
        let long_ago = match backend {
            Backend::Sqlite => {
                "UPDATE users SET password_changed_at = '2020-01-01 00:00:00+00:00', must_change_password = 0"
            }
            Backend::Postgres => {
                "UPDATE users SET password_changed_at = '2020-01-01T00:00:00Z', must_change_password = FALSE"
            }
        };
        writer.execute_unprepared(long_ago).await.unwrap();
        let (_, expired) = login_body(&app, "pt-window", "Reset-by-admin-9", None).await;
        assert_eq!(expired["pending"], "change_password", "{backend:?}");
        let (_, demo) = login_body(&app, "window", PASSWORD, None).await;
        assert!(demo["pending"].is_null(), "{demo}");

        let summaries = audit_summaries(&app, &admin).await;
        for what in ["修改本人密码", "重置账号 pt-window 的密码"] {
            assert!(summaries.iter().any(|s| s.contains(what)), "{what} in {summaries:?}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn administrators_sign_in_with_a_second_factor() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let admin = app.login_as("admin").await;
        let made = app.new_account(&admin, "pt-admin", "admin", "220802100000").await;
        let secret = made.totp_secret.clone().expect("an administrator enrols a second factor");
        assert_eq!(made.recovery_codes.len(), 10);
        assert_eq!(app.get(&made.session, "/api/v1/requests").await.0, StatusCode::OK, "enrolled, the session goes on");

        let (status, body) = login_body(&app, "pt-admin", OWN_PASSWORD, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "totp_required");
        let (status, body) = login_body(&app, "pt-admin", OWN_PASSWORD, Some("000000")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "totp_invalid", "{backend:?}");
        // A wrong password with a right code is still a wrong password.
        let code = gongdao_services::security::totp_code(&secret, chrono::Utc::now()).unwrap();
        let (status, body) = login_body(&app, "pt-admin", "Not-the-password-1", Some(&code)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("bad_credentials")));
        let (status, body) = login_body(&app, "pt-admin", OWN_PASSWORD, Some(&code)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["pending"].is_null());

        // A recovery code works once.
        let recovery = made.recovery_codes[3].to_lowercase();
        let (status, _) = login_body(&app, "pt-admin", OWN_PASSWORD, Some(&recovery)).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = login_body(&app, "pt-admin", OWN_PASSWORD, Some(&recovery)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("totp_invalid")));
        // Enrolling again needs an administrator.
        let (status, _) = app.post(&made.session, "/api/v1/auth/totp/enrol", json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);

        // The administrator resets it (a lost phone): the person's sessions end and the
        // next sign-in, by password alone, must enrol again before anything else.
        let (status, _) = app.post(&admin, &format!("/api/v1/accounts/{}/totp/reset", made.id), json!({})).await;
        assert!(status.is_success(), "{status}");
        assert_eq!(app.get(&made.session, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
        let (status, body) = login_body(&app, "pt-admin", OWN_PASSWORD, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["pending"], "enrol_totp");
        let s = session_of(&body);
        let (status, body) = app.get(&s, "/api/v1/accounts").await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("totp_enrolment_required")));
        // A wrong confirmation code is refused by name and changes nothing.
        let (_, enrolment) = app.post(&s, "/api/v1/auth/totp/enrol", json!({})).await;
        assert!(enrolment["qr_svg"].as_str().unwrap().contains("<svg"));
        assert!(enrolment["otpauth_url"].as_str().unwrap().starts_with("otpauth://totp/"));
        let (status, body) = app.post(&s, "/api/v1/auth/totp/confirm", json!({"code": "12345"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error_fields(&body), vec!["code"]);
        assert_eq!(app.get(&s, "/api/v1/accounts").await.0, StatusCode::FORBIDDEN);
        let secret = enrolment["secret"].as_str().unwrap();
        let code = gongdao_services::security::totp_code(secret, chrono::Utc::now()).unwrap();
        let (status, _) = app.post(&s, "/api/v1/auth/totp/confirm", json!({"code": code})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(app.get(&s, "/api/v1/accounts").await.0, StatusCode::OK);
        // The old recovery codes went with the old secret.
        let (status, _) = login_body(&app, "pt-admin", OWN_PASSWORD, Some(&made.recovery_codes[4])).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let summaries = audit_summaries(&app, &admin).await;
        for what in ["开启两步验证", "用恢复码登录", "重置 pt-admin 的两步验证", "动态口令错误"]
        {
            assert!(summaries.iter().any(|s| s.contains(what)), "{what} in {summaries:?}");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn the_login_page_asks_for_the_code_and_the_security_page_enrols() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login_as("admin").await;
    let made = app.new_account(&admin, "pt-leader", "leader", "220802100000").await;
    let secret = made.totp_secret.unwrap();
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    let cookie = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let html = page.text().await.unwrap();
    let token = html.split("name=\"csrf_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let post = |form: Vec<(&'static str, String)>| {
        let (client, url, cookie) = (app.client.clone(), app.url("/login"), cookie.clone());
        async move { client.post(url).header("cookie", cookie).form(&form).send().await.unwrap() }
    };
    let r =
        post(vec![("username", "pt-leader".into()), ("password", OWN_PASSWORD.into()), ("csrf_token", token.clone())])
            .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"totp\"") && html.contains("动态口令"), "{html}");
    assert!(html.contains("value=\"pt-leader\""), "the username is kept");
    let code = gongdao_services::security::totp_code(&secret, chrono::Utc::now()).unwrap();
    let r = post(vec![
        ("username", "pt-leader".into()),
        ("password", OWN_PASSWORD.into()),
        ("totp", code),
        ("csrf_token", token),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A demo leader has no second factor; the security page offers one.
    let leader = app.login_as("leader").await;
    let _elsewhere = app.login_as("leader").await;
    let (status, html) = app.page(&leader, "/security").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("两步验证") && html.contains("退出其他"), "{html}");
    let r = app.post_form(&leader, "/security/totp", &[("csrf_token", leader.csrf.as_str())]).await;
    let html = r.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("name=\"code\""), "{html}");
    let r = app
        .post_form(&leader, "/security/totp/confirm", &[("csrf_token", leader.csrf.as_str()), ("code", "999")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("动态口令不正确"));
    app.stop().await;
}

#[tokio::test]
async fn sessions_are_listed_and_ended_by_their_owner_only() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let here = app.login_as("window").await;
        let phone = app.login_as("window").await;
        let tablet = app.login_as("window").await;
        let other = app.login_as("hotline").await;
        let (status, list) = app.get(&here, "/api/v1/auth/sessions").await;
        assert_eq!(status, StatusCode::OK);
        let list = list.as_array().unwrap().clone();
        assert_eq!(list.len(), 3, "{list:?}");
        assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
        let (_, theirs) = app.get(&other, "/api/v1/auth/sessions").await;
        let theirs = theirs[0]["id"].as_i64().unwrap();
        // Someone else's session is not found, and goes on.
        assert_eq!(app.delete(&here, &format!("/api/v1/auth/sessions/{theirs}")).await, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&other, "/api/v1/me").await.0, StatusCode::OK, "{backend:?}");
        let (_, phone_list) = app.get(&phone, "/api/v1/auth/sessions").await;
        let phone_id =
            phone_list.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap()["id"].as_i64().unwrap();
        assert_eq!(app.delete(&here, &format!("/api/v1/auth/sessions/{phone_id}")).await, StatusCode::NO_CONTENT);
        assert_eq!(app.get(&phone, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(app.get(&tablet, "/api/v1/me").await.0, StatusCode::OK);
        let (status, ended) = app.post(&here, "/api/v1/auth/sessions/end-others", json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ended["ended"], 1);
        assert_eq!(app.get(&tablet, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(app.get(&here, "/api/v1/me").await.0, StatusCode::OK);
        assert_eq!(app.get(&other, "/api/v1/me").await.0, StatusCode::OK);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_roles_that_need_a_second_factor_are_a_setting() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.totp_required_roles = vec!["dispatcher".into()]).await;
    let admin = app.login_as("admin").await;
    let dispatcher = app.new_account(&admin, "pt-dispatch", "dispatcher", "220802100000").await;
    assert!(dispatcher.totp_secret.is_some());
    let second_admin = app.new_account(&admin, "pt-admin", "admin", "220802100000").await;
    assert!(second_admin.totp_secret.is_none(), "administrators were taken off the list");
    app.stop().await;
    let bad = gongdao::start(&{
        let mut s = gongdao::settings::Settings::for_data_dir(tempfile::tempdir().unwrap().keep());
        s.listen = "127.0.0.1:0".into();
        s.totp_required_roles = vec!["king".into()];
        s
    })
    .await;
    let Err(e) = bad else { panic!("an unknown role must stop the start") };
    assert!(e.to_string().contains("king"), "{e}");
}
