//! The eligibility engine (issue 20): every interview, kiosk check and staff form asks
//! it, so one evaluation must cost microseconds. The applications are a spread over
//! every case type, matter and group, as the public check receives them. The baseline
//! in the same run is reading the application's facts alone (building the input).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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

criterion_group!(benches, eligibility);
criterion_main!(benches);
