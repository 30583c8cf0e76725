//! The citizen's front door and the staff's daily workbench (issue 18), in a real
//! browser at the three sizes people use: a phone (390×844), a desktop (1366×900) and a
//! portrait kiosk (1080×1920). Screenshots land in `test-artifacts/`.

use std::path::Path;

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::json;

use crate::browser::{axe_violations, browser, driver, js, log_in, pick_place, screenshot, text_of, wait_for};
use crate::helpers::{Backend, TestApp, spawn_app_with};

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1366, 900);
const KIOSK: (u32, u32) = (1080, 1920);

/// The demo district with its activity (matters at every step, slots, cases), a kiosk
/// that gives up after 3 s without a touch, and the test corpus with its README and
/// template at the root.
async fn lively_app() -> (TestApp, tempfile::TempDir) {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.demo_activity = true;
        s.kiosk_idle_seconds = 3;
    })
    .await;
    let corpus = tempfile::tempdir().unwrap();
    fixture_with_notes(corpus.path());
    crate::laws::import(&app, corpus.path()).await;
    (app, corpus)
}

/// The test corpus, plus what a clone of LawRefBook/Laws also holds: its README and its
/// template at the root (not laws), and two cases, one about supporting a parent and
/// one that shares only a number with such a question.
pub fn fixture_with_notes(dir: &Path) {
    crate::laws::fixture_corpus(dir);
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("README.md", "# National law corpus (data)\n\nOfficial texts of PRC laws.\n");
    write(
        "法律法规模版.md",
        "# 某条法律的标题\n\n1990年01月23日 发生了什么事情\n\n<!-- INFO END -->\n\n第一条 xxxxx\n",
    );
    write(
        "案例/婚姻家庭/子女不履行赡养义务案.md",
        "# 子女不履行赡养义务案\n\n<!-- INFO END -->\n\n## 基本案情\n\n七十岁的王某有三个子女，子女均不给付赡养费。王某起诉要求子女履行赡养义务。法院判决子女每月给付赡养费。\n",
    );
    write(
        "案例/行政/房屋征收补偿案.md",
        "# 房屋征收补偿案\n\n<!-- INFO END -->\n\n## 基本案情\n\n李某的房屋70平方米被征收，对补偿标准不服，申请行政复议。\n",
    );
}

async fn goto(c: &fantoccini::Client, app: &TestApp, path: &str) {
    c.goto(&app.url(path)).await.unwrap();
    c.wait().for_element(Locator::Css("main")).await.unwrap();
}

fn no_serious_violations(page: &str, found: Option<Vec<String>>) {
    if let Some(v) = found {
        assert!(v.is_empty(), "{page}: serious or critical accessibility problems: {v:#?}");
    }
}

#[tokio::test]
async fn the_public_home_page_at_three_sizes_asks_without_scrolling_and_leads_everywhere() {
    let Some(driver) = driver().await else { return };
    let (app, _corpus) = lively_app().await;
    for (name, (w, h)) in [("phone", PHONE), ("desktop", DESKTOP), ("kiosk-size", KIOSK)] {
        let c = browser(&driver, w, h).await;
        goto(&c, &app, "/").await;
        // An elderly person finds the question box, and its button, without scrolling.
        let visible = js(
            &c,
            "(() => { const q = document.querySelector('#portal-q').getBoundingClientRect();
               const b = document.querySelector('.portal-form button').getBoundingClientRect();
               return q.top >= 0 && b.bottom <= window.innerHeight && q.height >= 40; })()",
        )
        .await;
        assert_eq!(visible.as_bool(), Some(true), "{name}: the question box is above the fold");
        let links = js(&c, "[...document.querySelectorAll('a')].map(a => new URL(a.href).pathname)").await;
        let links: Vec<String> = links.as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect();
        for path in ["/qa", "/laws", "/apply", "/track", "/book", "/service-points", "/login"] {
            assert!(links.iter().any(|l| l == path), "{name}: {path} is one click from the home page: {links:?}");
        }
        let title = text_of(&c, "main h1").await;
        assert!(title.contains("法律问题"), "{title}");
        screenshot(&c, &format!("portal-{name}.png")).await;
        no_serious_violations("/", axe_violations(&c).await);
        c.close().await.unwrap();
    }
    // The box asks right there.
    let c = browser(&driver, PHONE.0, PHONE.1).await;
    goto(&c, &app, "/").await;
    c.find(Locator::Css("#portal-q")).await.unwrap().send_keys("老板拖欠我三个月工资怎么办").await.unwrap();
    c.find(Locator::Css(".portal-form button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".law-group")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/qa");
    screenshot(&c, "portal-asked-phone.png").await;
    no_serious_violations("/qa answered", axe_violations(&c).await);
    // Every other public page, for the accessibility check.
    for path in ["/laws", "/laws/民法典", "/laws/民法典/1079", "/apply", "/track", "/book", "/service-points"] {
        goto(&c, &app, path).await;
        no_serious_violations(path, axe_violations(&c).await);
    }
    c.close().await.unwrap();
    app.stop().await;
}

/// The controls of the page a finger must hit that are smaller than 48 px.
const SMALL_TARGETS: &str = "[...document.querySelectorAll(
    'main a.btn, main button, main input:not([type=hidden]), main select, main textarea, main .tile, main .chip, main .township-links a, header a, header button')]
  .filter(e => e.offsetParent !== null)
  .map(e => { const r = e.getBoundingClientRect();
    return { what: e.tagName + (e.id ? '#' + e.id : '') + (e.type ? '[' + e.type + ']' : '') + (e.name ? ' ' + e.name : ''), w: r.width, h: r.height }; })
  .filter(t => t.h < 48 || t.w < 48)";

#[tokio::test]
async fn a_kiosk_stays_a_kiosk_on_every_public_page_and_forgets_what_was_typed() {
    let Some(driver) = driver().await else { return };
    let (app, _corpus) = lively_app().await;
    let c = browser(&driver, KIOSK.0, KIOSK.1).await;
    // The terminal of 平台镇 is set up once with its address.
    goto(&c, &app, "/?kiosk=1&region=220802100000").await;
    screenshot(&c, "kiosk-home.png").await;
    for path in ["/", "/qa", "/laws", "/laws/民法典/1079", "/apply", "/book", "/track", "/service-points"] {
        // Plain links, no kiosk parameter: the mode stays once entered.
        goto(&c, &app, path).await;
        assert_eq!(js(&c, "document.body.classList.contains('kiosk')").await.as_bool(), Some(true), "{path}");
        let tel = js(&c, "document.querySelectorAll('a[href^=\"tel:\"]').length").await;
        assert_eq!(tel.as_u64(), Some(0), "{path}: a kiosk cannot dial");
        let login = js(&c, "document.querySelectorAll('a[href^=\"/login\"]').length").await;
        assert_eq!(login.as_u64(), Some(0), "{path}: no staff sign-in on a public terminal");
        let small = js(&c, SMALL_TARGETS).await;
        assert_eq!(small.as_array().map(Vec::len), Some(0), "{path}: touch targets under 48 px: {small}");
        let size = js(&c, "parseFloat(getComputedStyle(document.querySelector('main')).fontSize)").await;
        assert!(size.as_f64().unwrap() >= 20.0, "{path}: large type");
        no_serious_violations(path, axe_violations(&c).await);
    }
    // The next step of an answer keeps its context: the matter is chosen, the kiosk stays.
    goto(&c, &app, "/qa?q=老板拖欠我三个月工资怎么办").await;
    screenshot(&c, "kiosk-qa-answer.png").await;
    c.find(Locator::Css("a.step[href^='/apply']")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("form[action='/apply']")).await.unwrap();
    let chosen = c.find(Locator::Css("select#f-category")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(chosen.as_deref(), Some("legal_aid"));
    assert_eq!(js(&c, "document.body.classList.contains('kiosk')").await.as_bool(), Some(true));
    // The terminal's township is chosen already.
    let township = c.find(Locator::Css("select#f-region-township")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(township.as_deref(), Some("g:220802100000"));
    // A citizen types, then walks away.
    c.find(Locator::Css("#f-requester\\.name")).await.unwrap().send_keys("王秀兰").await.unwrap();
    c.find(Locator::Css("#f-requester\\.phone")).await.unwrap().send_keys("13904361234").await.unwrap();
    screenshot(&c, "kiosk-apply-typed.png").await;
    wait_for(&c, "!document.getElementById('kiosk-warning').hidden").await;
    screenshot(&c, "kiosk-idle-warning.png").await;
    wait_for(&c, "location.pathname === '/' && document.readyState === 'complete'").await;
    // Nothing of it is left: not on the start page, not behind the back button (which
    // on a kiosk leads to the start), not when the form is opened again.
    let empty =
        "[...document.querySelectorAll('input[type=text], input[type=tel], textarea')].map(e => e.value).join('')";
    assert_eq!(js(&c, empty).await.as_str(), Some(""));
    c.back().await.unwrap();
    wait_for(&c, "location.pathname === '/' && document.readyState === 'complete'").await;
    assert_eq!(js(&c, empty).await.as_str(), Some(""), "the back button shows no earlier citizen's page");
    goto(&c, &app, "/apply").await;
    let name = c.find(Locator::Css("#f-requester\\.name")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(name.as_deref(), Some(""));
    // `?kiosk=0` (for the technician) leaves kiosk mode.
    goto(&c, &app, "/?kiosk=0").await;
    assert_eq!(js(&c, "document.body.classList.contains('kiosk')").await.as_bool(), Some(false));
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn the_village_picker_asks_the_township_first_and_says_what_is_missing() {
    let Some(driver) = driver().await else { return };
    let (app, _corpus) = lively_app().await;
    for (name, (w, h)) in [("phone", PHONE), ("desktop", DESKTOP), ("kiosk-size", KIOSK)] {
        let c = browser(&driver, w, h).await;
        goto(&c, &app, "/apply?category=consultation").await;
        // Townships first: the village list holds only the chosen township's villages.
        c.find(Locator::Css("select#f-region-township"))
            .await
            .unwrap()
            .select_by_value("g:220802100000")
            .await
            .unwrap();
        let villages =
            js(&c, "[...document.querySelectorAll('#f-region-village option')].filter(o => o.value).map(o => o.value)")
                .await;
        let villages: Vec<&str> = villages.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert!(villages.len() >= 5, "{name}: {villages:?}");
        assert!(villages.iter().all(|v| v.starts_with("220802100")), "{name}: only 平台镇's: {villages:?}");
        screenshot(&c, &format!("apply-village-picker-{name}.png")).await;
        c.close().await.unwrap();
    }
    let c = browser(&driver, PHONE.0, PHONE.1).await;
    goto(&c, &app, "/apply?category=consultation").await;
    // A name that several townships have is found with its township.
    let repeated = js(
        &c,
        "(() => { const seen = {}; for (const o of document.querySelectorAll('#f-region optgroup option:not([data-township-itself])')) {
             seen[o.textContent] = (seen[o.textContent] || 0) + 1; }
           return Object.keys(seen).find(k => seen[k] > 1) || ''; })()",
    )
    .await;
    let repeated = repeated.as_str().unwrap().to_string();
    assert!(!repeated.is_empty(), "the demo district repeats village names");
    c.find(Locator::Css("#f-region-search")).await.unwrap().send_keys(&repeated).await.unwrap();
    let matches = js(&c, "[...document.querySelectorAll('.place-matches button')].map(b => b.textContent)").await;
    let matches: Vec<&str> = matches.as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert!(matches.len() >= 2, "{matches:?}");
    assert!(matches.iter().all(|m| m.contains(" · ") && m.ends_with(&repeated)), "{matches:?}");
    screenshot(&c, "apply-village-search-phone.png").await;
    // Without a place: the message says so in plain words, and the input stays.
    goto(&c, &app, "/apply?category=consultation").await;
    c.find(Locator::Css("#f-requester\\.name")).await.unwrap().send_keys("刘桂芝").await.unwrap();
    c.find(Locator::Css("#f-requester\\.phone")).await.unwrap().send_keys("15804362210").await.unwrap();
    c.find(Locator::Css("#f-description")).await.unwrap().send_keys("邻居占了排水沟").await.unwrap();
    c.find(Locator::Css("form[action='/apply'] button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".place-picker.has-error")).await.unwrap();
    let error = text_of(&c, ".place-picker .error").await;
    assert_eq!(error, "请选择所在村（社区）");
    let name = c.find(Locator::Css("#f-requester\\.name")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(name.as_deref(), Some("刘桂芝"));
    screenshot(&c, "apply-missing-village-phone.png").await;
    // With it: a receipt to print, with the number, the deadline and how to follow.
    pick_place(&c, "f-region", "220802100000", "220802100203").await;
    c.find(Locator::Css("form[action='/apply'] button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#receipt")).await.unwrap();
    let receipt = text_of(&c, "#receipt").await;
    assert!(receipt.contains("受理回执") && receipt.contains("承诺办结") && receipt.contains("24:00"), "{receipt}");
    assert!(receipt.contains("查办理进度") && receipt.contains("12348"), "{receipt}");
    assert!(c.find(Locator::Css("#receipt [data-print]")).await.is_ok());
    screenshot(&c, "apply-receipt-phone.png").await;
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_booking_on_the_first_start_ends_with_a_receipt() {
    let Some(driver) = driver().await else { return };
    let (app, _corpus) = lively_app().await;
    let c = browser(&driver, PHONE.0, PHONE.1).await;
    goto(&c, &app, "/book").await;
    // The demo opened slots for the coming weeks: choose a point, a time, and book.
    c.find(Locator::Css(".township-links a")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("input[name=slot_id]")).await.unwrap();
    c.find(Locator::Css("label.slot")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("#f-name")).await.unwrap().send_keys("孙海涛").await.unwrap();
    c.find(Locator::Css("#f-phone")).await.unwrap().send_keys("13704365532").await.unwrap();
    c.find(Locator::Css("#f-reason")).await.unwrap().send_keys("咨询土地承包合同").await.unwrap();
    screenshot(&c, "book-phone.png").await;
    c.find(Locator::Css("form[action='/book'] button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#receipt")).await.unwrap();
    let receipt = text_of(&c, "#receipt").await;
    assert!(receipt.contains("预约回执") && receipt.contains("YY") && receipt.contains("孙海涛"), "{receipt}");
    screenshot(&c, "book-receipt-phone.png").await;
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn the_law_panel_sits_beside_the_forms_at_every_size_and_folds_away() {
    let Some(driver) = driver().await else { return };
    let (app, _corpus) = lively_app().await;
    let c = browser(&driver, DESKTOP.0, DESKTOP.1).await;
    log_in(&c, &app, "window", "/requests?mine=true&status=active").await;
    // A matter the window holds and is working on.
    let open = js(&c, MATTER_IN_HAND).await;
    let path = open.as_str().unwrap().to_string();
    for (w, h) in [(1366, 900), (1440, 900), (1920, 1080), PHONE] {
        c.set_window_size(w, h).await.unwrap();
        goto(&c, &app, &path).await;
        c.wait().for_element(Locator::Css("#reply-form")).await.unwrap();
        let covered = js(
            &c,
            "(() => { const bad = []; const h = document.querySelector('.law-helper');
               const forms = ['#reply-form', '#resolve-form', '#transfer-form'].map(s => document.querySelector(s)).filter(Boolean);
               const max = document.documentElement.scrollHeight;
               for (let y = 0; y <= max; y += 100) { window.scrollTo(0, y);
                 const a = h.getBoundingClientRect();
                 for (const f of forms) { const b = f.getBoundingClientRect();
                   if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) bad.push(y + ':' + f.id); } }
               window.scrollTo(0, 0); return bad; })()",
        )
        .await;
        assert_eq!(covered.as_array().map(Vec::len), Some(0), "{w}×{h}: the panel covers {covered}");
        screenshot(&c, &format!("request-law-panel-{w}.png")).await;
    }
    // It folds away and comes back.
    c.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    goto(&c, &app, &path).await;
    c.find(Locator::Css(".law-helper > summary")).await.unwrap().click().await.unwrap();
    assert_eq!(js(&c, "document.querySelector('.law-helper').open").await.as_bool(), Some(false));
    c.close().await.unwrap();
    app.stop().await;
}

/// The address of the first matter in hand (办理中) of a list of matters.
const MATTER_IN_HAND: &str = "[...document.querySelectorAll('table.requests-table tbody tr')].find(r => r.textContent.includes('办理中')).querySelector('a').getAttribute('href')";

/// The numbers of the work bar, by label.
async fn workbar(c: &fantoccini::Client) -> Vec<(String, i64, String)> {
    let v = js(
        c,
        "[...document.querySelectorAll('.workbar a.work')].map(a => [a.dataset.work, Number(a.querySelector('.work-value').textContent), a.getAttribute('href')])",
    )
    .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|w| (w[0].as_str().unwrap().into(), w[1].as_i64().unwrap(), w[2].as_str().unwrap().into()))
        .collect()
}

#[tokio::test]
async fn waiting_work_is_counted_beside_the_navigation_and_on_the_queues() {
    let Some(driver) = driver().await else { return };
    let (app, _corpus) = lively_app().await;
    for (name, (w, h)) in [("phone", PHONE), ("desktop", DESKTOP), ("kiosk-size", KIOSK)] {
        let c = browser(&driver, w, h).await;
        log_in(&c, &app, "window", "/").await;
        let counts = workbar(&c).await;
        let labels: Vec<&str> = counts.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(labels, ["待我受理", "我承办的", "即将超时", "已超时", "未读消息"]);
        // The demo's 平台镇 has matters waiting, in hand, nearly due and overdue.
        for (label, value, _) in &counts {
            assert!(*value > 0, "{name}: {label} is {value}");
        }
        assert!(c.find(Locator::Css("#workload")).await.is_ok(), "the home page repeats them");
        screenshot(&c, &format!("workbench-{name}.png")).await;
        // Each count is the size of the list it leads to.
        for (label, value, href) in &counts {
            goto(&c, &app, href).await;
            let head = text_of(&c, ".page-head").await;
            let shown =
                if *label == "未读消息" { format!("未读 {value} 条") } else { format!("共 {value} 件") };
            assert!(head.contains(&shown), "{label}: {head} should say {shown}");
        }
        // The queue tabs carry their counts too.
        goto(&c, &app, "/requests").await;
        let tab = js(
            &c,
            "[...document.querySelectorAll('nav.township-links a')].find(a => a.textContent.includes('待我机构受理')).querySelector('.tab-count').textContent",
        )
        .await;
        let waiting = counts.iter().find(|c| c.0 == "待我受理").unwrap().1;
        assert_eq!(tab.as_str(), Some(waiting.to_string().as_str()));
        let nav = text_of(&c, "nav.nav").await;
        assert!(nav.contains("消息"), "{nav}");
        c.close().await.unwrap();
    }
    app.stop().await;
}

#[tokio::test]
async fn a_refused_form_comes_back_in_its_page_with_the_field_marked_and_the_input_kept() {
    let Some(driver) = driver().await else { return };
    let (app, _corpus) = lively_app().await;
    let c = browser(&driver, DESKTOP.0, DESKTOP.1).await;
    log_in(&c, &app, "dispatch", "/dispatch").await;
    // Reassigning nothing.
    c.find(Locator::Css("#f-reassign-reason")).await.unwrap().send_keys("平台镇人手紧张").await.unwrap();
    c.find(Locator::Css("button#reassign")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".flash.error")).await.unwrap();
    assert!(c.find(Locator::Css("form[action='/logout']")).await.is_ok(), "still signed in, with the navigation");
    assert!(text_of(&c, ".flash.error").await.contains("请选择要改派的事项"));
    let reason = c.find(Locator::Css("#f-reassign-reason")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(reason.as_deref(), Some("平台镇人手紧张"));
    screenshot(&c, "board-refused-reassign.png").await;
    // A time limit that is not one.
    c.find(Locator::Css("#f-incident-title")).await.unwrap().send_keys("洪水").await.unwrap();
    c.find(Locator::Css("#f-incident-period")).await.unwrap().send_keys("三天").await.unwrap();
    c.find(Locator::Css("#incident-form button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#incident-form .field.has-error")).await.unwrap();
    let title = c.find(Locator::Css("#f-incident-title")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(title.as_deref(), Some("洪水"));
    let marked =
        js(&c, "document.querySelector('#f-incident-period').closest('.field').classList.contains('has-error')").await;
    assert_eq!(marked.as_bool(), Some(true));
    assert!(c.find(Locator::Css("nav.nav")).await.is_ok());
    screenshot(&c, "board-refused-incident.png").await;

    // On a matter, an empty reply marks the reply, not 办结 (ids are unique per page),
    // on a desktop and on a phone.
    log_in(&c, &app, "window", "/requests?mine=true&status=active").await;
    let open = js(&c, MATTER_IN_HAND).await;
    for (name, (w, h)) in [("desktop", DESKTOP), ("phone", PHONE)] {
        c.set_window_size(w, h).await.unwrap();
        goto(&c, &app, open.as_str().unwrap()).await;
        c.find(Locator::Css("button#reply")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css(".flash.error")).await.unwrap();
        let reply_marked =
            js(&c, "document.querySelector('#f-reply-text').closest('.field').classList.contains('has-error')").await;
        let resolve_marked =
            js(&c, "document.querySelector('#f-resolve-text').closest('.field').classList.contains('has-error')").await;
        assert_eq!((reply_marked.as_bool(), resolve_marked.as_bool()), (Some(true), Some(false)), "{name}");
        assert!(c.find(Locator::Css("form[action='/logout']")).await.is_ok(), "{name}: in the signed-in frame");
        screenshot(&c, &format!("request-empty-reply-{name}.png")).await;
    }
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_dispatcher_ticks_matters_on_the_board_into_an_incident_and_finds_it_listed() {
    let Some(driver) = driver().await else { return };
    let (app, _corpus) = lively_app().await;
    let c = browser(&driver, DESKTOP.0, DESKTOP.1).await;
    log_in(&c, &app, "dispatch", "/incidents").await;
    // The list the documentation promised.
    let list = text_of(&c, "table#incidents").await;
    assert!(list.contains("平台镇民乐村土地流转纠纷"), "{list}");
    screenshot(&c, "incidents.png").await;
    // Two matters not in it yet, ticked on the board.
    goto(&c, &app, "/dispatch").await;
    let ticked = js(
        &c,
        "(() => { const rows = [...document.querySelectorAll('table.requests-table tbody tr')].filter(r => !r.textContent.includes('紧急')).slice(0, 2);
           rows.forEach(r => r.querySelector('input[name=ids]').click());
           return rows.map(r => r.querySelector('td.number a').textContent); })()",
    )
    .await;
    let ticked: Vec<String> = ticked.as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect();
    assert_eq!(ticked.len(), 2);
    c.find(Locator::Css("select#f-reassign-incident option:nth-child(2)")).await.unwrap().click().await.unwrap();
    screenshot(&c, "board-ticked.png").await;
    c.find(Locator::Css("button#link-to-incident")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".flash.ok")).await.unwrap();
    let flash = text_of(&c, ".flash.ok").await;
    assert!(flash.contains("已将 2 件事项纳入应急事件"), "{flash}");
    let rows = text_of(&c, "main .card table").await;
    for n in &ticked {
        assert!(rows.contains(n.as_str()), "{n} is in the incident: {rows}");
    }
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn citizens_read_plain_messages_and_one_way_of_writing_deadlines() {
    let (app, _corpus) = lively_app_without_browser().await;
    for path in ["/track?number=220802-20990101-0001&phone_last4=1234", "/laws/民法典/99999", "/laws/不存在的法"]
    {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        let page = r.text().await.unwrap();
        assert!(!page.contains("管辖范围"), "{path}: {page}");
        assert!(page.contains("没有找到"), "{path}");
    }
    let (s, body) = crate::laws::anon_get(&app, "/api/v1/laws/民法典/articles/99999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!body.to_string().contains("管辖范围"), "{body}");
    // Every message the demo's matters produced writes a deadline as “YYYY-MM-DD 24:00”.
    let admin = app.login_as("admin").await;
    let (_, list) = app.get(&admin, "/api/v1/requests?per_page=100").await;
    let mut bodies = Vec::new();
    for r in list["items"].as_array().unwrap() {
        let id = r["id"].as_i64().unwrap();
        let (_, detail) = app.get(&admin, &format!("/api/v1/requests/{id}")).await;
        for e in detail["timeline"].as_array().into_iter().flatten() {
            bodies.push(e["note"].as_str().unwrap_or_default().to_string());
        }
    }
    // The SMS the demo sent (the jobs deliver them to the day's file).
    let path = gongdao_services::notify::sms_log_path(
        app_data_dir(&app),
        gongdao_domain::calendar::china_day(chrono::Utc::now()),
    );
    let sender: std::sync::Arc<dyn gongdao_services::notify::Sender> =
        std::sync::Arc::new(app.services.file_sender(app_data_dir(&app).to_path_buf()));
    app.services.deliver_outbox(&sender, 1000).await.unwrap();
    let sms = app.services.read_sms_log(&path).unwrap();
    assert!(!sms.is_empty());
    bodies.extend(sms.into_iter().map(|(_, body)| body));
    assert!(bodies.iter().any(|b| b.contains(" 24:00")), "some deadline is written out: {bodies:?}");
    for b in &bodies {
        assert!(!b.contains("00:00"), "a deadline at midnight is written as 24:00 of its day: {b}");
        assert!(!b.contains("日24时") && !b.contains("月0"), "one way of writing deadlines: {b}");
    }
    app.stop().await;
}

async fn lively_app_without_browser() -> (TestApp, tempfile::TempDir) {
    lively_app().await
}

fn app_data_dir(app: &TestApp) -> &Path {
    app.data_dir()
}

#[tokio::test]
async fn the_catalogue_holds_laws_only_and_related_cases_share_the_matter() {
    let (app, corpus) = lively_app_without_browser().await;
    let (_, catalogue) = crate::laws::anon_get(&app, "/api/v1/laws").await;
    let titles: Vec<&str> = catalogue["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|shelf| shelf["laws"].as_array().unwrap().iter().map(|l| l["short_title"].as_str().unwrap()))
        .collect();
    assert!(titles.contains(&"民法典"), "{titles:?}");
    assert!(!titles.iter().any(|t| t.contains("模版") || t.contains("README") || t.contains("某条法律")), "{titles:?}");
    let r = app.client.get(app.url("/laws/README")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let page = app.client.get(app.url("/laws")).send().await.unwrap().text().await.unwrap();
    let blanks = page.matches("<option value=\"\"").count();
    assert_eq!(blanks, 2, "one blank option per filter (level, category)");
    assert!(!page.contains("National law corpus"));
    // A question about supporting a parent of 70 brings the support case, not a case
    // that shares only the number.
    let (s, answer) =
        crate::laws::anon_post(&app, "/api/v1/qa", json!({"question": "70岁的老父亲，子女不给赡养费怎么办"})).await;
    assert_eq!(s, StatusCode::OK, "{answer}");
    let cases: Vec<&str> = answer["cases"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert!(cases.contains(&"子女不履行赡养义务案"), "{cases:?}");
    assert!(!cases.contains(&"房屋征收补偿案"), "{cases:?}");
    // An older import took the template in as a law of no category: a new import
    // removes it.
    let stale = gongdao_domain::law::corpus::LawVersionText {
        short_title: "法律法规模版".into(),
        title: "某条法律的标题".into(),
        category: String::new(),
        level: gongdao_domain::law::LawLevel::Other,
        version_date: None,
        effective_date: None,
        history: Vec::new(),
        sources: vec!["法律法规模版.md".into()],
        articles: Vec::new(),
    };
    gongdao_store::laws::upsert_version(app.services.store().writer(), &stale, "stale", chrono::Utc::now())
        .await
        .unwrap();
    let report = crate::laws::import(&app, corpus.path()).await;
    assert_eq!(report.skipped, ["README.md", "法律法规模版.md"]);
    assert_eq!(report.removed, 1);
    let (_, catalogue) = crate::laws::anon_get(&app, "/api/v1/laws").await;
    assert!(!catalogue.to_string().contains("法律法规模版"), "{catalogue}");
    app.stop().await;
}

#[tokio::test]
async fn rules_are_edited_by_form_and_a_broken_file_names_its_line_in_chinese() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    let admin = app.login_as("admin").await;
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let app = &app;
        let token = admin.token.clone();
        async move { app.client.post(app.url(path)).bearer_auth(token).form(&form).send().await.unwrap() }
    };
    // A broken file: the line and column, in Chinese, and the file as typed.
    let (_, files) = app.get(&admin, "/api/v1/config/rules").await;
    let text = files.as_array().unwrap().iter().find(|f| f["name"] == "routing").unwrap()["content"]
        .as_str()
        .unwrap()
        .to_string();
    let broken = text.replacen("to = \"legal_aid_center\"", "to = legal_aid_center", 1);
    let line = broken.lines().position(|l| l.contains("to = legal_aid_center")).unwrap() + 1;
    let r = post("/settings/rules", vec![("name", "routing".into()), ("content", broken.clone())]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains(&format!("第 {line} 行第")), "{page}");
    assert!(page.contains("to = legal_aid_center"), "the file comes back as typed");
    // The shipped files explain themselves in Chinese.
    assert!(text.lines().next().unwrap().starts_with("# 分派规则"), "{text}");
    assert!(!text.lines().filter(|l| l.starts_with('#')).any(|l| l.is_ascii()), "{text}");
    // One time limit by its form.
    let r = post(
        "/settings/rules/deadline",
        vec![("category", "consultation".into()), ("step", "resolve".into()), ("period", "5个工作日".into())],
    )
    .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let rules = app.services.rules().await.unwrap();
    let rule = rules
        .installation()
        .deadlines
        .rule(gongdao_domain::request::Category::Consultation, gongdao_domain::request::Step::Resolve);
    assert_eq!(rule.period.to_string(), "5个工作日");
    // A bad period is named on its field, nothing saved.
    let r = post(
        "/settings/rules/deadline",
        vec![("category", "consultation".into()), ("step", "resolve".into()), ("period", "五天".into())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("id=\"f-deadline-period-error\""));
    // A holiday of a year not yet on file: the notice is needed, then it is counted.
    let holiday = |source: &str| {
        vec![
            ("name", "元旦".to_string()),
            ("first", "2027-01-01".into()),
            ("last", "2027-01-03".into()),
            ("workdays", String::new()),
            ("source", source.to_string()),
        ]
    };
    let r = post("/settings/rules/holiday", holiday("")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = post("/settings/rules/holiday", holiday("国务院办公厅关于2027年部分节假日安排的通知")).await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let rules = app.services.rules().await.unwrap();
    assert!(!rules.installation().calendar.is_workday(chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()));
    app.stop().await;
}

#[tokio::test]
async fn the_mediation_agreement_states_the_parties_as_the_law_asks_and_follow_up_starts_blank() {
    for backend in crate::helpers::backends() {
        let app = spawn_app_with(backend, |s| s.jobs_interval_ms = 0).await;
        let mediator = app.login_as("mediator").await;
        let (_, committees) =
            app.get(&mediator, "/api/v1/institutions?type=mediation_committee&q=%E5%B9%B3%E5%8F%B0%E9%95%87").await;
        let committee = committees["items"][0]["id"].as_i64().unwrap();
        let applicant_id = crate::helpers::id_number("22080219580312123");
        let case = json!({
            "committee_id": committee, "dispute_type": "neighbourhood", "source": "application",
            "summary": "两家因排水沟发生争执",
            "parties": [
                {"role": "applicant", "name": "赵大山", "id_number": applicant_id, "ethnicity": "汉族", "occupation": "农民", "address": "平台镇榆树村2组"},
                {"role": "respondent", "name": "钱秀英", "gender": "female", "age": "52", "ethnicity": "蒙古族", "occupation": "个体经营者", "employer": "平台镇秀英商店"}
            ]
        });
        // A typed gender that contradicts the ID number is named on its field.
        let mut wrong = case.clone();
        wrong["parties"][0]["gender"] = json!("female");
        let (status, body) = app.post(&mediator, "/api/v1/mediation/cases", wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(crate::helpers::error_fields(&body), vec!["parties[0].gender"]);
        let (status, c) = app.post(&mediator, "/api/v1/mediation/cases", case).await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        let id = c["id"].as_i64().unwrap();
        let base = format!("/api/v1/mediation/cases/{id}");
        app.post(&mediator, &format!("{base}/accept"), json!({})).await;
        let today = gongdao_domain::calendar::china_day(chrono::Utc::now());
        let (status, c) = app
            .post(&mediator, &format!("{base}/agreement"), json!({"facts": "排水沟堵塞", "terms": "共同疏通", "performance": "七日内完成", "signed_on": today.to_string()}))
            .await;
        assert_eq!(status, StatusCode::OK, "{c}");
        let (_, page) = app.page(&mediator, &format!("/mediation/{id}/agreement")).await;
        let age = chrono::Datelike::year(&today) - 1958;
        assert!(page.contains(&format!("申请人：赵大山，男，汉族，{age}岁，农民，住平台镇榆树村2组")), "{page}");
        assert!(page.contains("被申请人：钱秀英，女，蒙古族，52岁，个体经营者，工作单位平台镇秀英商店"), "{page}");
        assert!(page.contains("一式三份"), "copies in Chinese numerals");
        assert!(!page.contains("onclick"), "no inline script");
        // The follow-up form does not presume the agreement was kept.
        let (_, case_page) = app.page(&mediator, &format!("/mediation/{id}")).await;
        let follow_up =
            case_page.split("id=\"f-follow_up-performance\"").nth(1).unwrap().split("</select>").next().unwrap();
        assert!(follow_up.contains("<option value=\"\" selected>请选择</option>"), "{follow_up}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_window_opens_slots_for_weeks_at_once_and_prints_receipts() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.jobs_interval_ms = 0).await;
    let window = app.login_as("window").await;
    let today = gongdao_domain::calendar::china_day(chrono::Utc::now());
    let first = today + chrono::Duration::days(1);
    let last = today + chrono::Duration::days(14);
    let (first_day, last_day) = (first.to_string(), last.to_string());
    let r = app
        .post_form(
            &window,
            "/appointments/slots",
            &[
                ("kind", "visit"),
                ("date", &first_day),
                ("until", &last_day),
                ("start", "09:00"),
                ("end", "11:30"),
                ("capacity", "3"),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    // As many slots as working days in the range, on the platform's calendar.
    let rules = app.services.rules().await.unwrap();
    let working =
        first.iter_days().take_while(|d| *d <= last).filter(|d| rules.installation().calendar.is_workday(*d)).count();
    let (_, overview) = app.get(&window, "/api/v1/appointments").await;
    assert_eq!(overview["slots"].as_array().unwrap().len(), working, "{overview}");
    let set_cookie = r.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert!(set_cookie.starts_with("gongdao_flash="), "the next page says what was done");
    // A backwards range is refused on its field.
    let r = app
        .client
        .post(app.url("/appointments/slots"))
        .bearer_auth(&window.token)
        .form(&[
            ("kind", "visit"),
            ("date", &last.to_string()),
            ("until", &first.to_string()),
            ("start", "09:00"),
            ("end", "11:30"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("结束日期不能早于开始日期"));
    // A walk-in matter's receipt, for the window to print.
    let (status, created) = app
        .post(&window, "/api/v1/requests", json!({"channel": "window", "category": "consultation", "region": "220802100201", "requester": {"name": "张凤霞", "phone": "13894361102"}, "description": "农药无效"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (_, receipt) = app.page(&window, &format!("/requests/{}/receipt", created["id"])).await;
    let number = created["number"].as_str().unwrap();
    assert!(receipt.contains(number) && receipt.contains("承诺办结") && receipt.contains("平台镇 · "), "{receipt}");
    app.stop().await;
}
