//! Semantic re-ranking with the installed sentence-embedding model
//! (scripts/semantic-model.sh; the test command installs it, and CI requires it):
//! vectors stored once per text on both backends, embedding resumable and idempotent,
//! the search API's `semantic` switch, and a configured model folder that does not load.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, TestDb, backends, in_ci, spawn_app, spawn_app_with, test_settings, urlencode};
use crate::laws::{anon_get as get, fixture_corpus, import};

/// The installed model's folder; in CI it must be there.
fn model_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("GONGDAO_LAW_MODEL_DIR")
        .map(PathBuf::from)
        .or_else(gongdao_lawbase::embed::default_dir)
        .expect("a home folder");
    if dir.join(gongdao_lawbase::embed::LIBRARY_FILE).is_file() {
        Some(dir)
    } else if in_ci() {
        panic!("CI=true but the semantic model is not installed in {} (scripts/semantic-model.sh)", dir.display());
    } else {
        eprintln!("SKIP semantic model tests: run scripts/semantic-model.sh to install the model");
        None
    }
}

#[tokio::test]
async fn vectors_are_stored_once_per_text_read_back_page_by_page_and_removed_on_both_backends() {
    use gongdao_store::law_embeddings;
    for backend in backends() {
        let app = spawn_app(backend).await;
        let store = app.services.store();
        // More rows than one page of the loader, so the paging is crossed.
        let rows: Vec<(String, Vec<u8>)> =
            (0..8_100u32).map(|i| (format!("{i:032x}"), i.to_le_bytes().to_vec())).collect();
        law_embeddings::put(store.writer(), "model-a", &rows).await.unwrap();
        // Storing a text again keeps the first vector; another model's rows are apart.
        law_embeddings::put(store.writer(), "model-a", &[(format!("{:032x}", 7), vec![9, 9, 9, 9])]).await.unwrap();
        law_embeddings::put(store.writer(), "model-b", &[("ff".into(), vec![1])]).await.unwrap();
        assert_eq!(law_embeddings::count(store.reader(), "model-a").await.unwrap(), 8_100);
        assert_eq!(law_embeddings::count(store.reader(), "model-b").await.unwrap(), 1);
        let all = law_embeddings::all(store.reader(), "model-a").await.unwrap();
        assert_eq!(all.len(), 8_100, "{backend:?}");
        assert!(all.windows(2).all(|w| w[0].0 < w[1].0), "in hash order, each once");
        assert_eq!(all[7], (format!("{:032x}", 7), 7u32.to_le_bytes().to_vec()));
        // Removing vectors: more than one statement's worth, one model's only, in a
        // transaction that, rolled back, leaves them all.
        let gone: Vec<String> = (0..250u32).map(|i| format!("{i:032x}")).chain(["ff".to_string()]).collect();
        let tx = store.begin().await.unwrap();
        assert_eq!(law_embeddings::delete(&tx, "model-a", &gone).await.unwrap(), 250);
        tx.rollback().await.unwrap();
        assert_eq!(law_embeddings::count(store.reader(), "model-a").await.unwrap(), 8_100, "rolled back");
        let tx = store.begin().await.unwrap();
        assert_eq!(law_embeddings::delete(&tx, "model-a", &gone).await.unwrap(), 250, "{backend:?}");
        tx.commit().await.unwrap();
        assert_eq!(law_embeddings::count(store.reader(), "model-a").await.unwrap(), 7_850);
        assert_eq!(law_embeddings::count(store.reader(), "model-b").await.unwrap(), 1, "another model's stay");
        app.stop().await;
    }
}

#[tokio::test]
async fn articles_are_embedded_once_and_questions_reranked_by_meaning() {
    let Some(dir) = model_dir() else { return };
    for backend in backends() {
        let app = spawn_app_with(backend, |s| s.law_model_dir = Some(dir.clone())).await;
        let corpus = tempfile::tempdir().unwrap();
        fixture_corpus(corpus.path());
        import(&app, corpus.path()).await;
        let base = app.services.law_base();
        let question = "我爸妈年纪大了，哥哥一分钱生活费都不给";
        let path =
            |semantic: &str| format!("/api/v1/laws/search?q={}&semantic={semantic}&limit=10", urlencode(question));

        // Before the articles are embedded the search stays lexical, and says so.
        let (status, body) = get(&app, &path("true")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["semantic"], false, "nothing embedded yet");
        assert!(!base.semantic_ready());

        // A run cut short stores what it did; the next run does the rest; a third none.
        let mut seen = Vec::new();
        let first = base.embed_missing(Some(3), &mut |p| seen.push((p.done, p.total))).await.unwrap();
        assert_eq!((first.passages, first.already, first.embedded), (7, 0, 3), "seven distinct article texts");
        assert_eq!(seen.first(), Some(&(0, 3)));
        assert_eq!(seen.last(), Some(&(3, 3)));
        let rest = base.embed_missing(None, &mut |_| {}).await.unwrap();
        assert_eq!((rest.already, rest.embedded), (3, 4));
        // A vector of a text no article has any more (a passage of an earlier form) goes.
        let dim = base.encoder().expect("the model is loaded").dim();
        let stale = gongdao_lawbase::embed::Quantized::from_f32(&vec![0.05; dim]).to_bytes();
        gongdao_store::law_embeddings::put(
            app.services.store().writer(),
            gongdao_lawbase::embed::MODEL_ID,
            &[("ab".repeat(16), stale)],
        )
        .await
        .unwrap();
        let again = base.embed_missing(None, &mut |_| {}).await.unwrap();
        assert_eq!((again.already, again.embedded, again.removed), (7, 0, 1), "embedding again only tidies");
        let again = base.embed_missing(None, &mut |_| {}).await.unwrap();
        assert_eq!((again.already, again.embedded, again.removed), (7, 0, 0), "then changes nothing");
        let stored =
            gongdao_store::law_embeddings::count(app.services.store().reader(), gongdao_lawbase::embed::MODEL_ID)
                .await
                .unwrap();
        assert_eq!(stored, 7);
        assert!(base.semantic_ready());
        assert_eq!(base.vector_count(), 7);

        // The model reads meaning: the wage question is nearer the wage article than the
        // divorce one, with no word of either.
        let encoder = base.encoder().unwrap();
        let wage = encoder.passages(&["中华人民共和国法律援助法 （五）请求确认劳动关系或者支付劳动报酬；"]).unwrap();
        let divorce = encoder.passages(&["中华人民共和国民法典 夫妻一方要求离婚的，可以由有关组织进行调解"]).unwrap();
        let q = encoder.query("老板三个月没发钱了").unwrap();
        let cos = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        assert!(cos(&q, &wage[0]) > cos(&q, &divorce[0]), "{} vs {}", cos(&q, &wage[0]), cos(&q, &divorce[0]));

        // With the switch on the hits are re-ranked and say so; off, the lexical order.
        let (_, semantic) = get(&app, &path("true")).await;
        assert_eq!(semantic["semantic"], true, "{semantic}");
        assert_eq!(
            (semantic["hits"][0]["law"].as_str(), semantic["hits"][0]["article"].as_u64()),
            (Some("民法典"), Some(1067)),
            "the article on support of parents: {semantic}"
        );
        let (_, lexical) = get(&app, &path("false")).await;
        assert_eq!(lexical["semantic"], false);
        let ids = |v: &Value| {
            let mut ids: Vec<String> = v["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| format!("{}{}", h["law"].as_str().unwrap(), h["article"]))
                .collect();
            ids.sort();
            ids
        };
        // The words' hits all stay (seven articles, ten wanted); articles near by meaning
        // alone may join them.
        let (by_meaning, by_words) = (ids(&semantic), ids(&lexical));
        assert!(by_words.iter().all(|id| by_meaning.contains(id)), "{by_words:?} within {by_meaning:?}");

        // The search page re-ranks by meaning and tells the reader so.
        let page = app.client.get(app.url(&format!("/laws?q={}", urlencode(question)))).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("已按语义相关度排序"), "the page says how it ordered the hits");

        // A bad value of the switch is named.
        let (status, body) = get(&app, &path("maybe")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "semantic", "{body}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_configured_model_folder_that_does_not_load_stops_the_start() {
    let db = TestDb::new(Backend::Sqlite).await;
    let mut settings = test_settings(&db);
    settings.law_model_dir = Some(db.dir.path().join("no-model"));
    let err = gongdao::start(&settings).await.err().expect("a missing model stops the start");
    assert!(err.to_string().contains("libe5.so") && err.to_string().contains("semantic-model.sh"), "{err}");
}
