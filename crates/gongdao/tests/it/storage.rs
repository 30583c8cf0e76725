//! The storage conformance suite: the same stories on SQLite and PostgreSQL.

use chrono::Utc;
use gongdao_domain::DivisionCode;
use gongdao_domain::auth::Scope;
use gongdao_domain::ids::InstitutionId;
use gongdao_domain::network::{InstitutionInput, PersonInput};
use gongdao_services::{ServiceConfig, Services};
use gongdao_store::institutions::InstitutionFilter;
use gongdao_store::people::PersonFilter;
use gongdao_store::{
    ConnectionTrait, Page, PiiCipher, Store, StoreError, StoreOptions, Versioned, institutions, people, regions,
    sessions,
};

use crate::helpers::{Backend, TestDb, backends, id_number};

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse("code", s).expect("valid code")
}

async fn open(db: &TestDb) -> Store {
    Store::open(&StoreOptions { url: db.url.clone(), max_connections: 4 }).await.expect("store opens")
}

async fn seeded(backend: Backend) -> (TestDb, Services) {
    let db = TestDb::new(backend).await;
    let store = open(&db).await;
    let services = Services::new(store, PiiCipher::new(&[9u8; 32]), ServiceConfig::new(code("220802")));
    let report = services.seed_demo("gongdao-demo").await.expect("seed");
    assert!(report.seeded);
    (db, services)
}

#[tokio::test]
async fn migrations_rerun_cleanly_and_the_demo_seeds_once() {
    for backend in backends() {
        let (db, services) = seeded(backend).await;
        let first = regions::count_all(services.store().reader()).await.unwrap();
        assert_eq!(first, 172, "{backend:?}");
        // A second start migrates nothing and seeds nothing.
        let store = open(&db).await;
        let again = Services::new(store, PiiCipher::new(&[9u8; 32]), ServiceConfig::new(code("220802")));
        let report = again.seed_demo("gongdao-demo").await.unwrap();
        assert!(!report.seeded, "{backend:?}");
        assert_eq!(regions::count_all(again.store().reader()).await.unwrap(), first);
        let district = Scope::new(code("220802"));
        let filter = InstitutionFilter {
            kind: Some(gongdao_domain::network::InstitutionType::Workstation),
            ..Default::default()
        };
        let (_, workstations) =
            institutions::list(again.store().reader(), district, &filter, Page::default()).await.unwrap();
        assert_eq!(workstations, 22, "{backend:?}");
    }
}

#[tokio::test]
async fn an_unknown_database_url_is_an_error_not_an_empty_database() {
    let err = Store::open(&StoreOptions { url: "mysql://localhost/x".into(), max_connections: 1 }).await.unwrap_err();
    assert!(err.to_string().contains("不支持的数据库地址"), "{err}");
}

#[tokio::test]
async fn scope_is_applied_inside_the_queries() {
    for backend in backends() {
        let (_db, services) = seeded(backend).await;
        let reader = services.store().reader();
        let township = Scope::new(code("220802100000"));
        let district = Scope::new(code("220802"));
        let (all, total_district) =
            institutions::list(reader, district, &InstitutionFilter::default(), Page::new(1000, 0)).await.unwrap();
        let (mine, total_township) =
            institutions::list(reader, township, &InstitutionFilter::default(), Page::new(1000, 0)).await.unwrap();
        assert!(total_township > 0 && total_township < total_district, "{backend:?}");
        assert!(mine.iter().all(|i| township.contains(i.region)), "{backend:?}");
        let outside = all.iter().find(|i| !township.contains(i.region)).expect("an institution elsewhere");
        assert!(institutions::get(reader, township, outside.id).await.unwrap().is_none(), "{backend:?}");
        assert!(institutions::get(reader, district, outside.id).await.unwrap().is_some());
        let (people_in_township, _) =
            people::list(reader, township, &PersonFilter::default(), Page::new(1000, 0)).await.unwrap();
        assert!(!people_in_township.is_empty() && people_in_township.iter().all(|p| township.contains(p.region)));
        let regions_in_township = regions::list(reader, township).await.unwrap();
        assert!(regions_in_township.iter().all(|r| township.contains(r.code)));
        assert_eq!(regions_in_township[0].code, code("220802100000"));
        // A write outside the scope touches nothing.
        assert!(!institutions::delete(services.store().writer(), township, outside.id).await.unwrap());
        assert!(institutions::get(reader, district, outside.id).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn updates_are_guarded_by_versions() {
    for backend in backends() {
        let (_db, services) = seeded(backend).await;
        let store = services.store();
        let district = Scope::new(code("220802"));
        let draft = InstitutionInput {
            kind: "law_firm".into(),
            name: "吉林测试律师事务所".into(),
            region: "220802".into(),
            services: vec!["consultation".into()],
            ..Default::default()
        }
        .parse()
        .unwrap();
        let created = institutions::insert(store.writer(), &draft, Utc::now()).await.unwrap();
        assert_eq!(created.version, 1);
        assert_eq!(created.region_name, "洮北区");
        let renamed =
            gongdao_domain::network::InstitutionDraft { name: "吉林新名律师事务所".into(), ..draft.clone() };
        let Versioned::Updated(updated) =
            institutions::update(store.writer(), district, created.id, 1, &renamed, Utc::now()).await.unwrap()
        else {
            panic!("first update wins ({backend:?})");
        };
        assert_eq!(updated.version, 2);
        // A second writer who read version 1 loses, and learns the current version.
        let stale = institutions::update(store.writer(), district, created.id, 1, &draft, Utc::now()).await.unwrap();
        assert_eq!(stale, Versioned::Stale { current: 2 }, "{backend:?}");
        let missing = institutions::update(store.writer(), district, InstitutionId(999_999), 1, &draft, Utc::now())
            .await
            .unwrap();
        assert_eq!(missing, Versioned::NotFound);
        let now = institutions::get(store.reader(), district, created.id).await.unwrap().unwrap();
        assert_eq!(now.name, "吉林新名律师事务所");
    }
}

#[tokio::test]
async fn personal_data_is_sealed_at_rest_and_unique() {
    for backend in backends() {
        let (_db, services) = seeded(backend).await;
        let store = services.store();
        let cipher = PiiCipher::new(&[9u8; 32]);
        let district = Scope::new(code("220802"));
        let id = id_number("22080219750612123");
        let input = PersonInput {
            kind: "volunteer".into(),
            name: "测试志愿者".into(),
            region: Some("220802100201".into()),
            id_number: Some(id.clone()),
            phone: Some("13912345678".into()),
            ..Default::default()
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let draft = input.parse(today).unwrap();
        let person = people::insert(store.writer(), &cipher, &draft, code("220802100201"), Utc::now()).await.unwrap();
        assert_eq!(person.phone_masked.as_deref(), Some("139****5678"));
        assert_eq!(person.id_number_masked.as_deref(), Some(format!("2208**********{}", &id[14..]).as_str()));
        // What is stored is neither the number nor the phone.
        let row = store
            .reader()
            .query_one_raw(sea_orm::Statement::from_string(
                store.reader().get_database_backend(),
                format!("SELECT id_number_enc, phone_enc FROM people WHERE id = {}", person.id),
            ))
            .await
            .unwrap()
            .unwrap();
        let sealed_id: String = row.try_get_by_index(0).unwrap();
        let sealed_phone: String = row.try_get_by_index(1).unwrap();
        assert!(!sealed_id.contains(&id[..10]) && !sealed_phone.contains("1391234"), "{backend:?}");
        let clear = people::personal_data(store.reader(), &cipher, district, person.id).await.unwrap().unwrap();
        assert_eq!(clear.id_number.as_deref(), Some(id.as_str()));
        assert_eq!(clear.phone.as_deref(), Some("13912345678"));
        assert_eq!(people::find_by_id_number(store.reader(), &cipher, &id).await.unwrap(), Some(person.id));
        // The same ID number a second time is refused by the blind index.
        let err = people::insert(store.writer(), &cipher, &draft, code("220802100201"), Utc::now()).await.unwrap_err();
        assert!(err.is_unique_on("id_number_hash"), "{backend:?}: {err}");
    }
}

#[tokio::test]
async fn the_audit_trail_refuses_updates_and_deletes() {
    for backend in backends() {
        let (_db, services) = seeded(backend).await;
        let writer = services.store().writer();
        let backend_kind = writer.get_database_backend();
        for sql in ["UPDATE audit_log SET summary = 'x'", "DELETE FROM audit_log"] {
            let result = writer.execute_raw(sea_orm::Statement::from_string(backend_kind, sql)).await;
            assert!(result.is_err(), "{backend:?}: {sql} must fail");
        }
    }
}

#[tokio::test]
async fn an_uncommitted_transaction_leaves_nothing() {
    for backend in backends() {
        let (_db, services) = seeded(backend).await;
        let store = services.store();
        let district = Scope::new(code("220802"));
        let draft = InstitutionInput {
            kind: "law_firm".into(),
            name: "未提交律师事务所".into(),
            region: "220802".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        {
            let tx = store.begin().await.unwrap();
            institutions::insert(&tx, &draft, Utc::now()).await.unwrap();
            // dropped without commit
        }
        let filter = InstitutionFilter { text: Some("未提交".into()), ..Default::default() };
        let (_, n) = institutions::list(store.reader(), district, &filter, Page::default()).await.unwrap();
        assert_eq!(n, 0, "{backend:?}");
    }
}

#[tokio::test]
async fn regions_keep_their_tree() {
    for backend in backends() {
        let (_db, services) = seeded(backend).await;
        let writer = services.store().writer();
        // A village under a township that does not exist violates the foreign key.
        let orphan = gongdao_domain::network::RegionDraft { code: code("220802555201"), name: "孤村".into() };
        let err = regions::insert(writer, &orphan, Utc::now()).await.unwrap_err();
        assert!(matches!(err, StoreError::ForeignKey(_)), "{backend:?}: {err}");
        // A township still holding institutions cannot be deleted.
        let err = regions::delete(writer, Scope::new(code("220802")), code("220802100000")).await.unwrap_err();
        assert!(matches!(err, StoreError::ForeignKey(_)), "{backend:?}: {err}");
    }
}

#[tokio::test]
async fn failed_logins_are_counted_per_account_since_the_last_success() {
    for backend in backends() {
        let (_db, services) = seeded(backend).await;
        let writer = services.store().writer();
        let t0 = Utc::now() - chrono::Duration::minutes(10);
        for i in 0..3 {
            sessions::record_attempt(writer, "window", "10.0.0.1", t0 + chrono::Duration::seconds(i), false)
                .await
                .unwrap();
        }
        let since = Utc::now() - chrono::Duration::minutes(15);
        assert_eq!(sessions::failures_for_user(writer, "window", since).await.unwrap(), 3, "{backend:?}");
        assert_eq!(sessions::failures_for_ip(writer, "10.0.0.1", since).await.unwrap(), 3);
        sessions::record_attempt(writer, "window", "10.0.0.1", t0 + chrono::Duration::seconds(10), true).await.unwrap();
        sessions::record_attempt(writer, "window", "10.0.0.1", t0 + chrono::Duration::seconds(20), false)
            .await
            .unwrap();
        assert_eq!(sessions::failures_for_user(writer, "window", since).await.unwrap(), 1, "{backend:?}");
        assert_eq!(sessions::failures_for_ip(writer, "10.0.0.1", since).await.unwrap(), 4);
    }
}

#[tokio::test]
async fn the_synthetic_generator_builds_a_consistent_network() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let store = open(&db).await;
        let services = Services::new(store, PiiCipher::new(&[1u8; 32]), ServiceConfig::new(code("520000")));
        let spec = gongdao_services::demo::SynthSpec {
            districts: 3,
            townships: 12,
            villages: 60,
            people: 500,
            ..Default::default()
        };
        let report = services.synthesize(&spec, |_| {}).await.unwrap();
        assert_eq!(report.people, 500);
        let reader = services.store().reader();
        let province = Scope::new(code("520000"));
        let (_, people_total) =
            people::list(reader, province, &PersonFilter::default(), Page::new(1, 0)).await.unwrap();
        assert_eq!(people_total, 500, "{backend:?}");
        assert_eq!(regions::list(reader, province).await.unwrap().len(), report.regions);
        // Running it again on the same database is refused.
        assert!(services.synthesize(&spec, |_| {}).await.is_err());
    }
}
