//! The leaders' dashboard in a real browser (issue 22): the leader signs in and lands on
//! it; the indicator cards, the trend lines, the monthly charts and the township grid
//! render (Chinese included) at desktop, phone and kiosk sizes, nothing runs off the
//! page; a drill-down opens; the large screen shows the same figures. Screenshots.

use fantoccini::Locator;

use crate::browser::{axe_violations, browser, driver, js, screenshot, text_of};
use crate::helpers::{Backend, spawn_app_with};

#[tokio::test]
async fn a_leader_lands_on_the_dashboard_and_reads_it_on_every_screen() {
    let Some(driver) = driver().await else { return };
    // The lively demo: two years of matters, cases and ratings behind the charts.
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.demo_activity = true;
        s.jobs_interval_ms = 0;
    })
    .await;
    let c = browser(&driver, 1366, 900).await;
    // Signing in from the start page, no `next`: the leader's page is the dashboard.
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Css("#username")).await.unwrap().send_keys("leader").await.unwrap();
    c.find(Locator::Css("#password")).await.unwrap().send_keys(crate::helpers::PASSWORD).await.unwrap();
    c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#indicators")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/dashboard"));
    assert_eq!(text_of(&c, "main h1").await, "领导驾驶舱");

    let cards = c.find_all(Locator::Css(".indicator-card")).await.unwrap();
    let plan = gongdao_domain::plan::Plan::parse(gongdao_domain::plan::DEMO_PLAN).unwrap();
    assert_eq!(cards.len(), plan.indicators.len());
    // Satisfaction has two years of ratings behind it: a trend line and a figure.
    let satisfaction = text_of(&c, "#ind-satisfaction .indicator-value").await;
    assert!(satisfaction.ends_with('%'), "{satisfaction}");
    assert_eq!(js(&c, "document.querySelectorAll('#ind-satisfaction svg.sparkline path').length").await, 1);
    // The monthly work chart draws its four lines; the satisfaction chart its one.
    assert_eq!(js(&c, "document.querySelectorAll('#work-chart svg path').length").await, 4);
    assert_eq!(js(&c, "document.querySelectorAll('#satisfaction-chart svg path').length").await, 1);
    assert!(text_of(&c, "#township-grid").await.contains("平台镇"));
    // A shortfall opens to the records behind it.
    let drill = c.find(Locator::Css("#ind-green-channel details.drill summary")).await;
    if let Ok(summary) = drill {
        summary.click().await.unwrap();
        assert!(js(&c, "document.querySelector('#ind-green-channel details.drill').open").await.as_bool().unwrap());
    }
    screenshot(&c, "dashboard-desktop.png").await;
    if let Some(v) = axe_violations(&c).await {
        assert!(v.is_empty(), "accessibility of the dashboard: {v:?}");
    }

    for (w, h, name) in [(390, 844, "dashboard-phone.png"), (1080, 1920, "dashboard-kiosk.png")] {
        c.set_window_size(w, h).await.unwrap();
        c.goto(&app.url("/dashboard")).await.unwrap();
        c.wait().for_element(Locator::Css("#indicators")).await.unwrap();
        let overflow = js(&c, "document.documentElement.scrollWidth - document.documentElement.clientWidth").await;
        assert!(overflow.as_i64().unwrap() <= 1, "{name}: the page runs off the screen by {overflow}px");
        screenshot(&c, name).await;
    }

    // The large screen: the same figures, dark, reloading itself.
    c.set_window_size(1920, 1080).await.unwrap();
    c.goto(&app.url("/dashboard")).await.unwrap();
    c.find(Locator::Css("#open-screen")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".screen-indicators")).await.unwrap();
    let rows = c.find_all(Locator::Css(".screen-indicators tr")).await.unwrap();
    assert_eq!(rows.len(), plan.indicators.len());
    assert!(text_of(&c, ".screen-indicators").await.contains(&satisfaction));
    assert_eq!(js(&c, "document.querySelector('meta[http-equiv=refresh]').content").await, "60");
    screenshot(&c, "dashboard-screen.png").await;

    // The pages behind it: tasks, advisors' five items, events; on a phone too.
    for (path, css, name, w, h) in [
        ("/plan/tasks", "#task-table", "plan-tasks-desktop.png", 1366, 900),
        ("/plan/advisors", "#advisor-list", "plan-advisors-desktop.png", 1366, 900),
        ("/events", "#event-table", "events-phone.png", 390, 844),
        ("/plan/report", "#report-indicators", "plan-report-desktop.png", 1366, 900),
    ] {
        c.set_window_size(w, h).await.unwrap();
        c.goto(&app.url(path)).await.unwrap();
        c.wait().for_element(Locator::Css(css)).await.unwrap();
        let overflow = js(&c, "document.documentElement.scrollWidth - document.documentElement.clientWidth").await;
        assert!(overflow.as_i64().unwrap() <= 1, "{name}: the page runs off the screen by {overflow}px");
        screenshot(&c, name).await;
    }
    // The advisors' page shows done and owed items from the demo's records.
    c.goto(&app.url("/plan/advisors")).await.unwrap();
    let list = text_of(&c, "#advisor-list").await;
    assert!(list.contains("已完成") && list.contains("未完成"), "{list}");
    c.close().await.unwrap();
    app.stop().await;
}
