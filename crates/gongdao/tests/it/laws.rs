//! The law knowledge base: import of fixture corpora on both backends (idempotent,
//! newer versions supersede, bad files skipped, bad folders refused), search and Q&A
//! over HTTP with their bad inputs, and the real corpus from `../shared/laws` when it
//! is there (always in CI).

use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, backends, in_ci, spawn_app};

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A corpus of a few laws in the LawRefBook format, written for the tests.
pub fn fixture_corpus(dir: &Path) {
    write(dir, "_index.md", "---\nbookCollapseSection: true\n---\n");
    write(
        dir,
        "行政法/法律援助法(2021-08-20).md",
        "# 中华人民共和国法律援助法\n\n2021年8月20日 第十三届全国人民代表大会常务委员会第三十次会议通过\n\n<!-- INFO END -->\n\n\
         ## 第一章 总 则\n\n第一条 为了规范和促进法律援助工作，保障公民和有关当事人的合法权益，制定本法。\n\n\
         ## 第三章 形式和范围\n\n第三十一条 下列事项的当事人，因经济困难没有委托代理人的，可以向法律援助机构申请法律援助：\n\n\
         （四）请求给付赡养费、抚养费、扶养费；\n\n（五）请求确认劳动关系或者支付劳动报酬；\n\n\
         第四十三条 法律援助机构应当自收到法律援助申请之日起七日内进行审查，作出是否给予法律援助的决定。\n",
    );
    let civil = |book: &str, body: &str| {
        format!(
            "# 中华人民共和国民法典\n\n# {book}\n\n2020年5月28日 第十三届全国人民代表大会第三次会议通过\n\n2021年1月1日 施行\n\n<!-- INFO END -->\n\n{body}"
        )
    };
    write(
        dir,
        "民法典/总则.md",
        &civil("总则", "## 第一编 总则\n### 第一章 基本规定\n第一条 为了保护民事主体的合法权益，制定本法。\n"),
    );
    write(
        dir,
        "民法典/婚姻家庭编.md",
        &civil(
            "婚姻家庭编",
            "## 第五编 婚姻家庭\n### 第四章 离婚\n第一千零七十九条 夫妻一方要求离婚的，可以由有关组织进行调解或者直接向人民法院提起离婚诉讼。\n\n\
             人民法院审理离婚案件，应当进行调解；如果感情确已破裂，调解无效的，应当准予离婚。\n\n\
             第一千零六十七条 成年子女不履行赡养义务的，缺乏劳动能力或者生活困难的父母，有要求成年子女给付赡养费的权利。\n",
        ),
    );
    write(
        dir,
        "社会法/妇女权益保障法(2018-10-26).md",
        "# 中华人民共和国妇女权益保障法\n\n2018年10月26日 修正\n\n<!-- INFO END -->\n\n第一条 旧版本的第一条，保障妇女的合法权益。\n",
    );
    write(dir, "其他/坏文件.md", "这个文件没有标题\n第一条 内容\n");
    write(
        dir,
        "刑法/刑法修正案（十三）.md",
        "# 中华人民共和国刑法修正案（十三）\n\n<!-- INFO END -->\n\n一、将刑法第二百七十六条之一修改为：拒不支付劳动者的劳动报酬，加班费数额较大的，处三年以下有期徒刑。\n",
    );
    write(
        dir,
        "案例/劳动人事/加班费的仲裁时效应当如何认定.md",
        "# 加班费的仲裁时效应当如何认定\n\n<!-- INFO END -->\n\n## 基本案情\n\n张某加班，公司未支付加班费，张某申请劳动仲裁。\n",
    );
}

pub async fn import(app: &TestApp, dir: &Path) -> gongdao_lawbase::import::ImportReport {
    let report = app.services.import_laws(dir, |_| {}).await.expect("import");
    app.services.refresh_law_index().await.expect("index");
    report
}

pub async fn anon_get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let r = app.client.get(app.url(path)).send().await.expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub async fn anon_post(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let r = app.client.post(app.url(path)).json(&body).send().await.expect("request");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn search_path(q: &str, extra: &str) -> String {
    format!("/api/v1/laws/search?q={}{extra}", crate::helpers::urlencode(q))
}

#[tokio::test]
async fn import_is_idempotent_newer_versions_supersede_and_bad_files_are_skipped() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let corpus = tempfile::tempdir().unwrap();
        fixture_corpus(corpus.path());

        let first = import(&app, corpus.path()).await;
        assert_eq!(first.versions_added, 3, "法律援助法, 民法典 (one law of two books), 妇女权益保障法");
        assert_eq!(first.cases_added, 2, "the case, and the amendment written without articles");
        assert_eq!(first.errors.len(), 1, "{:?}", first.errors);
        assert!(first.errors[0].starts_with("其他/坏文件.md:1:"), "path and line: {:?}", first.errors);

        let again = import(&app, corpus.path()).await;
        assert_eq!((again.versions_added, again.versions_replaced, again.versions_unchanged), (0, 0, 3));
        assert_eq!(again.cases_added + again.cases_replaced, 0);
        let counts = gongdao_store::laws::counts(app.services.store().reader()).await.unwrap();
        assert_eq!((counts.laws, counts.versions, counts.articles, counts.cases), (3, 3, 7, 2));

        // A newer corpus adds a version and marks the old one superseded.
        write(
            corpus.path(),
            "社会法/妇女权益保障法(2022-10-30).md",
            "# 中华人民共和国妇女权益保障法\n\n2022年10月30日 修订\n\n2023年1月1日 施行\n\n<!-- INFO END -->\n\n第一条 新版本的第一条，促进男女平等。\n",
        );
        let newer = import(&app, corpus.path()).await;
        assert_eq!((newer.versions_added, newer.versions_unchanged), (1, 3));
        let (s, old) = anon_get(&app, "/api/v1/laws/妇女权益保障法?as_of=2020-06-01").await;
        assert_eq!(s, StatusCode::OK, "{old}");
        assert_eq!(old["shown"]["version_key"], "2018-10-26");
        assert_eq!(old["status"], "in_force");
        let (_, now) = anon_get(&app, "/api/v1/laws/妇女权益保障法").await;
        assert_eq!(now["shown"]["version_key"], "2022-10-30");
        assert_eq!(now["versions"][0]["superseded_on"], "2023-01-01");
        let (_, superseded) = anon_get(&app, "/api/v1/laws/妇女权益保障法?version=2018-10-26").await;
        assert_eq!(superseded["status"], "superseded");

        // Search shows the version in force on the as-of day.
        let (_, today) = anon_get(&app, &search_path("妇女 第一条", "")).await;
        assert!(today["hits"][0]["text"].as_str().unwrap().contains("新版本"), "{today}");
        let (_, past) = anon_get(&app, &search_path("妇女 第一条", "&as_of=2020-06-01")).await;
        assert!(past["hits"][0]["text"].as_str().unwrap().contains("旧版本"), "{past}");

        // A folder that is not there, or holds no laws: a clear error, nothing imported.
        let before = gongdao_store::laws::counts(app.services.store().reader()).await.unwrap();
        let missing = app.services.import_laws(Path::new("/nonexistent/laws"), |_| {}).await.unwrap_err();
        assert!(missing.to_string().contains("不存在"), "{missing}");
        let empty = tempfile::tempdir().unwrap();
        write(empty.path(), "README.txt", "not a law");
        let none = app.services.import_laws(empty.path(), |_| {}).await.unwrap_err();
        assert!(none.to_string().contains("没有可导入"), "{none}");
        assert_eq!(gongdao_store::laws::counts(app.services.store().reader()).await.unwrap(), before);
        app.stop().await;
    }
}

#[tokio::test]
async fn search_articles_and_qa_over_http_with_their_bad_inputs() {
    let app = spawn_app(Backend::Sqlite).await;
    // Before any import the search says it is not ready, it does not fail.
    let (s, body) = anon_get(&app, &search_path("工资", "")).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("法规库"), "{body}");

    let corpus = tempfile::tempdir().unwrap();
    fixture_corpus(corpus.path());
    import(&app, corpus.path()).await;

    let (s, body) = anon_get(&app, &search_path("离婚要调解吗", "&limit=5")).await;
    assert_eq!(s, StatusCode::OK);
    let hit = &body["hits"][0];
    assert_eq!(hit["law"], "民法典", "{body}");
    assert_eq!(hit["title"], "中华人民共和国民法典");
    assert_eq!(hit["article"], 1079);
    assert_eq!(hit["label"], "第一千零七十九条");
    assert_eq!(hit["version"], "2020-05-28");
    assert!(hit["text"].as_str().unwrap().contains("人民法院审理离婚案件"), "paragraphs belong to the article");
    assert!(hit["highlights"].as_array().unwrap().iter().any(|h| h == "离婚"), "{hit}");
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    assert!(body["took_ms"].as_f64().is_some());

    // Plain words reach the legal terms: 工资 → 劳动报酬.
    let (_, wage) = anon_get(&app, &search_path("老板不给工资", "")).await;
    assert_eq!(
        (wage["hits"][0]["law"].as_str(), wage["hits"][0]["article"].as_u64()),
        (Some("法律援助法"), Some(31)),
        "{wage}"
    );

    // Filters.
    let (_, only) = anon_get(&app, &search_path("法律援助", "&law=民法典")).await;
    assert!(only["hits"].as_array().unwrap().iter().all(|h| h["law"] == "民法典"), "{only}");
    let (s, bad_level) = anon_get(&app, &search_path("法律援助", "&level=bogus")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(crate::helpers::error_fields(&bad_level), vec!["level"]);

    // Bad queries: an empty result, never a 500.
    // A long query; the work per query is bounded by cutting it to 300 characters.
    let long = "工资".repeat(500);
    let junk = "\u{0}\u{1}\u{7f}\u{fffd}\u{1b}[0m";
    for q in ["", "   ", long.as_str(), junk, "？？！！。。，，", "的了吗呢怎么办"] {
        let (s, body) = anon_get(&app, &search_path(q, "")).await;
        assert_eq!(s, StatusCode::OK, "{q:?}: {body}");
        assert!(body["hits"].is_array(), "{q:?}: {body}");
        if q != long {
            assert_eq!(body["hits"].as_array().unwrap().len(), 0, "{q:?}: {body}");
        }
    }
    for as_of in ["tomorrow", "2020-02-30", "1900-01-01", "1949-09-30"] {
        let (s, body) = anon_get(&app, &search_path("离婚", &format!("&as_of={as_of}"))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{as_of}: {body}");
        assert_eq!(crate::helpers::error_fields(&body), vec!["as_of"], "{as_of}");
        assert!(body["error"]["message"].as_str().unwrap().contains("日期"), "{body}");
    }

    // Articles at stable addresses.
    let (s, a) = anon_get(&app, "/api/v1/laws/法律援助法/articles/43").await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["label"], "第四十三条");
    assert!(a["text"].as_str().unwrap().contains("七日内"));
    let (s, _) = anon_get(&app, "/api/v1/laws/法律援助法/articles/999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, body) = anon_get(&app, "/api/v1/laws/法律援助法/articles/abc").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, _) = anon_get(&app, "/api/v1/laws/不存在的法").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, catalogue) = anon_get(&app, "/api/v1/laws").await;
    assert_eq!(catalogue["total"], 3, "three laws (cases are documents, not laws): {catalogue}");

    // Q&A: articles grouped by law, and next steps with their legal basis.
    let (s, answer) =
        anon_post(&app, "/api/v1/qa", json!({"question": "老板拖欠我三个月工资怎么办？", "region": "220802100000"}))
            .await;
    assert_eq!(s, StatusCode::OK, "{answer}");
    assert_eq!(answer["groups"][0]["law"], "法律援助法", "{answer}");
    assert_eq!(answer["groups"][0]["articles"][0]["article"], 31);
    let steps: Vec<&str> = answer["next_steps"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(steps.contains(&"legal_aid") && steps.contains(&"labour_mediation"), "{steps:?}");
    let aid = answer["next_steps"].as_array().unwrap().iter().find(|s| s["id"] == "legal_aid").unwrap();
    assert_eq!(aid["source"], "法律援助法 第三十一条");
    assert_eq!(answer["hotline"], "12348");
    assert!(!answer["service_points"].as_array().unwrap().is_empty(), "the nearest service point: {answer}");
    let (_, overtime) = anon_post(&app, "/api/v1/qa", json!({"question": "加班费的仲裁时效怎么算"})).await;
    let cases: Vec<&str> = overtime["cases"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(cases, vec!["加班费的仲裁时效应当如何认定"], "published cases only, not other documents");
    for bad in [
        json!({"question": ""}),
        json!({"question": "？"}),
        json!({"question": "工资", "region": "12"}),
        json!({"question": "工资", "as_of": "1900-01-01"}),
    ] {
        let (s, body) = anon_post(&app, "/api/v1/qa", bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(crate::helpers::error_fields(&body).len(), 1, "{bad}: {body}");
    }

    // The pages render the same answers in Chinese.
    let page = app.client.get(app.url("/qa?kiosk=1&q=老板拖欠工资怎么办")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("申请法律援助") && page.contains("第三十一条") && page.contains("data-kiosk-home"), "{page}");
    let page = app.client.get(app.url("/laws/民法典/1079")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("第一千零七十九条") && page.contains("现行有效"));
    let page = app.client.get(app.url("/laws?q=离婚")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<mark>离婚</mark>"), "highlighted");
    app.stop().await;
}

/// `../shared/laws` beside the checkout, or `GONGDAO_LAWS_DIR`.
pub fn real_corpus() -> Option<PathBuf> {
    let dir = std::env::var("GONGDAO_LAWS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/laws"));
    if dir.join("README.md").exists() {
        Some(dir)
    } else if in_ci() {
        panic!("CI=true but the law corpus is not at {} (set GONGDAO_LAWS_DIR)", dir.display());
    } else {
        eprintln!("SKIP real corpus: {} is not there", dir.display());
        None
    }
}

/// Questions of the development set (../shared/qa-dev/stard-dev.jsonl) that must find
/// one of their articles in the top five.
const DEV_MUST_FIND: &[&str] = &[
    "stard-39",
    "stard-69",
    "stard-108",
    "stard-134",
    "stard-170",
    "stard-199",
    "stard-237",
    "stard-261",
    "stard-276",
    "stard-298",
    "stard-317",
    "stard-358",
    "stard-488",
    "stard-501",
    "stard-522",
    "stard-570",
    "stard-605",
    "stard-684",
    "stard-692",
    "stard-701",
    "stard-737",
    "stard-764",
    "stard-814",
    "stard-1002",
    "stard-1046",
    "stard-1073",
    "stard-1107",
    "stard-1199",
    "stard-1253",
    "stard-1263",
    "stard-1275",
    "stard-1293",
    "stard-1301",
    "stard-1309",
    "stard-1341",
    "stard-1350",
];

/// Questions of the project's own set (data/laws/qa-local.jsonl) that must find one of
/// their articles in the top five.
const LOCAL_MUST_FIND: &[&str] = &[
    "local-001",
    "local-005",
    "local-009",
    "local-014",
    "local-021",
    "local-028",
    "local-032",
    "local-035",
    "local-038",
    "local-042",
    "local-045",
    "local-050",
    "local-056",
    "local-060",
    "local-066",
    "local-074",
    "local-083",
    "local-088",
    "local-096",
    "local-100",
    "local-109",
    "local-112",
    "local-117",
    "local-124",
];

#[tokio::test]
async fn the_real_corpus_imports_and_answers() {
    let Some(dir) = real_corpus() else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let first = import(&app, &dir).await;
    let counts = gongdao_store::laws::counts(app.services.store().reader()).await.unwrap();
    assert!(counts.laws > 1000, "{counts:?}");
    assert!((60_000..70_000).contains(&counts.articles), "{counts:?}");
    assert!(counts.cases > 50, "{counts:?}");
    assert!(first.errors.len() < 10, "{:?}", first.errors);
    assert_eq!(first.duplicates.len(), 4, "{:?}", first.duplicates);
    let index = app.services.law_base().ready().unwrap();
    assert_eq!(index.segment_count(), 1, "the index is merged into one segment");

    let (_, aid) = anon_get(&app, "/api/v1/laws/法律援助法/articles/43").await;
    assert!(aid["text"].as_str().unwrap_or("").contains("七日内"), "{aid}");
    let (_, divorce) = anon_get(&app, "/api/v1/laws/民法典/articles/1079").await;
    assert!(divorce["text"].as_str().unwrap_or("").contains("离婚"), "{divorce}");
    let (_, dui) = anon_get(&app, "/api/v1/laws/刑法/articles/133-1").await;
    assert_eq!(dui["label"], "第一百三十三条之一", "{dui}");

    let again = app.services.import_laws(&dir, |_| {}).await.unwrap();
    assert_eq!((again.versions_added, again.versions_replaced), (0, 0), "a second import changes nothing");

    let mut questions = gongdao_lawbase::eval::read_questions(&dir.join("../qa-dev/stard-dev.jsonl")).unwrap();
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/laws/qa-local.jsonl");
    questions.extend(gongdao_lawbase::eval::read_questions(&local).unwrap());
    let mut missed = Vec::new();
    for id in DEV_MUST_FIND.iter().chain(LOCAL_MUST_FIND) {
        let q = questions.iter().find(|q| q.id == *id).expect("question in the dev set");
        let (_, body) = anon_get(&app, &search_path(&q.question, "&limit=5")).await;
        let results: Vec<(String, u32)> = body["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["law"].as_str().unwrap().to_string(), h["article"].as_u64().unwrap() as u32))
            .collect();
        if gongdao_lawbase::eval::first_rank(q, &results).is_none() {
            missed.push(format!("{} {} want {}{:?} got {results:?}", q.id, q.question, q.law, q.articles));
        }
    }
    assert!(missed.is_empty(), "{missed:#?}");
    app.stop().await;
}

#[tokio::test]
async fn a_district_lexicon_is_used_and_a_bad_one_stops_the_start() {
    let db = crate::helpers::TestDb::new(Backend::Sqlite).await;
    let mut settings = crate::helpers::test_settings(&db);
    let bad = db.dir.path().join("lexicon.toml");
    std::fs::write(&bad, "[ranking]\ntitle = \"heavy\"\n").unwrap();
    settings.law_lexicon = Some(bad.clone());
    let err = gongdao::start(&settings).await.err().expect("a bad lexicon stops the start");
    assert!(err.to_string().contains("lexicon.toml") && err.to_string().contains("检索词表"), "{err}");

    // A district's own word, which no law uses: 散伙 is taught to mean 离婚.
    let good = db.dir.path().join("district.toml");
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/laws/lexicon.toml")).unwrap();
    std::fs::write(&good, format!("{shipped}\n[[synonym]]\nsay = [\"散伙\"]\nlaw = [\"离婚\"]\nlaws = [\"民法典\"]\n"))
        .unwrap();
    settings.law_lexicon = Some(good);
    let running = gongdao::start(&settings).await.expect("starts with the district's lexicon");
    let corpus = tempfile::tempdir().unwrap();
    fixture_corpus(corpus.path());
    running.services.import_laws(corpus.path(), |_| {}).await.unwrap();
    running.services.refresh_law_index().await.unwrap();
    let input = gongdao_services::laws::LawSearchInput { q: "想散伙".into(), ..Default::default() };
    let hits = running.services.search_laws(&input).await.unwrap().hits;
    assert!(!hits.is_empty(), "the district's word found the law");
    assert_eq!((hits[0].law.as_str(), hits[0].article), ("民法典", 1079), "{hits:?}");
    running.stop().await;
}
