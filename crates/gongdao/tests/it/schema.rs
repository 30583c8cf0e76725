//! The served OpenAPI document against the server itself (issue 19, defect 10):
//! schemathesis generates requests from the document, for an administrator and for a
//! township's window, and checks that no answer is a server error, every status is
//! documented, and every body matches its schema. Bounded in time; the figures go to
//! RELIABILITY.md.

use std::process::Command;

use crate::helpers::{Backend, in_ci, spawn_app};

/// The schemathesis command installed by the test command (scripts/test.sh).
fn schemathesis() -> Option<String> {
    let st = std::env::var("GONGDAO_SCHEMATHESIS").unwrap_or_else(|_| "st".into());
    match Command::new(&st).arg("--version").output() {
        Ok(o) if o.status.success() => Some(st),
        _ if in_ci() => panic!("CI=true but schemathesis ({st}) is not installed: scripts/test.sh installs it"),
        _ => {
            eprintln!("SKIP schemathesis: {st} is not installed (scripts/test.sh installs it)");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_what_the_server_answers() {
    let Some(st) = schemathesis() else { return };
    let app = spawn_app(Backend::Sqlite).await;
    // The law routes answer 503 until a corpus is imported: give them one.
    let corpus = tempfile::tempdir().unwrap();
    crate::laws::fixture_corpus(corpus.path());
    crate::laws::import(&app, corpus.path()).await;
    let seconds: u32 = std::env::var("GONGDAO_SCHEMA_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let mut summaries = Vec::new();
    for user in ["admin", "window"] {
        let session = app.login_as(user).await;
        let report = tempfile::tempdir().unwrap();
        let st = st.clone();
        let url = app.url("/api/v1/openapi.json");
        let token = session.token.clone();
        let report_dir = report.path().to_path_buf();
        let output = tokio::task::spawn_blocking(move || {
            // One worker: hypothesis describes its strategies by parsing their source, which
            // races when schemathesis runs several workers as threads.
            Command::new(st)
                // Its cache of examples goes to the report's folder, not the source tree.
                .current_dir(&report_dir)
                .args(["run", &url, "--no-color", "--seed", "19", "--workers", "1", "-n", "25"])
                .args(["--phases", "examples,coverage,fuzzing", "--max-time", &seconds.to_string()])
                .args(["-H", &format!("Authorization: Bearer {token}")])
                // Routes that end or change the session would cut the run short.
                .args(["--exclude-path-regex", "(logout|/sessions|totp|password)"])
                .args([
                    "--checks",
                    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                ])
                .args(["--report-dir"])
                .arg(&report_dir)
                .output()
                .expect("schemathesis runs")
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        let tail: String =
            stdout.lines().rev().take(60).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        assert!(
            output.status.success(),
            "schemathesis as {user} found failures:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let cases = stdout.lines().find(|l| l.contains(" generated, ")).unwrap_or("").trim().to_string();
        let tested = stdout.lines().find(|l| l.trim_start().starts_with("Tested:")).unwrap_or("").trim().to_string();
        eprintln!("schemathesis as {user}: {tested}; {cases}\n{tail}");
        summaries.push((user, tested, cases));
    }
    for (user, tested, cases) in summaries {
        assert!(!tested.is_empty() && !cases.is_empty(), "{user}: no summary");
    }
    app.stop().await;
}
