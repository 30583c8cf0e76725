//! The deadline calculator: every intake and every step computes one or two deadlines,
//! so a computation must cost well under a microsecond. Starts are spread over the
//! two shipped years, with the periods the deadline file uses.

use std::hint::black_box;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gongdao_domain::calendar::{Calendar, HolidayYear, Period};

fn shipped_calendar() -> Calendar {
    let years = ["2025", "2026"]
        .iter()
        .map(|y| {
            let path = format!("{}/../../data/calendar/{y}.toml", env!("CARGO_MANIFEST_DIR"));
            HolidayYear::parse(&std::fs::read_to_string(&path).expect("shipped holiday file")).expect("valid")
        })
        .collect();
    Calendar::new(years).expect("valid calendar")
}

/// One start per 7 hours over 2025 and 2026: every weekday, holiday and 调休 day.
fn starts() -> Vec<NaiveDateTime> {
    let first = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date").and_time(NaiveTime::from_hms_opt(9, 30, 0).unwrap());
    (0..2 * 365 * 24 / 7).map(|i| first + Duration::hours(7 * i)).collect()
}

fn deadlines(c: &mut Criterion) {
    let calendar = shipped_calendar();
    let starts = starts();
    let mut group = c.benchmark_group("deadline");
    let cases = [
        ("7日", Period::days(7)),
        ("3个工作日", Period::working_days(3)),
        ("15个工作日", Period::working_days(15)),
        ("1个月", Period::months(1)),
    ];
    for (name, period) in cases {
        group.throughput(Throughput::Elements(starts.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                for start in &starts {
                    black_box(calendar.due(black_box(*start), period));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, deadlines);
criterion_main!(benches);
