//! Properties of the rules every deadline and every scope check rests on, over
//! generated inputs (proptest): the calendar against 民法典 第二百零一条 to 第二百零三条,
//! the deadline editor's round trip, the scope filter against the region tree, and the
//! legal aid eligibility engine.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use gongdao_domain::DivisionCode;
use gongdao_domain::auth::Scope;
use gongdao_domain::calendar::{Calendar, HolidayYear, Period};
use gongdao_domain::deadline::DeadlineTable;
use gongdao_domain::request::{Category, Step};
use gongdao_domain::rule_file::set_deadline;
use proptest::prelude::*;

fn calendar() -> Calendar {
    let y2025 = HolidayYear::parse(include_str!("../../../data/calendar/2025.toml")).unwrap();
    let y2026 = HolidayYear::parse(include_str!("../../../data/calendar/2026.toml")).unwrap();
    Calendar::new(vec![y2025, y2026]).unwrap()
}

/// A start inside the years the shipped calendar covers, at any minute of the day.
fn start() -> impl Strategy<Value = chrono::NaiveDateTime> {
    (0i64..700, 0u32..24 * 60).prop_map(|(day, minute)| {
        (NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + Duration::days(day))
            .and_time(NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0).unwrap())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// 第二百零一条, 第二百零三条: a period of days counts from the next day; its last
    /// day, when a rest day, moves to the first working day after — and no further.
    #[test]
    fn days_end_on_the_first_working_day_from_the_counted_end(start in start(), n in 0u32..60) {
        let c = calendar();
        let due = c.due(start, Period::days(n));
        let counted_end = start.date() + Duration::days(i64::from(n));
        prop_assert!(due.last_day >= counted_end);
        prop_assert!(c.is_workday(due.last_day));
        let mut d = counted_end;
        while d < due.last_day {
            prop_assert!(!c.is_workday(d), "{} is a working day before {}", d, due.last_day);
            d += Duration::days(1);
        }
        // 第二百零三条: the period ends at 24:00 of its last day.
        prop_assert_eq!(due.at, (due.last_day + Duration::days(1)).and_time(NaiveTime::MIN));
    }

    /// Working days: exactly n working days after the start day, the last one of them.
    #[test]
    fn working_days_count_exactly(start in start(), n in 1u32..40) {
        let c = calendar();
        let due = c.due(start, Period::working_days(n));
        prop_assert!(c.is_workday(due.last_day));
        let mut counted = 0;
        let mut d = start.date();
        while d < due.last_day {
            d += Duration::days(1);
            if c.is_workday(d) {
                counted += 1;
            }
        }
        prop_assert_eq!(counted, n);
    }

    /// 第二百零二条: a period of months ends on the corresponding day, or the month's
    /// last day when it has none, then moves past rest days.
    #[test]
    fn months_end_on_the_corresponding_day(start in start(), n in 1u32..12) {
        let c = calendar();
        let due = c.due(start, Period::months(n));
        let s = start.date();
        let months = s.year() * 12 + s.month0() as i32 + n as i32;
        let (y, m) = (months / 12, months % 12 + 1);
        let corresponding = (1..=s.day()).rev().find_map(|d| NaiveDate::from_ymd_opt(y, m as u32, d)).unwrap();
        prop_assert!(due.last_day >= corresponding);
        prop_assert!(c.is_workday(due.last_day));
        prop_assert!((due.last_day - corresponding).num_days() <= 10, "no rest period is longer than ten days");
    }

    /// A longer period never ends earlier, whatever the unit.
    #[test]
    fn longer_periods_never_end_earlier(start in start(), a in 0u32..50, b in 0u32..50, unit in 0usize..4) {
        let c = calendar();
        let (short, long) = (a.min(b), a.max(b));
        let period = |n| match unit {
            0 => Period::days(n),
            1 => Period::working_days(n),
            2 => Period::months(n),
            _ => Period::hours(n),
        };
        prop_assert!(c.due(start, period(short)).at <= c.due(start, period(long)).at);
    }

    /// Any start and any period a file can hold: an answer, never a panic.
    #[test]
    fn any_date_and_period_has_an_answer(days in -1_000_000i64..3_000_000, n in 0u32..=3650, unit in 0usize..4) {
        let c = calendar();
        let start = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap().checked_add_signed(Duration::days(days));
        if let Some(start) = start {
            let period = [Period::days(n), Period::working_days(n), Period::months(n), Period::hours(n)][unit];
            let due = c.due(start.and_time(NaiveTime::MIN), period);
            prop_assert!(due.at >= start.and_time(NaiveTime::MIN));
        }
    }

    /// The deadline form writes a period into the file that the file then holds.
    #[test]
    fn the_deadline_editor_round_trips(n in 1u32..=365, unit in 0usize..3, category in 0usize..64, step in 0usize..3) {
        let shipped = include_str!("../../../data/deadlines.toml");
        let category = Category::ALL[category % Category::ALL.len()];
        let step = Step::ALL[step % Step::ALL.len()];
        let period = [Period::days(n), Period::working_days(n), Period::months(n.min(36))][unit];
        let edited = set_deadline(shipped, category, step, &period.to_string());
        if let Ok(text) = edited {
            let table = DeadlineTable::parse(&text).unwrap();
            prop_assert_eq!(table.rule(category, step).period, period);
        }
    }
}

/// A division code: a province, then city, county, township and village parts, each
/// zero from some level on.
fn division() -> impl Strategy<Value = DivisionCode> {
    (prop::sample::select(vec![11u64, 22, 44, 52, 65]), 0u64..3, 0u64..3, 0u64..4, 0u64..4, 0usize..5).prop_map(
        |(province, city, county, township, village, depth)| {
            let parts = [city, county, township, village];
            let mut value = province * 10_000_000_000;
            let units = [100_000_000u64, 1_000_000, 1_000, 1];
            for (i, part) in parts.iter().enumerate().take(depth) {
                value += (part + 1) * units[i];
            }
            DivisionCode::from_number(value).expect("built by the rules")
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5000, ..ProptestConfig::default() })]

    /// The scope filter (a numeric range in every query) agrees with the region tree:
    /// a region is in a scope exactly when the scope's root is itself or one of its
    /// ancestors.
    #[test]
    fn the_scope_range_is_the_region_subtree(root in division(), other in division()) {
        let mut ancestors = vec![other];
        let mut up = other;
        while let Some(p) = up.parent() {
            ancestors.push(p);
            up = p;
        }
        let in_tree = ancestors.contains(&root);
        prop_assert_eq!(Scope::new(root).contains(other), in_tree);
        let (lo, hi) = Scope::new(root).bounds();
        prop_assert_eq!((lo..=hi).contains(&other.to_db()), in_tree);
        prop_assert_eq!(Scope::new(root).covers(Scope::new(other)), in_tree);
    }
}

mod legal_aid {
    use gongdao_domain::legal_aid::{
        Applicant, Application, CaseType, CriminalFacts, EligibilityRules, Fen, Hardship, Household, Matter, Sentence,
        Verdict, evaluate,
    };
    use gongdao_domain::request::Group;
    use proptest::prelude::*;

    fn rules() -> EligibilityRules {
        EligibilityRules::parse(include_str!("../../../data/legal-aid/eligibility.toml")).unwrap()
    }

    prop_compose! {
        fn application()(
            case_type in proptest::sample::select(CaseType::ALL),
            matter in proptest::option::of(proptest::sample::select(Matter::ALL)),
            groups in proptest::sample::subsequence(Group::ALL, 0..4),
            flags in any::<[bool; 8]>(),
            household in proptest::option::of((1u32..=30, 0i64..5_000_000)),
            sentence in proptest::option::of(proptest::sample::select(Sentence::ALL)),
        ) -> Application {
            Application {
                case_type,
                matter,
                applicant: Applicant {
                    groups,
                    no_fixed_income: flags[0],
                    social_assistance: flags[1],
                    household: household.map(|(size, fen)| Household { size, monthly_income: Fen(fen) }),
                },
                criminal: CriminalFacts {
                    minor: flags[2],
                    sensory_disability: flags[3],
                    mental_incapacity: flags[4],
                    possible_sentence: sentence,
                    death_penalty_review: flags[5],
                    in_absentia: flags[6],
                },
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5000, ..ProptestConfig::default() })]

        /// Every verdict gives a reason with a source; an eligible verdict never rests on
        /// a hardship standard that was not met; unknown facts never refuse.
        #[test]
        fn every_verdict_has_its_reasons_and_agrees_with_the_hardship(app in application()) {
            let e = evaluate(&rules(), &app);
            prop_assert!(!e.reasons.is_empty());
            prop_assert!(!(e.verdict == Verdict::Eligible && e.hardship == Hardship::NotMet));
            prop_assert!(!(e.verdict == Verdict::NotEligible && e.hardship == Hardship::Unknown));
        }

        /// Less income never makes an application worse.
        #[test]
        fn less_income_never_turns_a_yes_into_a_no(app in application(), less in 0i64..5_000_000) {
            let rules = rules();
            let rank = |v: Verdict| match v { Verdict::NotEligible => 0, Verdict::NeedsReview => 1, Verdict::Eligible => 2 };
            let before = evaluate(&rules, &app);
            let mut poorer = app.clone();
            if let Some(h) = poorer.applicant.household.as_mut() {
                h.monthly_income = Fen((h.monthly_income.0 - less).max(0));
            }
            prop_assert!(rank(evaluate(&rules, &poorer).verdict) >= rank(before.verdict));
        }
    }
}
