//! The eligibility engine (issue 20): every interview, kiosk check and staff form asks
//! it, so one evaluation must cost microseconds. The applications are a spread over
//! every case type, matter and group, as the public check receives them. The baseline
//! in the same run is reading the application's facts alone (building the input).
//! Assignment: 10,000 pending cases over 500 candidates must take under a second.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gongdao_domain::DivisionCode;
use gongdao_domain::legal_aid::assignment::{Areas, Candidate, CandidateKind, Needs, assign_all};
use gongdao_domain::legal_aid::{
    Applicant, Application, CaseType, CriminalFacts, EligibilityRules, Fen, Household, Matter, Sentence, evaluate,
};
use gongdao_domain::request::Group;

fn applications() -> Vec<Application> {
    (0..4096usize)
        .map(|i| Application {
            case_type: CaseType::ALL[i % CaseType::ALL.len()],
            matter: Some(Matter::ALL[(i / 7) % Matter::ALL.len()]),
            applicant: Applicant {
                groups: (0..i % 3).map(|k| Group::ALL[(i + 3 * k) % Group::ALL.len()]).collect(),
                no_fixed_income: i % 5 == 0,
                social_assistance: i % 11 == 0,
                household: (i % 4 != 0)
                    .then(|| Household { size: 1 + (i % 5) as u32, monthly_income: Fen((i as i64 * 997) % 1_200_000) }),
            },
            criminal: CriminalFacts {
                minor: i % 13 == 0,
                possible_sentence: Some(Sentence::ALL[i % 3]),
                ..CriminalFacts::default()
            },
        })
        .collect()
}

fn eligibility(c: &mut Criterion) {
    let path = format!("{}/../../data/legal-aid/eligibility.toml", env!("CARGO_MANIFEST_DIR"));
    let rules = EligibilityRules::parse(&std::fs::read_to_string(path).expect("shipped file")).expect("valid");
    let apps = applications();
    let mut group = c.benchmark_group("legal_aid");
    group.throughput(Throughput::Elements(apps.len() as u64));
    group.bench_function("clone the application (baseline)", |b| {
        b.iter(|| {
            for a in &apps {
                black_box(black_box(a).clone());
            }
        })
    });
    group.bench_function("evaluate", |b| {
        b.iter(|| {
            for a in &apps {
                black_box(evaluate(&rules, black_box(a)));
            }
        })
    });
    group.finish();
}

/// 500 candidates of a province-sized pool (lawyers, grassroots workers, staff; each
/// with specialties, a township, a load and a register of a dozen clients) and 10,000
/// pending cases with an opponent each: a dispatcher rebalancing a province.
fn pool() -> (Vec<Candidate>, Vec<Needs>) {
    let specialties = ["劳动争议", "婚姻家庭", "交通事故", "土地承包", "刑事辩护", "行政诉讼", "合同纠纷"];
    let township = |i: usize| {
        DivisionCode::parse("region", &format!("220802{:03}000", [1, 2, 3, 100, 101, 200, 201][i % 7])).expect("code")
    };
    let candidates = (0..500usize)
        .map(|i| {
            let mut clients: Vec<String> = (0..12).map(|k| format!("{:064x}", i * 7919 + k * 104_729)).collect();
            clients.sort();
            Candidate {
                person_id: i as i64 + 1,
                name: format!("候选人{i}"),
                kind: match i % 10 {
                    0 => CandidateKind::GrassrootsWorker,
                    1 => CandidateKind::Staff,
                    _ => CandidateKind::Lawyer,
                },
                firm_id: Some((i / 8) as i64),
                region: township(i),
                areas: Areas::of_specialties([specialties[i % 7], specialties[(i / 7) % 7]]),
                practice_years: (i % 30) as u32,
                open_cases: (i % 6) as u32,
                recent_assignments: (i % 4) as u32,
                clients,
            }
        })
        .collect();
    let cases = (0..10_000usize)
        .map(|i| Needs {
            case_type: CaseType::ALL[i % CaseType::ALL.len()],
            matter: Some(Matter::ALL[(i / 3) % Matter::ALL.len()]),
            region: township(i / 5),
            opponents: vec![format!("{:064x}", (i % 500) * 7919 + (i % 12) * 104_729)],
            life_or_death: i % 17 == 0,
            minor: i % 19 == 0,
        })
        .collect();
    (candidates, cases)
}

fn assignment(c: &mut Criterion) {
    let (candidates, cases) = pool();
    let mut group = c.benchmark_group("legal_aid_assignment");
    group.sample_size(10);
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("clone 500 candidates (baseline)", |b| b.iter(|| black_box(candidates.clone())));
    group.bench_function("assign 10000 cases over 500 candidates", |b| {
        b.iter(|| {
            let mut pool = candidates.clone();
            black_box(assign_all(black_box(&cases), &mut pool))
        })
    });
    group.finish();
}

criterion_group!(benches, eligibility, assignment);
criterion_main!(benches);
