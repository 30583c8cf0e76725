//! Legal aid in a real browser: a window clerk files an application on a phone, a
//! reviewer accepts, decides and assigns at a desk, and the decision prints as an
//! official document. Screenshots at phone, desktop and kiosk sizes.

use fantoccini::Locator;

use crate::browser::{axe_violations, browser, driver, log_in, pick_place, screenshot, text_of, wait_for};
use crate::helpers::{Backend, spawn_app_with};

#[tokio::test]
async fn a_clerk_files_and_a_reviewer_decides_and_assigns() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app_with(Backend::Sqlite, |s| s.demo_activity = true).await;
    let c = browser(&driver, 390, 844).await;

    // The window clerk of 平台镇, on a phone: a bad form comes back with its input.
    log_in(&c, &app, "window", "/legal-aid/new").await;
    c.find(Locator::Css("select#f-centre_id")).await.unwrap().select_by_label("平台镇法律援助工作站").await.unwrap();
    c.find(Locator::Css("#f-name")).await.unwrap().send_keys("韩春燕").await.unwrap();
    c.find(Locator::Css("#f-phone")).await.unwrap().send_keys("13904361234").await.unwrap();
    pick_place(&c, "f-region", "220802100000", "220802100201").await;
    c.find(Locator::Css("select#f-case_type")).await.unwrap().select_by_value("civil").await.unwrap();
    c.find(Locator::Css("select#f-matter")).await.unwrap().select_by_value("labour").await.unwrap();
    c.find(Locator::Css("input[name=groups][value=migrant_worker]")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("#f-opponent")).await.unwrap().send_keys("某劳务公司").await.unwrap();
    c.find(Locator::Css("#f-household_size")).await.unwrap().send_keys("0").await.unwrap();
    c.find(Locator::Css("#f-household_monthly_income")).await.unwrap().send_keys("1200").await.unwrap();
    c.find(Locator::Css("#f-facts")).await.unwrap().send_keys("在劳务公司干了半年，拖欠工资一万八千元").await.unwrap();
    c.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".flash.error")).await.unwrap();
    let error = text_of(&c, "#f-household_size-error").await;
    assert!(error.contains("家庭人口"), "the household is named beside its field: {error}");
    assert_eq!(c.find(Locator::Css("#f-name")).await.unwrap().prop("value").await.unwrap().as_deref(), Some("韩春燕"));
    screenshot(&c, "legal-aid-form-errors-phone.png").await;
    c.find(Locator::Css("#f-household_size")).await.unwrap().clear().await.unwrap();
    c.find(Locator::Css("#f-household_size")).await.unwrap().send_keys("3").await.unwrap();
    assert!(text_of(&c, "#f-facts").await.contains("拖欠工资"), "the facts are kept");
    c.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".flash")).await.unwrap();
    let heading = text_of(&c, ".page-head").await;
    assert!(heading.contains("法援字") && heading.contains("待受理"), "{heading}");
    let case_path = c.current_url().await.unwrap().path().to_string();
    screenshot(&c, "legal-aid-filed-phone.png").await;
    // The clerk uploads the ID card scan: a text file named .pdf is refused beside the
    // field, the real PDF is kept and listed (the form carries its CSRF token as a part).
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake.pdf");
    std::fs::write(&fake, "not a pdf at all").unwrap();
    let real = dir.path().join("id-card.pdf");
    std::fs::write(&real, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        .unwrap();
    c.find(Locator::Css("#f-upload-file")).await.unwrap().send_keys(fake.to_str().unwrap()).await.unwrap();
    c.find(Locator::Css("button#upload-material")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#f-upload-file-error")).await.unwrap();
    assert!(text_of(&c, "#f-upload-file-error").await.contains("只能上传"));
    c.find(Locator::Css("#f-upload-file")).await.unwrap().send_keys(real.to_str().unwrap()).await.unwrap();
    c.find(Locator::Css("button#upload-material")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("ul#materials")).await.unwrap();
    assert!(text_of(&c, "ul#materials").await.contains("id-card.pdf"));
    screenshot(&c, "legal-aid-material-uploaded-phone.png").await;

    // The reviewer, at a desk: the overview, then the case.
    c.set_window_size(1366, 900).await.unwrap();
    log_in(&c, &app, "reviewer", "/legal-aid").await;
    assert!(c.find(Locator::Css("svg.chart rect")).await.is_ok(), "the monthly chart is drawn");
    screenshot(&c, "legal-aid-overview-desktop.png").await;
    if let Some(v) = axe_violations(&c).await {
        assert!(v.is_empty(), "accessibility of the overview: {v:?}");
    }
    c.goto(&app.url(&case_path)).await.unwrap();
    c.find(Locator::Css("button#accept")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("button#grant")).await.unwrap();
    assert!(text_of(&c, "main").await.contains("作出决定："), "the seven days are shown");
    c.find(Locator::Css("button#grant")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("table#candidates")).await.unwrap();
    assert!(
        text_of(&c, "table#candidates").await.contains("业务专长")
            || text_of(&c, "table#candidates").await.contains("在办")
    );
    screenshot(&c, "legal-aid-assign-desktop.png").await;
    if let Some(v) = axe_violations(&c).await {
        assert!(v.is_empty(), "accessibility of the case: {v:?}");
    }
    // Passing over the first without a reason is refused beside the field.
    let radios = c.find_all(Locator::Css("table#candidates input[type=radio]")).await.unwrap();
    radios[1].click().await.unwrap();
    c.find(Locator::Css("button#assign")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#f-assign-override_reason[aria-invalid=true]")).await.unwrap();
    let radios = c.find_all(Locator::Css("table#candidates input[type=radio]")).await.unwrap();
    radios[0].click().await.unwrap();
    c.find(Locator::Css("button#assign")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".flash")).await.unwrap();
    wait_for(&c, "document.querySelector('.page-head').innerText.includes('待签订委托协议')").await;
    assert!(text_of(&c, "main").await.contains("签订委托协议："));

    // The decision, as the bureau prints and files it.
    let href =
        c.find(Locator::Css("a[href$='/documents/decision']")).await.unwrap().attr("href").await.unwrap().unwrap();
    c.goto(&app.url(&href)).await.unwrap();
    let doc = text_of(&c, "body").await;
    assert!(doc.contains("给予法律援助决定书") && doc.contains("法援决字") && doc.contains("韩春燕"), "{doc}");
    screenshot(&c, "legal-aid-decision-document.png").await;

    // The overview at the kiosk's size stays readable.
    c.set_window_size(1080, 1920).await.unwrap();
    c.goto(&app.url("/legal-aid")).await.unwrap();
    assert!(text_of(&c, "#spreads").await.contains("农民工"), "cases by special group");
    screenshot(&c, "legal-aid-overview-kiosk-size.png").await;

    // Duty lawyers: a year of services as a chart, the stations, and a station's month
    // as a calendar that the reviewer draws from the form, on a phone.
    c.set_window_size(1366, 900).await.unwrap();
    c.find(Locator::Css("a[href='/legal-aid/duty']")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("table#stations")).await.unwrap();
    assert!(c.find(Locator::Css("svg.chart rect")).await.is_ok(), "services by month are drawn");
    assert!(text_of(&c, "table#stations").await.contains("白城市看守所值班律师工作站"));
    assert!(text_of(&c, "#kinds").await.contains("认罪认罚具结书签署在场"));
    screenshot(&c, "legal-aid-duty-desktop.png").await;
    if let Some(v) = axe_violations(&c).await {
        assert!(v.is_empty(), "accessibility of the duty overview: {v:?}");
    }
    c.set_window_size(390, 844).await.unwrap();
    c.find(Locator::Css("table#stations a")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("table#roster")).await.unwrap();
    c.find(Locator::Css("#draw summary")).await.unwrap().click().await.unwrap();
    let boxes = c.find_all(Locator::Css("#draw input[name=person_ids]")).await.unwrap();
    for b in &boxes {
        if b.prop("checked").await.unwrap().as_deref() == Some("true") {
            b.click().await.unwrap();
        }
    }
    c.find(Locator::Css("button#draw-roster")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#draw p.error")).await.unwrap();
    assert!(text_of(&c, "#draw").await.contains("请至少选择一名值班律师"), "nobody chosen is named");
    let boxes = c.find_all(Locator::Css("#draw input[name=person_ids]")).await.unwrap();
    boxes[0].click().await.unwrap();
    boxes[1].click().await.unwrap();
    c.find(Locator::Css("button#draw-roster")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".flash")).await.unwrap();
    assert!(text_of(&c, ".flash").await.contains("已排好"), "{}", text_of(&c, ".flash").await);
    screenshot(&c, "legal-aid-duty-roster-phone.png").await;
    if let Some(v) = axe_violations(&c).await {
        assert!(v.is_empty(), "accessibility of the roster: {v:?}");
    }
    c.set_window_size(1080, 1920).await.unwrap();
    screenshot(&c, "legal-aid-duty-roster-kiosk-size.png").await;
    c.close().await.unwrap();
    app.stop().await;
}

/// The citizen's self-check: from the home page, one question a screen, to the answer
/// with its articles, then the application form already filled with what was said.
#[tokio::test]
async fn a_citizen_checks_whether_they_qualify_and_applies() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    for (name, width, height, kiosk) in [("phone", 390, 844, false), ("kiosk", 1080, 1920, true)] {
        let c = browser(&driver, width, height).await;
        let start = if kiosk { "/?kiosk=1&region=220802100000" } else { "/" };
        c.goto(&app.url(start)).await.unwrap();
        c.find(Locator::Css("a.tile[href='/legal-aid/check']")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css("ul.choices")).await.unwrap();
        assert!(text_of(&c, ".progress").await.contains("第 1 步"));
        screenshot(&c, &format!("legal-aid-check-first-{name}.png")).await;
        c.find(Locator::Css("a.choice[href*='case_type=civil']")).await.unwrap().click().await.unwrap();
        c.find(Locator::Css("a.choice[href*='matter=labour']")).await.unwrap().click().await.unwrap();
        // Back goes one screen back, keeping the first answer.
        c.find(Locator::Css("#back")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css("a.choice[href*='matter=labour']")).await.unwrap();
        c.find(Locator::Css("a.choice[href*='matter=labour']")).await.unwrap().click().await.unwrap();
        c.find(Locator::Css("input[name=groups][value=migrant_worker]")).await.unwrap().click().await.unwrap();
        screenshot(&c, &format!("legal-aid-check-groups-{name}.png")).await;
        c.find(Locator::Css("#next")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css("#verdict")).await.unwrap();
        let verdict = text_of(&c, "#verdict").await;
        assert!(verdict.contains("可以申请"), "{name}: {verdict}");
        let reasons = text_of(&c, "ul.reasons").await;
        assert!(reasons.contains("劳动报酬"), "{reasons}");
        let links = c.find_all(Locator::Css("ul.reasons a[href^='/laws/']")).await.unwrap();
        assert!(!links.is_empty(), "the articles are linked");
        screenshot(&c, &format!("legal-aid-check-result-{name}.png")).await;
        if kiosk {
            let small = crate::browser::js(&c, SMALL).await;
            assert_eq!(small.as_array().map(Vec::len), Some(0), "touch targets under 48 px: {small}");
        }
        if let Some(v) = axe_violations(&c).await {
            assert!(v.is_empty(), "{name}: {v:?}");
        }
        // Apply: the form starts with the matter, the group and what the check found.
        c.find(Locator::Css("a#apply")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css("form[action='/apply']")).await.unwrap();
        let category = c.find(Locator::Css("select#f-category")).await.unwrap().prop("value").await.unwrap();
        assert_eq!(category.as_deref(), Some("legal_aid"));
        assert!(text_of(&c, "#f-description").await.contains("法律援助自测"));
        let checked = c.find(Locator::Css("input[name='requester.groups'][value=migrant_worker]")).await.unwrap();
        assert_eq!(checked.prop("checked").await.unwrap().as_deref(), Some("true"));
        if !kiosk {
            pick_place(&c, "f-region", "220802100000", "220802100201").await;
        } else {
            c.find(Locator::Css("select#f-region-village"))
                .await
                .unwrap()
                .select_by_value("220802100201")
                .await
                .unwrap();
        }
        c.find(Locator::Css("#f-requester\\.name")).await.unwrap().send_keys("石大勇").await.unwrap();
        c.find(Locator::Css("#f-requester\\.phone")).await.unwrap().send_keys("13904365678").await.unwrap();
        c.find(Locator::Css("form[action='/apply'] button[type=submit]")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css("#created-number")).await.unwrap();
        screenshot(&c, &format!("legal-aid-check-applied-{name}.png")).await;
        c.close().await.unwrap();
    }
    app.stop().await;
}

/// Controls of the page a finger must hit that are smaller than 48 px.
const SMALL: &str = "[...document.querySelectorAll('main a.btn, main button, main input:not([type=hidden]), main .tile')]
  .filter(e => e.offsetParent !== null)
  .map(e => { const r = e.getBoundingClientRect(); return { what: e.tagName + ' ' + (e.name || e.id || e.textContent.trim().slice(0, 10)), w: r.width, h: r.height }; })
  .filter(t => t.h < 48 || t.w < 48)";
