//! Real-browser tests in headless Chromium driven over WebDriver (chromedriver).
//! Screenshots are kept in `test-artifacts/`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::{Backend, artifacts_dir, spawn_app};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free loopback port, killed when dropped.
pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts chromedriver, or explains why not: a skip outside CI, a failure in it.
pub(crate) async fn driver() -> Option<Driver> {
    if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists() {
        let why = "chromium or chromedriver is not installed (the README test command installs them)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{why}");
        }
        eprintln!("SKIP browser test: {why}");
        return None;
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    // Owned by the guard from here on, so it is killed on every path.
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(driver);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not open its port");
}

pub(crate) async fn browser(driver: &Driver, width: u32, height: u32) -> fantoccini::Client {
    let profile = tempfile::tempdir().unwrap().keep();
    let caps = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--lang=zh-CN",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let caps = caps.as_object().unwrap().clone().into_iter().collect();
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("WebDriver session")
}

pub(crate) async fn screenshot(c: &fantoccini::Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join(name), png).expect("write screenshot");
}

#[tokio::test]
async fn log_in_and_filter_the_institution_directory_by_township() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let c = browser(&driver, 1366, 900).await;

    c.goto(&app.url("/institutions")).await.unwrap();
    // Not logged in: the login page, which comes back here afterwards.
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    c.find(Locator::Css("#username")).await.unwrap().send_keys("admin").await.unwrap();
    c.find(Locator::Css("#password")).await.unwrap().send_keys("gongdao-demo").await.unwrap();
    c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("table#institutions")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/institutions");
    let heading = c.find(Locator::Css(".page-head")).await.unwrap().text().await.unwrap();
    assert!(heading.contains("机构名录"), "{heading}");

    // Choose 平台镇 in the township filter; the form submits itself on change.
    let select = c.find(Locator::Css("select#region")).await.unwrap();
    select.select_by_label("平台镇").await.unwrap();
    for _ in 0..100 {
        if c.current_url().await.unwrap().query().unwrap_or("").contains("region=") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.wait().for_element(Locator::Css("table#institutions tbody tr")).await.unwrap();
    let url = c.current_url().await.unwrap();
    assert!(url.query().unwrap_or("").contains("region=220802100000"), "{url}");
    let rows = c.find_all(Locator::Css("table#institutions tbody tr")).await.unwrap();
    assert!(rows.len() >= 3, "平台镇 has its workstation, committees and stations");
    for row in &rows {
        let region = row.find(Locator::Css("td[data-label=所在区划]")).await.unwrap().text().await.unwrap();
        assert!(!region.is_empty());
        let name = row.find(Locator::Css("td[data-label=机构名称]")).await.unwrap().text().await.unwrap();
        assert!(name.contains("平台镇") || region.contains("村") || region.contains("社区"), "{name} / {region}");
    }
    let body = c.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(body.contains("平台镇公共法律服务工作站") && !body.contains("平安镇公共法律服务工作站"));
    screenshot(&c, "institutions-pingtai.png").await;

    // The same directory on a phone.
    c.set_window_size(390, 844).await.unwrap();
    c.refresh().await.unwrap();
    c.wait().for_element(Locator::Css("table#institutions")).await.unwrap();
    screenshot(&c, "institutions-phone.png").await;

    c.set_window_size(1366, 900).await.unwrap();
    // A form rejects bad input beside the field, in Chinese, and keeps what was typed.
    c.goto(&app.url("/institutions/new")).await.unwrap();
    c.find(Locator::Css("select#f-type")).await.unwrap().select_by_value("workstation").await.unwrap();
    c.find(Locator::Css("select#f-region")).await.unwrap().select_by_value("220802").await.unwrap();
    c.find(Locator::Css("#f-name")).await.unwrap().send_keys("测试工作站").await.unwrap();
    c.find(Locator::Css("#f-phone")).await.unwrap().send_keys("12345678").await.unwrap();
    c.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".field.has-error")).await.unwrap();
    let errors = c.find_all(Locator::Css(".field .error")).await.unwrap();
    let mut messages = Vec::new();
    for e in &errors {
        messages.push(e.text().await.unwrap());
    }
    assert!(messages.iter().any(|m| m.contains("乡级")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("电话号码")), "{messages:?}");
    let phone = c.find(Locator::Css("#f-phone")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(phone.as_deref(), Some("12345678"));
    let name = c.find(Locator::Css("#f-name")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(name.as_deref(), Some("测试工作站"));
    screenshot(&c, "institution-form-errors.png").await;

    // The other pages a district administrator uses, kept as pictures for review.
    for (path, name) in
        [("/", "home.png"), ("/regions", "regions.png"), ("/people?type=lawyer", "people.png"), ("/audit", "audit.png")]
    {
        c.goto(&app.url(path)).await.unwrap();
        c.wait().for_element(Locator::Css("main h1")).await.unwrap();
        screenshot(&c, name).await;
    }
    c.goto(&app.url("/people?type=lawyer")).await.unwrap();
    c.find(Locator::Css("table#people tbody tr td a")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("dl.props")).await.unwrap();
    screenshot(&c, "person.png").await;

    // The public service points page.
    c.goto(&app.url("/service-points")).await.unwrap();
    let title = c.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(title, "服务网点");
    screenshot(&c, "service-points.png").await;

    c.close().await.unwrap();
    app.stop().await;
}

pub(crate) async fn log_in(c: &fantoccini::Client, app: &crate::helpers::TestApp, username: &str, then: &str) {
    c.delete_all_cookies().await.unwrap();
    c.goto(&app.url(&format!("/login?next={then}"))).await.unwrap();
    c.find(Locator::Css("#username")).await.unwrap().send_keys(username).await.unwrap();
    c.find(Locator::Css("#password")).await.unwrap().send_keys("gongdao-demo").await.unwrap();
    c.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    // The login page has a `main h1` too: wait for what only a signed-in page shows,
    // then for the page's own heading.
    c.wait().for_element(Locator::Css("form[action='/logout']")).await.unwrap();
    c.wait().for_element(Locator::Css("main h1")).await.unwrap();
}

pub(crate) async fn text_of(c: &fantoccini::Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

/// Chooses a village in a village picker: its township first, then the village.
pub(crate) async fn pick_place(c: &fantoccini::Client, id: &str, township: &str, village: &str) {
    c.find(Locator::Css(&format!("select#{id}-township")))
        .await
        .unwrap()
        .select_by_value(&format!("g:{township}"))
        .await
        .unwrap();
    c.find(Locator::Css(&format!("select#{id}-village"))).await.unwrap().select_by_value(village).await.unwrap();
}

/// The value of a JavaScript expression.
pub(crate) async fn js(c: &fantoccini::Client, expr: &str) -> serde_json::Value {
    c.execute(&format!("return ({expr});"), vec![]).await.unwrap()
}

/// Waits (polling, bounded) until a JavaScript condition holds.
pub(crate) async fn wait_for(c: &fantoccini::Client, condition: &str) {
    for _ in 0..300 {
        if js(c, condition).await.as_bool() == Some(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never became true: {condition}");
}

/// axe-core's serious and critical violations on the current page, as “rule: nodes”.
/// The library is installed by the test command (npm); without it the check is
/// skipped outside CI and fails in it.
pub(crate) async fn axe_violations(c: &fantoccini::Client) -> Option<Vec<String>> {
    let path = std::env::var("GONGDAO_AXE_JS").ok().filter(|p| std::path::Path::new(p).exists());
    let Some(path) = path else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("GONGDAO_AXE_JS does not point at axe.min.js: the accessibility check is mandatory in CI");
        }
        eprintln!("SKIP accessibility check: set GONGDAO_AXE_JS (the test command installs axe-core)");
        return None;
    };
    let source = std::fs::read_to_string(path).unwrap();
    c.execute(&source, vec![]).await.unwrap();
    let result = c
        .execute_async(
            "const done = arguments[arguments.length - 1];\n\
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations\n\
               .filter(v => v.impact === 'serious' || v.impact === 'critical')\n\
               .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(' | '))));",
            vec![],
        )
        .await
        .unwrap();
    Some(result.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect())
}

#[tokio::test]
async fn a_hotline_call_is_transferred_accepted_and_seen_on_the_dispatch_board() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let c = browser(&driver, 1366, 900).await;

    // The hotline agent logs a call.
    log_in(&c, &app, "hotline", "/requests/new").await;
    assert_eq!(
        c.find(Locator::Css("select#f-channel")).await.unwrap().prop("value").await.unwrap().as_deref(),
        Some("hotline")
    );
    c.find(Locator::Css("select#f-category")).await.unwrap().select_by_value("consultation").await.unwrap();
    pick_place(&c, "f-region", "220802100000", "220802100201").await;
    c.find(Locator::Css("#f-requester\\.name")).await.unwrap().send_keys("李大爷").await.unwrap();
    c.find(Locator::Css("#f-requester\\.phone")).await.unwrap().send_keys("13812345678").await.unwrap();
    c.find(Locator::Css("input[name='requester.groups'][value=elderly]")).await.unwrap().click().await.unwrap();
    c.find(Locator::Css("#f-description"))
        .await
        .unwrap()
        .send_keys("儿子三个月没给赡养费，想请村里帮忙调解")
        .await
        .unwrap();
    c.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("#timeline")).await.unwrap();
    let number = text_of(&c, "main h1").await;
    assert!(number.starts_with("220802-"), "{number}");
    assert!(text_of(&c, ".page-head").await.contains("绿色通道"));
    screenshot(&c, "request-logged.png").await;

    // … and hands it to the township workstation the rules suggest.
    let target = c.find(Locator::Css("select#f-transfer-to_institution option:nth-child(2)")).await.unwrap();
    let label = target.text().await.unwrap();
    assert!(label.contains("平台镇公共法律服务工作站") && label.contains("推荐"), "{label}");
    target.click().await.unwrap();
    c.find(Locator::Css("#f-transfer-reason")).await.unwrap().send_keys("需要当地上门了解情况").await.unwrap();
    c.find(Locator::Css("button#transfer")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".flash.ok")).await.unwrap();
    assert!(text_of(&c, "#timeline").await.contains("发起流转"));
    assert!(text_of(&c, ".page-head").await.contains("流转中"));
    let url = c.current_url().await.unwrap();
    let request_path = url.path().to_string();

    // The workstation finds it waiting and accepts it.
    log_in(&c, &app, "window", "/requests?waiting=true").await;
    let link = c.find(Locator::LinkText(&number)).await.unwrap();
    link.click().await.unwrap();
    c.wait().for_element(Locator::Css("button#accept")).await.unwrap();
    c.find(Locator::Css("button#accept")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".flash.ok")).await.unwrap();
    let props = text_of(&c, "dl.props").await;
    assert!(props.contains("平台镇工作站窗口"), "{props}");
    assert!(text_of(&c, "#timeline").await.contains("受理"));
    screenshot(&c, "request-accepted.png").await;

    // The dispatch board shows it, held by the workstation.
    log_in(&c, &app, "dispatch", "/dispatch").await;
    let table = text_of(&c, "table.requests-table").await;
    assert!(table.contains(&number) && table.contains("平台镇工作站窗口"), "{table}");
    let stats = text_of(&c, ".stats").await;
    assert!(stats.contains("在办事项"), "{stats}");
    screenshot(&c, "dispatch-board.png").await;
    assert!(request_path.starts_with("/requests/"));

    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_citizen_asks_at_the_kiosk_and_reads_the_article() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let corpus = tempfile::tempdir().unwrap();
    crate::laws::fixture_corpus(corpus.path());
    crate::laws::import(&app, corpus.path()).await;

    // A portrait kiosk screen: large type, an example question a touch away.
    let c = browser(&driver, 1080, 1600).await;
    c.goto(&app.url("/qa?kiosk=1&region=220802100000")).await.unwrap();
    c.wait().for_element(Locator::Css("body.kiosk .qa")).await.unwrap();
    let size: f64 = c
        .execute("return parseFloat(getComputedStyle(document.querySelector('body.kiosk .qa')).fontSize)", vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(size >= 20.0, "kiosk type is large: {size}px");
    screenshot(&c, "qa-kiosk-start.png").await;
    c.find(Locator::Css("#qa-q")).await.unwrap().send_keys("老板拖欠我三个月工资，怎么办？").await.unwrap();
    c.find(Locator::Css(".qa-form button[type=submit]")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".step-cards")).await.unwrap();
    let body = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(body.contains("申请法律援助") && body.contains("法律援助法 第三十一条"), "{body}");
    assert!(body.contains("拨打 12348"), "{body}");
    assert!(body.contains("就近办理"), "the township's service point: {body}");
    let marked = c.find_all(Locator::Css(".law-group mark")).await.unwrap();
    assert!(!marked.is_empty(), "the question's words are highlighted");
    screenshot(&c, "qa-kiosk-answer.png").await;

    // The article at its own address, on a phone.
    c.set_window_size(390, 844).await.unwrap();
    c.find(Locator::Css(".law-group details[open] a.article-link")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".law-text.single")).await.unwrap();
    let url = c.current_url().await.unwrap();
    assert!(url.path().starts_with("/laws/"), "{url}");
    let heading = c.find(Locator::Css(".page-head h1")).await.unwrap().text().await.unwrap();
    assert!(heading.contains("第三十一条"), "{heading}");
    screenshot(&c, "law-article-phone.png").await;

    // The law browser: search with a filter, then the whole law with its versions.
    c.set_window_size(1366, 900).await.unwrap();
    c.goto(&app.url("/laws?q=离婚调解")).await.unwrap();
    c.wait().for_element(Locator::Css("ol.hits li")).await.unwrap();
    let first = c.find(Locator::Css("ol.hits li h3")).await.unwrap().text().await.unwrap();
    assert!(first.contains("民法典") && first.contains("第一千零七十九条"), "{first}");
    screenshot(&c, "laws-search.png").await;
    c.goto(&app.url("/laws/民法典#a1079")).await.unwrap();
    c.wait().for_element(Locator::Css("#a1079")).await.unwrap();
    let toc = c.find(Locator::Css(".toc")).await.unwrap().text().await.unwrap();
    assert!(toc.contains("第五编 婚姻家庭"), "{toc}");
    screenshot(&c, "law-civil-code.png").await;
    c.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_hotline_agent_cites_an_article_while_logging_a_call() {
    let Some(driver) = driver().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let corpus = tempfile::tempdir().unwrap();
    crate::laws::fixture_corpus(corpus.path());
    crate::laws::import(&app, corpus.path()).await;
    let c = browser(&driver, 1366, 900).await;
    log_in(&c, &app, "hotline", "/requests/new").await;
    c.wait().for_element(Locator::Css("[data-law-helper]")).await.unwrap();
    c.find(Locator::Css("#f-description")).await.unwrap().send_keys("来电人称老板拖欠工资三个月。").await.unwrap();
    c.find(Locator::Css("#law-helper-q")).await.unwrap().send_keys("拖欠工资 法律援助").await.unwrap();
    c.find(Locator::Css(".law-helper-form button")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css(".law-helper-hits li button.cite")).await.unwrap();
    let first = c.find(Locator::Css(".law-helper-hits li a")).await.unwrap().text().await.unwrap();
    assert!(first.contains("《法律援助法》第三十一条"), "{first}");
    c.find(Locator::Css(".law-helper-hits li button.cite")).await.unwrap().click().await.unwrap();
    let description: String = c
        .execute("return document.querySelector('#f-description').value", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    assert!(description.starts_with("来电人称老板拖欠工资三个月。\n"), "{description}");
    assert!(description.contains("《中华人民共和国法律援助法》第三十一条（2021-08-20版）："), "{description}");
    screenshot(&c, "request-form-law-helper.png").await;
    c.close().await.unwrap();
    app.stop().await;
}
