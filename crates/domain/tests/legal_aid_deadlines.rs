//! The statutory limits of a legal aid case counted on the platform calendar, as the
//! shipped deadline file states them (法律援助法 第三十六、四十三、四十九条; “日” counted as
//! 民法典 第二百零一条至第二百零三条 count them: the first day not counted, a last day
//! falling on a holiday moved to the first working day after it).

use chrono::{NaiveDate, NaiveDateTime};
use gongdao_domain::calendar::{Calendar, HolidayYear};
use gongdao_domain::deadline::DeadlineTable;

fn calendar() -> Calendar {
    Calendar::new(vec![
        HolidayYear::parse(include_str!("../../../data/calendar/2025.toml")).unwrap(),
        HolidayYear::parse(include_str!("../../../data/calendar/2026.toml")).unwrap(),
    ])
    .unwrap()
}

fn table() -> DeadlineTable {
    DeadlineTable::parse(include_str!("../../../data/deadlines.toml")).unwrap()
}

fn at(day: &str, time: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(&format!("{day} {time}"), "%Y-%m-%d %H:%M").unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn a_notice_the_day_before_national_day_is_assigned_after_the_holiday() {
    let t = table();
    assert!(t.legal_aid.notice_assign.source.contains("第三十六条"));
    // Three days from 30 September end on 3 October, inside the holiday (1–7 October):
    // the last day moves to Thursday 8 October.
    let due = calendar().due(at("2026-09-30", "16:20"), t.legal_aid.notice_assign.period);
    assert_eq!(due.last_day, day("2026-10-08"));
    assert_eq!(due.at, at("2026-10-09", "00:00"));
    assert!(!due.estimated);
}

#[test]
fn an_application_completed_on_a_friday_is_decided_within_seven_days() {
    let t = table();
    assert!(t.legal_aid.decide.source.contains("第四十三条"));
    let c = calendar();
    // An ordinary Friday: seven days end on the next Friday.
    assert_eq!(c.due(at("2026-12-04", "17:30"), t.legal_aid.decide.period).last_day, day("2026-12-11"));
    // Friday 18 September: the seventh day is 25 September, 中秋节; moved to Monday 28.
    assert_eq!(c.due(at("2026-09-18", "10:00"), t.legal_aid.decide.period).last_day, day("2026-09-28"));
    // The decision on that Friday: three days to assign end on Monday.
    assert_eq!(c.due(at("2026-12-04", "17:30"), t.legal_aid.assign.period).last_day, day("2026-12-07"));
}

#[test]
fn an_objection_filed_before_the_spring_festival_is_reviewed_after_it() {
    let t = table();
    assert!(t.legal_aid.objection.source.contains("第四十九条"));
    // Thursday 12 February 2026 + 5 days = 17 February, inside 春节 (15–23 February):
    // moved to Tuesday 24 February.
    let due = calendar().due(at("2026-02-12", "09:00"), t.legal_aid.objection.period);
    assert_eq!(due.last_day, day("2026-02-24"));
}

#[test]
fn a_deadline_file_without_legal_aid_limits_uses_the_law() {
    let shipped = include_str!("../../../data/deadlines.toml");
    let without = &shipped[..shipped.find("[legal_aid.decide]").unwrap()];
    let t = DeadlineTable::parse(without).unwrap();
    assert_eq!(t.legal_aid, gongdao_domain::legal_aid::case::Deadlines::statutory());
    let bad = format!("{without}\n[legal_aid.decide]\nperiod = \"7日\"\nsource = \"\"\n");
    assert!(DeadlineTable::parse(&bad).unwrap_err().0.contains("依据"));
}
