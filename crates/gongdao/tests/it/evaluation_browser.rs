//! 好差评 in a real browser: a matter closes at the window, its rating link goes out by
//! SMS, the citizen taps 不满意 on a phone and says why, the institution verifies,
//! rectifies and feeds back within the working-day deadline, the bureau checks, and the
//! figures change. Screenshots at phone, desktop and kiosk sizes.

use fantoccini::Locator;
use serde_json::json;

use crate::browser::{axe_violations, browser, driver, log_in, screenshot, text_of, wait_for};
use crate::helpers::{Backend, spawn_app_with};

/// Takes a step by its form and waits for the page after it, which says the task's new
/// status.
async fn take_step(c: &fantoccini::Client, step: &str, note: &str, then: &str) {
    c.find(Locator::Css(&format!("#f-{step}-note"))).await.unwrap().send_keys(note).await.unwrap();
    c.find(Locator::Css(&format!("form#step-{step} button[type=submit]"))).await.unwrap().click().await.unwrap();
    wait_for(c, &format!("document.querySelector('#task-status')?.textContent === '{then}' && !document.querySelector('form#step-{step}')")).await;
}

/// A consultation filed at the 平台镇 window and answered: its id and number.
async fn resolved_matter(
    app: &crate::helpers::TestApp,
    window: &crate::helpers::Session,
    (name, phone): (&str, &str),
    question: &str,
    answer: &str,
) -> (i64, String) {
    let (_, m) = app
        .post(
            window,
            "/api/v1/requests",
            json!({"channel": "window", "category": "consultation", "requester": {"name": name, "phone": phone},
                   "region": "220802100201", "description": question}),
        )
        .await;
    let (id, number) = (m["id"].as_i64().unwrap(), m["number"].as_str().unwrap().to_string());
    app.post(window, &format!("/api/v1/requests/{id}/resolve"), json!({"text": answer})).await;
    (id, number)
}

#[tokio::test]
async fn a_citizen_rates_on_a_phone_and_the_bad_review_is_put_right() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app_with(Backend::Sqlite, |s| s.jobs_interval_ms = 0).await;
    let window = app.login_as("window").await;
    let (id, _) = resolved_matter(
        &app,
        &window,
        ("赵淑芬", "13844369876"),
        "儿子不给养老钱，怎么办？",
        "已告知赡养义务和调解途径。",
    )
    .await;

    // The window closes the matter on its page: the invitation goes out in that step.
    let c = browser(&driver, 1366, 900).await;
    log_in(&c, &app, "window", &format!("/requests/{id}")).await;
    c.find(Locator::Css("button#close")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".flash")).await.unwrap();
    let (_, messages) = app.get(&window, &format!("/api/v1/requests/{id}/messages")).await;
    let body = messages
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["template"] == "evaluation")
        .and_then(|m| m["body"].as_str())
        .expect("the rating SMS is in the outbox")
        .to_string();
    let token: String = body
        .split("/rate/")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();

    // The citizen, on a phone, no login: five faces; 不满意 asks why.
    c.delete_all_cookies().await.unwrap();
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&app.url(&format!("/rate/{token}"))).await.unwrap();
    assert!(text_of(&c, "main").await.contains("您对这次服务满意吗"));
    screenshot(&c, "rate-phone.png").await;
    if let Some(v) = axe_violations(&c).await {
        assert!(v.is_empty(), "accessibility of the rating page: {v:?}");
    }
    c.find(Locator::Css("button#face-2")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("fieldset.reasons")).await.unwrap();
    c.find(Locator::Css("input[name=reasons][value=slow]")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("#comment")).await.unwrap().send_keys("等了一个星期才给答复").await.unwrap();
    screenshot(&c, "rate-reasons-phone.png").await;
    c.find(Locator::Css("button#rate-submit")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#rate-thanks")).await.unwrap();
    let book = app.services.rules().await.unwrap();
    let rules = book.installation();
    let due = rules.due(app.services.now(), rules.deadlines.rectification.period).1.last_day;
    let thanks = text_of(&c, "#rate-thanks").await;
    assert!(
        thanks.contains(&due.format("%Y年%-m月%-d日").to_string()),
        "the answer is promised by the due day: {thanks}"
    );
    screenshot(&c, "rate-thanks-phone.png").await;
    // The link works once.
    c.goto(&app.url(&format!("/rate/{token}"))).await.unwrap();
    assert!(text_of(&c, "#rate-refusal").await.contains("评价过"));

    // The institution, at a desk: the task with its working-day deadline.
    c.set_window_size(1366, 900).await.unwrap();
    log_in(&c, &app, "window", "/evaluations/rectifications").await;
    c.find(Locator::Css("table#rectifications a")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#task-due")).await.unwrap();
    assert!(text_of(&c, "#task-due").await.contains(&due.to_string()));
    assert!(text_of(&c, "main").await.contains("办理时间太长"), "the reason is on the task");
    take_step(&c, "verify", "调阅记录：咨询后第七天才答复，属实。", "整改中").await;
    take_step(&c, "rectify", "明确咨询当日答复，复杂问题三日内回电。", "待反馈").await;
    take_step(&c, "feedback", "已电话说明整改措施并致歉。", "待审核").await;
    assert_eq!(text_of(&c, "#task-status").await, "待审核");
    screenshot(&c, "rectification-desktop.png").await;
    if let Some(v) = axe_violations(&c).await {
        assert!(v.is_empty(), "accessibility of the task page: {v:?}");
    }
    let task_path = c.current_url().await.unwrap().path().to_string();

    // The bureau's check: passed, the reviewer left a phone, so the hotline calls back.
    log_in(&c, &app, "leader", &task_path).await;
    take_step(&c, "pass", "整改到位。", "待回访").await;
    assert_eq!(text_of(&c, "#task-status").await, "待回访");

    // The figures changed: one rating, a bad one, fed back on time.
    c.goto(&app.url("/evaluations")).await.unwrap();
    let rates = text_of(&c, "#rates").await;
    assert!(rates.contains("0.0%") && rates.contains("1/1 条在整改期限内反馈"), "{rates}");
    assert!(c.find(Locator::Css("svg.chart rect")).await.is_ok(), "the monthly charts are drawn");
    screenshot(&c, "evaluations-overview-desktop.png").await;
    if let Some(v) = axe_violations(&c).await {
        assert!(v.is_empty(), "accessibility of the overview: {v:?}");
    }

    // The published figures on a kiosk, reachable from the home page.
    c.delete_all_cookies().await.unwrap();
    c.set_window_size(1080, 1920).await.unwrap();
    c.goto(&app.url("/?kiosk=1")).await.unwrap();
    c.find(Locator::Css("a[href='/rate']")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("a[href='/satisfaction']")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#public-satisfaction")).await.unwrap();
    assert!(text_of(&c, "#public-satisfaction").await.contains("0.0%"));
    screenshot(&c, "satisfaction-kiosk.png").await;
    app.stop().await;
}

/// A kiosk's lookup of a completed matter ends on its rating screen, one tap; the
/// closing notice the window prints carries the code to scan; the bureau takes the
/// third-party assessment package from the overview.
#[tokio::test]
async fn a_kiosk_lookup_ends_on_the_rating_and_the_bureau_takes_the_assessment() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app_with(Backend::Sqlite, |s| s.jobs_interval_ms = 0).await;
    let window = app.login_as("window").await;
    let (id, number) = resolved_matter(
        &app,
        &window,
        ("周凤兰", "13844364321"),
        "邻居的狗把我咬了，医药费谁出？",
        "已告知民法典第一千二百四十五条。",
    )
    .await;
    app.post(&window, &format!("/api/v1/requests/{id}/close"), json!({})).await;

    // The window prints the closing notice: the code to scan is on it.
    let c = browser(&driver, 1366, 900).await;
    log_in(&c, &app, "window", &format!("/requests/{id}/receipt")).await;
    assert!(text_of(&c, "#receipt").await.contains("办结告知单"));
    assert!(c.find(Locator::Css("#scan-code svg")).await.is_ok(), "the QR code is drawn");
    screenshot(&c, "closing-notice-desktop.png").await;

    // At the kiosk: 查办理进度, the number and the phone's last four digits.
    c.delete_all_cookies().await.unwrap();
    c.set_window_size(1080, 1920).await.unwrap();
    c.goto(&app.url("/?kiosk=1")).await.unwrap();
    c.find(Locator::Css("a[href='/track']")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("#number")).await.unwrap().send_keys(&number).await.unwrap();
    c.find(Locator::Css("#phone_last4")).await.unwrap().send_keys("4321").await.unwrap();
    c.find(Locator::Css("form.filters button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#track-rate #face-5")).await.unwrap();
    assert!(text_of(&c, "#track-rate").await.contains("满意吗"));
    screenshot(&c, "track-rate-kiosk.png").await;
    if let Some(v) = axe_violations(&c).await {
        assert!(v.is_empty(), "accessibility of the tracking page: {v:?}");
    }
    c.find(Locator::Css("#track-rate #face-4")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#rate-thanks")).await.unwrap();
    let (_, list) = app.get(&app.login_as("leader").await, "/api/v1/evaluations").await;
    assert!(
        list["items"].as_array().unwrap().iter().any(|e| e["service_number"] == number.as_str() && e["level"] == 4),
        "the tap was kept: {list}"
    );

    // The bureau, at a desk: the package from the overview.
    c.set_window_size(1366, 900).await.unwrap();
    log_in(&c, &app, "leader", "/evaluations").await;
    c.find(Locator::Css("a[href='/evaluations/assessment']")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#assessment-summary")).await.unwrap();
    assert!(text_of(&c, "#assessment-summary").await.contains("满意率"));
    assert!(c.find(Locator::Css("a#assessment-xlsx")).await.is_ok());
    screenshot(&c, "assessment-desktop.png").await;
    if let Some(v) = axe_violations(&c).await {
        assert!(v.is_empty(), "accessibility of the assessment summary: {v:?}");
    }
    app.stop().await;
}
