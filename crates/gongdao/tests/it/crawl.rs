//! A crawl of the pages as each kind of user meets them: from `/`, anonymous and as
//! each demo role, every same-origin link answers 2xx or 3xx, every page's element ids
//! are unique, and the citizens' pages are one click from the public home page.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use reqwest::StatusCode;

use crate::front_door::fixture_with_notes;
use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app_with};

/// Pages fetched per user at most: breadth first, so every menu and its first pages
/// are reached before the long tails (a law's every article).
const MAX_PAGES: usize = 260;

fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in html.split("href=\"").skip(1) {
        let Some(end) = part.find('"') else { continue };
        let href = part[..end].replace("&amp;", "&");
        if href.starts_with('/') && !href.starts_with("//") && !href.starts_with("/static/") {
            let href = href.split('#').next().unwrap_or("").to_string();
            if !href.is_empty() {
                out.push(href);
            }
        }
    }
    out
}

/// Ids that occur more than once in a page.
fn duplicate_ids(html: &str) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for part in html.split(" id=\"").skip(1) {
        if let Some(end) = part.find('"') {
            *seen.entry(part[..end].to_string()).or_default() += 1;
        }
    }
    seen.into_iter().filter(|(_, n)| *n > 1).map(|(id, n)| format!("{id}×{n}")).collect()
}

/// A browser-like client (cookies) logged in as `username`, or anonymous.
async fn client_for(app: &TestApp, username: Option<&str>) -> reqwest::Client {
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).cookie_store(true).build().unwrap();
    if let Some(u) = username {
        // The login form's own double-submit token.
        let form = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
        let token = form.split("name=\"csrf_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let r = client
            .post(app.url("/login"))
            .form(&[("username", u), ("password", PASSWORD), ("csrf_token", &token), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "{u} logs in: {}", r.status());
    }
    client
}

struct Crawl {
    /// Every page fetched and its status.
    statuses: BTreeMap<String, StatusCode>,
    /// Problems found.
    problems: Vec<String>,
}

async fn crawl(app: &TestApp, client: &reqwest::Client) -> Crawl {
    let mut queue = VecDeque::from([("/".to_string(), "(start)".to_string())]);
    let mut seen = BTreeSet::from(["/".to_string()]);
    let mut statuses = BTreeMap::new();
    let mut problems = Vec::new();
    while let Some((path, from)) = queue.pop_front() {
        if statuses.len() >= MAX_PAGES {
            break;
        }
        let r = client.get(app.url(&path)).send().await.unwrap();
        let status = r.status();
        statuses.insert(path.clone(), status);
        if !(status.is_success() || status.is_redirection()) {
            problems.push(format!("{path} (linked from {from}) answered {status}"));
            continue;
        }
        let location = r.headers().get("location").and_then(|l| l.to_str().ok()).map(String::from);
        let is_html =
            r.headers().get("content-type").and_then(|c| c.to_str().ok()).is_some_and(|c| c.starts_with("text/html"));
        let mut next = Vec::new();
        if let Some(l) = location.filter(|l| l.starts_with('/')) {
            next.push(l);
        }
        if is_html {
            let html = r.text().await.unwrap();
            let dups = duplicate_ids(&html);
            if !dups.is_empty() {
                problems.push(format!("{path}: ids used twice: {dups:?}"));
            }
            // The content security policy allows no inline script: none may be there.
            for inline in [" onclick=", " onload=", " onsubmit=", " onchange=", "javascript:", "<script>"] {
                if html.contains(inline) {
                    problems.push(format!("{path}: inline script ({inline})"));
                }
            }
            next.extend(links(&html));
        }
        for l in next {
            // Signing out would end the crawl's session.
            if l.starts_with("/logout") {
                continue;
            }
            if seen.insert(l.clone()) {
                queue.push_back((l, path.clone()));
            }
        }
    }
    Crawl { statuses, problems }
}

#[tokio::test]
async fn every_link_from_the_home_page_works_for_everyone_and_ids_are_unique() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.demo_activity = true).await;
    let corpus = tempfile::tempdir().unwrap();
    fixture_with_notes(corpus.path());
    crate::laws::import(&app, corpus.path()).await;

    // Citizens: the public pages are one click from the home page.
    let anonymous = client_for(&app, None).await;
    let home = anonymous.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    let first = links(&home);
    for page in ["/qa", "/laws", "/apply", "/track", "/book", "/service-points"] {
        assert!(first.iter().any(|l| l == page || l.starts_with(&format!("{page}?"))), "{page}: {first:?}");
    }
    let mut all_problems = Vec::new();
    let mut pages = 0;
    for user in [
        None,
        Some("admin"),
        Some("leader"),
        Some("dispatch"),
        Some("hotline"),
        Some("window"),
        Some("reviewer"),
        Some("lawyer"),
        Some("mediator"),
        Some("supervisor"),
    ] {
        let client = client_for(&app, user).await;
        let c = crawl(&app, &client).await;
        let who = user.unwrap_or("anonymous");
        assert!(c.statuses.len() >= 8, "{who} reached only {:?}", c.statuses.keys());
        pages += c.statuses.len();
        all_problems.extend(c.problems.into_iter().map(|p| format!("{who}: {p}")));
    }
    assert!(all_problems.is_empty(), "{} pages crawled; problems:\n{}", pages, all_problems.join("\n"));
    app.stop().await;
}
