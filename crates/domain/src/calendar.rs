//! The one calendar of the platform: statutory holidays and adjusted working days
//! (调休) from a holiday file per year, and periods counted the way the Civil Code
//! counts them.
//!
//! - 民法典 第二百零一条: a period in days, months or years starts the day after the
//!   start (the first day is not counted); a period in hours runs from the stated time.
//! - 第二百零二条: a period in months ends on the corresponding day of the last month,
//!   or on its last day when there is none.
//! - 第二百零三条: when the last day is a statutory rest day, the period ends on the
//!   day after the rest days; the last day ends at 24:00.
//!
//! Weekends are rest days unless the file makes them adjusted working days. A date in
//! a year the file does not cover is counted with weekends only, and the result says so
//! (`Due::estimated`) so that pages can flag it.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use serde::Deserialize;

/// China's offset from UTC (one zone, no daylight saving). Instants are stored in
/// UTC; days are counted, and times shown, in China time.
pub const CHINA_OFFSET: Duration = Duration::hours(8);

/// An instant as a China wall-clock time.
pub fn china_local(t: DateTime<Utc>) -> NaiveDateTime {
    (t + CHINA_OFFSET).naive_utc()
}

/// A China wall-clock time as an instant.
pub fn from_china_local(t: NaiveDateTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&(t - CHINA_OFFSET))
}

/// The day in China at an instant.
pub fn china_day(t: DateTime<Utc>) -> NaiveDate {
    china_local(t).date()
}

/// A month as the tallies and kept figures name it: `YYYY-MM`.
pub fn month_key(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

/// The first day of a day's month.
pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("day 1 exists")
}

/// The `n` months up to `today`'s, oldest first, as `YYYY-MM`.
pub fn last_months(today: NaiveDate, n: u32) -> Vec<String> {
    let first = first_of_month(today);
    (0..n).rev().filter_map(|k| first.checked_sub_months(chrono::Months::new(k))).map(month_key).collect()
}

/// A deadline that is a whole day (its last day), written like [`deadline_text`].
pub fn last_day_text(day: NaiveDate) -> String {
    format!("{} 24:00", day.format("%Y-%m-%d"))
}

/// A deadline as every page, message and document writes it: a period that ends at
/// midnight is shown as 24:00 of its last day (民法典 第二百零三条: the last day ends at
/// 24:00), so “2026-12-08 24:00” and never “12月09日 00:00”.
pub fn deadline_text(t: DateTime<Utc>) -> String {
    let local = china_local(t);
    if local.time() == chrono::NaiveTime::MIN {
        format!("{} 24:00", (local - Duration::days(1)).format("%Y-%m-%d"))
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// Why a holiday file or a period was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn err(msg: impl Into<String>) -> ConfigError {
    ConfigError(msg.into())
}

/// One holiday of a year: a range of days off and the weekend days worked instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holiday {
    pub name: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub workdays: Vec<NaiveDate>,
}

/// A year's arrangement, as published by the State Council.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolidayYear {
    pub year: i32,
    pub source: String,
    pub holidays: Vec<Holiday>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    source: String,
    #[serde(default)]
    holiday: Vec<HolidayFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayFile {
    name: toml::Spanned<String>,
    off: Vec<String>,
    #[serde(default)]
    workdays: Vec<String>,
}

fn parse_day(year: i32, holiday: &str, what: &str, s: &str) -> Result<NaiveDate, ConfigError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| err(format!("{year}年 {holiday}：{what}“{s}”不是有效日期（应为 YYYY-MM-DD）")))
}

impl HolidayYear {
    /// Parses and checks a holiday file: dates valid and near the year, each holiday a
    /// forward range of at most 15 days, no two holidays overlapping, adjusted working
    /// days on weekends and outside every holiday.
    pub fn parse(text: &str) -> Result<HolidayYear, ConfigError> {
        let file: YearFile = toml::from_str(text).map_err(|e| crate::rule_file::toml_error("节假日文件", text, &e))?;
        let year = file.year;
        if !(2000..=2100).contains(&year) {
            return Err(err(format!("节假日文件的年份 {year} 不合理")));
        }
        if file.source.trim().is_empty() {
            return Err(err(format!("{year}年节假日文件缺少 source（通知名称和文号）")));
        }
        let near = |d: NaiveDate| {
            (year - 1..=year + 1).contains(&d.year())
                && (d.year() == year || (d.year() < year && d.month() == 12) || (d.year() > year && d.month() == 1))
        };
        let mut holidays: Vec<Holiday> = Vec::new();
        let mut all_off: BTreeSet<NaiveDate> = BTreeSet::new();
        for h in &file.holiday {
            // Every problem of a holiday is shown at its name's line.
            let at = |e: ConfigError| crate::rule_file::located(text, h.name.span(), e.0);
            let name = h.name.get_ref().trim();
            if name.is_empty() {
                return Err(at(err(format!("{year}年节假日文件中有假日缺少名称"))));
            }
            if h.off.len() != 2 {
                return Err(at(err(format!("{year}年 {name}：off 应写成 [\"开始日期\", \"结束日期\"]"))));
            }
            let first = parse_day(year, name, "放假开始日期", &h.off[0]).map_err(at)?;
            let last = parse_day(year, name, "放假结束日期", &h.off[1]).map_err(at)?;
            if last < first {
                return Err(at(err(format!("{year}年 {name}：放假结束日期 {last} 早于开始日期 {first}"))));
            }
            if (last - first).num_days() >= 15 {
                return Err(at(err(format!("{year}年 {name}：放假 {first} 至 {last} 超过15天，请核对"))));
            }
            for d in [first, last] {
                if !near(d) {
                    return Err(at(err(format!("{year}年 {name}：日期 {d} 不在 {year} 年内"))));
                }
            }
            let mut day = first;
            while day <= last {
                if !all_off.insert(day) {
                    return Err(at(err(format!("{year}年 {name}：{day} 与其他假日重叠"))));
                }
                day += Duration::days(1);
            }
            let mut workdays = Vec::new();
            for w in &h.workdays {
                let d = parse_day(year, name, "调休上班日", w).map_err(at)?;
                if !near(d) {
                    return Err(at(err(format!("{year}年 {name}：调休上班日 {d} 不在 {year} 年前后"))));
                }
                if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                    return Err(at(err(format!("{year}年 {name}：调休上班日 {d} 不是周末，无需调休"))));
                }
                workdays.push(d);
            }
            holidays.push(Holiday { name: name.to_string(), first, last, workdays });
        }
        let mut seen = BTreeSet::new();
        for h in &holidays {
            for w in &h.workdays {
                if all_off.contains(w) {
                    return Err(err(format!("{year}年 {}：调休上班日 {w} 同时是放假日", h.name)));
                }
                if !seen.insert(*w) {
                    return Err(err(format!("{year}年 {}：调休上班日 {w} 重复", h.name)));
                }
            }
        }
        Ok(HolidayYear { year, source: file.source.trim().to_string(), holidays })
    }
}

/// What kind of day a date is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayKind {
    Workday,
    Weekend,
    /// A statutory holiday (放假日).
    Holiday,
    /// A weekend day that is worked (调休上班日).
    AdjustedWorkday,
}

impl DayKind {
    pub fn is_workday(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::AdjustedWorkday)
    }
}

/// The unit of a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    /// 日: calendar days.
    Days,
    /// 工作日
    WorkingDays,
    /// 月
    Months,
    /// 小时
    Hours,
}

/// A time limit such as 7日, 3个工作日, 1个月, 24小时.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    pub amount: u32,
    pub unit: Unit,
}

impl Period {
    pub const fn days(n: u32) -> Period {
        Period { amount: n, unit: Unit::Days }
    }
    pub const fn working_days(n: u32) -> Period {
        Period { amount: n, unit: Unit::WorkingDays }
    }
    pub const fn months(n: u32) -> Period {
        Period { amount: n, unit: Unit::Months }
    }
    pub const fn hours(n: u32) -> Period {
        Period { amount: n, unit: Unit::Hours }
    }

    /// The fewest whole days the period can last (a month has at least 28).
    pub fn at_least_days(&self) -> i64 {
        let n = i64::from(self.amount);
        match self.unit {
            Unit::Days | Unit::WorkingDays => n,
            Unit::Months => 28 * n,
            Unit::Hours => n / 24,
        }
    }

    /// Parses `7日`, `7天`, `3个工作日`, `1个月`, `24小时` (or `7 days`, `3 working days`,
    /// `1 month`, `24 hours`).
    pub fn parse(input: &str) -> Result<Period, ConfigError> {
        let s = input.trim();
        let digits_end = s.find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '+')).unwrap_or(s.len());
        let (number, rest) = s.split_at(digits_end);
        let amount: i64 = number.parse().map_err(|_| err(format!("期限“{s}”应以数字开头，如“7日”“3个工作日”")))?;
        if amount < 0 {
            return Err(err(format!("期限“{s}”不能为负数")));
        }
        if amount > 3650 {
            return Err(err(format!("期限“{s}”过长")));
        }
        let unit = match rest.trim() {
            "日" | "天" | "day" | "days" => Unit::Days,
            "个工作日" | "工作日" | "working day" | "working days" => Unit::WorkingDays,
            "个月" | "月" | "month" | "months" => Unit::Months,
            "小时" | "个小时" | "hour" | "hours" => Unit::Hours,
            other => return Err(err(format!("期限“{s}”的单位“{other}”无法识别，可用：日、个工作日、个月、小时"))),
        };
        Ok(Period { amount: amount as u32, unit })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.unit {
            Unit::Days => write!(f, "{}日", self.amount),
            Unit::WorkingDays => write!(f, "{}个工作日", self.amount),
            Unit::Months => write!(f, "{}个月", self.amount),
            Unit::Hours => write!(f, "{}小时", self.amount),
        }
    }
}

/// When a period ends, in China local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// The last day of the period (for hour periods, the day of `at`).
    pub last_day: NaiveDate,
    /// The end of the period: 24:00 of the last day (the next midnight), or the exact
    /// time for hour periods.
    pub at: NaiveDateTime,
    /// Part of the count fell in a year the holiday file does not cover; weekends were
    /// assumed to be the only rest days.
    pub estimated: bool,
}

/// The holiday calendar: a day table over the covered years for constant-time lookups.
#[derive(Clone, Debug)]
pub struct Calendar {
    first: NaiveDate,
    kinds: Vec<DayKind>,
    years: Vec<HolidayYear>,
}

impl Calendar {
    /// Builds the calendar from year files; a year given twice is an error.
    pub fn new(mut years: Vec<HolidayYear>) -> Result<Calendar, ConfigError> {
        years.sort_by_key(|y| y.year);
        for pair in years.windows(2) {
            if pair[0].year == pair[1].year {
                return Err(err(format!("{}年的节假日安排重复", pair[0].year)));
            }
        }
        let (Some(lo), Some(hi)) = (years.first().map(|y| y.year), years.last().map(|y| y.year)) else {
            return Ok(Calendar { first: NaiveDate::MIN, kinds: Vec::new(), years });
        };
        let first = NaiveDate::from_ymd_opt(lo, 1, 1).expect("valid");
        let end = NaiveDate::from_ymd_opt(hi + 1, 1, 1).expect("valid");
        let mut kinds: Vec<DayKind> = Vec::with_capacity((end - first).num_days() as usize);
        let mut d = first;
        while d < end {
            kinds.push(weekday_kind(d));
            d += Duration::days(1);
        }
        for y in &years {
            for h in &y.holidays {
                let mut day = h.first;
                while day <= h.last {
                    if let Some(k) = slot(&mut kinds, first, day) {
                        *k = DayKind::Holiday;
                    }
                    day += Duration::days(1);
                }
                for w in &h.workdays {
                    if let Some(k) = slot(&mut kinds, first, *w) {
                        *k = DayKind::AdjustedWorkday;
                    }
                }
            }
        }
        Ok(Calendar { first, kinds, years })
    }

    /// The years the file covers.
    pub fn years(&self) -> &[HolidayYear] {
        &self.years
    }

    pub fn covers(&self, d: NaiveDate) -> bool {
        self.years.iter().any(|y| y.year == d.year())
    }

    /// The kind of a day, and whether the file covers its year.
    pub fn day_kind(&self, d: NaiveDate) -> (DayKind, bool) {
        let idx = (d - self.first).num_days();
        if idx >= 0
            && let Some(k) = self.kinds.get(idx as usize)
            && self.covers(d)
        {
            return (*k, true);
        }
        (weekday_kind(d), false)
    }

    pub fn is_workday(&self, d: NaiveDate) -> bool {
        self.day_kind(d).0.is_workday()
    }

    /// The end of `period` started at `start` (China local time).
    pub fn due(&self, start: NaiveDateTime, period: Period) -> Due {
        let mut estimated = false;
        let mut workday = |d: NaiveDate| {
            let (kind, covered) = self.day_kind(d);
            estimated |= !covered;
            kind.is_workday()
        };
        let start_day = start.date();
        // Saturating arithmetic: a start near the end of the representable dates (a
        // typed date, a fuzzer's input) gives the last date, marked estimated, never a
        // panic or an endless loop.
        let last_day = match period.unit {
            Unit::Hours => {
                let Some(at) = start.checked_add_signed(Duration::hours(i64::from(period.amount))) else {
                    return Due { last_day: NaiveDate::MAX, at: NaiveDateTime::MAX, estimated: true };
                };
                return Due { last_day: at.date(), at, estimated: false };
            }
            Unit::Days => {
                // 第二百零一条: the first day is not counted.
                match start_day.checked_add_signed(Duration::days(i64::from(period.amount))) {
                    Some(last) => next_workday(last, &mut workday),
                    None => NaiveDate::MAX,
                }
            }
            Unit::Months => match add_months(start_day, period.amount) {
                Some(last) => next_workday(last, &mut workday),
                None => NaiveDate::MAX,
            },
            Unit::WorkingDays => {
                let mut d = start_day;
                let mut counted = 0;
                while counted < period.amount {
                    let Some(next) = d.succ_opt() else { break };
                    d = next;
                    if workday(d) {
                        counted += 1;
                    }
                }
                d
            }
        };
        estimated |= last_day == NaiveDate::MAX;
        let at = last_day.succ_opt().map_or(NaiveDateTime::MAX, |d| d.and_time(NaiveTime::MIN));
        Due { last_day, at, estimated }
    }
}

fn slot(kinds: &mut [DayKind], first: NaiveDate, d: NaiveDate) -> Option<&mut DayKind> {
    let idx = (d - first).num_days();
    if idx < 0 { None } else { kinds.get_mut(idx as usize) }
}

fn weekday_kind(d: NaiveDate) -> DayKind {
    match d.weekday() {
        Weekday::Sat | Weekday::Sun => DayKind::Weekend,
        _ => DayKind::Workday,
    }
}

/// 第二百零三条: a last day that is a rest day moves to the first working day after.
fn next_workday(mut d: NaiveDate, workday: &mut impl FnMut(NaiveDate) -> bool) -> NaiveDate {
    while !workday(d) {
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    d
}

/// 第二百零二条: the corresponding day of the month `months` later, or its last day.
fn add_months(d: NaiveDate, months: u32) -> Option<NaiveDate> {
    // chrono clamps to the month's last day, as the article says; None past its range.
    d.checked_add_months(chrono::Months::new(months))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> NaiveDateTime {
        date(s).and_hms_opt(10, 0, 0).unwrap()
    }

    fn calendar() -> Calendar {
        let y2025 = HolidayYear::parse(include_str!("../../../data/calendar/2025.toml")).unwrap();
        let y2026 = HolidayYear::parse(include_str!("../../../data/calendar/2026.toml")).unwrap();
        Calendar::new(vec![y2025, y2026]).unwrap()
    }

    #[test]
    fn periods_near_the_end_of_time_saturate_instead_of_panicking() {
        let c = calendar();
        let late = NaiveDate::MAX.pred_opt().unwrap().and_hms_opt(10, 0, 0).unwrap();
        for period in [Period::months(3650), Period::days(3650), Period::working_days(3650), Period::hours(u32::MAX)] {
            let due = c.due(late, period);
            assert_eq!(due.last_day, NaiveDate::MAX, "{period}");
            assert!(due.estimated);
        }
        assert_eq!(add_months(date("2026-01-31"), 1), Some(date("2026-02-28")), "第二百零二条: the month's last day");
        assert_eq!(add_months(NaiveDate::MAX, 1), None);
    }

    #[test]
    fn day_kinds_follow_the_file() {
        let c = calendar();
        assert_eq!(c.day_kind(date("2026-02-16")), (DayKind::Holiday, true)); // 春节, a Monday
        assert_eq!(c.day_kind(date("2026-02-14")), (DayKind::AdjustedWorkday, true)); // Saturday worked
        assert_eq!(c.day_kind(date("2026-01-04")), (DayKind::AdjustedWorkday, true)); // Sunday worked
        assert_eq!(c.day_kind(date("2026-03-07")), (DayKind::Weekend, true));
        assert_eq!(c.day_kind(date("2026-03-09")), (DayKind::Workday, true));
        assert_eq!(c.day_kind(date("2027-01-04")), (DayKind::Workday, false));
    }

    #[test]
    fn seven_days_starting_just_before_the_spring_festival() {
        // Received Friday 2026-02-13. Day 7 is 2026-02-20, inside 春节 (02-15 … 02-23):
        // the period ends on the first working day after it, Tuesday 02-24.
        let due = calendar().due(at("2026-02-13"), Period::days(7));
        assert_eq!(due.last_day, date("2026-02-24"));
        assert_eq!(due.at, date("2026-02-25").and_hms_opt(0, 0, 0).unwrap());
        assert!(!due.estimated);
    }

    #[test]
    fn seven_days_starting_just_before_national_day() {
        // Received 2025-09-29. Day 7 is 10-06, inside 国庆 (10-01 … 10-08): ends Thursday 10-09.
        let due = calendar().due(at("2025-09-29"), Period::days(7));
        assert_eq!(due.last_day, date("2025-10-09"));
    }

    #[test]
    fn three_days_ending_on_a_sunday_that_is_worked() {
        // Received Thursday 2026-09-17: day 3 is Sunday 09-20, an adjusted working day
        // before 国庆, so the period ends that Sunday and does not move.
        let due = calendar().due(at("2026-09-17"), Period::days(3));
        assert_eq!(date("2026-09-20").weekday(), Weekday::Sun);
        assert_eq!(due.last_day, date("2026-09-20"));
        // An ordinary Sunday does move: received 2026-03-05, day 3 is Sunday 03-08 → Monday 03-09.
        assert_eq!(calendar().due(at("2026-03-05"), Period::days(3)).last_day, date("2026-03-09"));
    }

    #[test]
    fn working_days_across_adjusted_days() {
        let c = calendar();
        // Received Thursday 2026-02-12. Working days: Fri 02-13, Sat 02-14 (调休上班),
        // then 春节 until 02-23, Tue 02-24, Wed 02-25, Thu 02-26.
        assert_eq!(c.due(at("2026-02-12"), Period::working_days(5)).last_day, date("2026-02-26"));
        // Received Wednesday 2026-09-30: 国庆 10-01 … 10-07, then Thu 10-08, Fri 10-09,
        // Sat 10-10 (调休上班).
        assert_eq!(c.due(at("2026-09-30"), Period::working_days(3)).last_day, date("2026-10-10"));
        // Zero working days: the same day.
        assert_eq!(c.due(at("2026-03-09"), Period::working_days(0)).last_day, date("2026-03-09"));
    }

    #[test]
    fn months_and_hours() {
        let c = calendar();
        // 第二百零二条: 01-31 + 1 month has no 02-31, so the month's last day, 02-28 — a
        // Saturday worked after 春节, so it stands.
        assert_eq!(c.due(at("2026-01-31"), Period::months(1)).last_day, date("2026-02-28"));
        assert_eq!(c.due(at("2026-03-15"), Period::months(1)).last_day, date("2026-04-15"));
        let due = c.due(at("2026-03-15"), Period::hours(24));
        assert_eq!(due.at, date("2026-03-16").and_hms_opt(10, 0, 0).unwrap());
    }

    #[test]
    fn beyond_the_file_the_count_is_flagged() {
        let due = calendar().due(at("2026-12-28"), Period::working_days(5));
        assert!(due.estimated);
        assert_eq!(due.last_day, date("2027-01-04"));
        assert!(!calendar().due(at("2026-03-02"), Period::working_days(5)).estimated);
    }

    #[test]
    fn deadlines_never_fall_on_a_rest_day() {
        let c = calendar();
        let mut d = date("2025-01-01");
        while d < date("2026-12-01") {
            for period in [
                Period::days(1),
                Period::days(3),
                Period::days(7),
                Period::days(30),
                Period::working_days(1),
                Period::working_days(7),
                Period::months(1),
            ] {
                let due = c.due(d.and_hms_opt(9, 0, 0).unwrap(), period);
                assert!(c.is_workday(due.last_day), "{d} + {period} = {}", due.last_day);
                assert!(due.last_day > d || period.amount == 0);
            }
            d += Duration::days(1);
        }
    }

    #[test]
    fn periods_parse_in_chinese() {
        assert_eq!(Period::parse("7日").unwrap(), Period::days(7));
        assert_eq!(Period::parse("3个工作日").unwrap(), Period::working_days(3));
        assert_eq!(Period::parse("1个月").unwrap(), Period::months(1));
        assert_eq!(Period::parse("24小时").unwrap(), Period::hours(24));
        assert_eq!(Period::parse("30 days").unwrap(), Period::days(30));
        assert!(Period::parse("-3日").unwrap_err().0.contains("负数"));
        assert!(Period::parse("三日").is_err());
        assert!(Period::parse("3周").unwrap_err().0.contains("无法识别"));
        assert_eq!(Period::working_days(3).to_string(), "3个工作日");
    }

    #[test]
    fn bad_holiday_files_are_refused_with_reasons() {
        let cases = [
            (
                "year = 2026\nsource = \"x\"\n[[holiday]]\nname = \"甲\"\noff = [\"2026-02-30\", \"2026-03-01\"]",
                "不是有效日期",
            ),
            ("year = 2026\nsource = \"x\"\n[[holiday]]\nname = \"甲\"\noff = [\"2026-03-05\", \"2026-03-01\"]", "早于"),
            (
                "year = 2026\nsource = \"x\"\n[[holiday]]\nname = \"甲\"\noff = [\"2026-03-01\", \"2026-03-03\"]\n[[holiday]]\nname = \"乙\"\noff = [\"2026-03-03\", \"2026-03-04\"]",
                "重叠",
            ),
            (
                "year = 2026\nsource = \"x\"\n[[holiday]]\nname = \"甲\"\noff = [\"2026-03-02\", \"2026-03-03\"]\nworkdays = [\"2026-03-04\"]",
                "不是周末",
            ),
            (
                "year = 2026\nsource = \"x\"\n[[holiday]]\nname = \"甲\"\noff = [\"2027-05-01\", \"2027-05-02\"]",
                "不在 2026 年内",
            ),
            ("year = 2026\nsource = \"\"", "缺少 source"),
            ("year = 2026\nsource = \"x\"\ncolour = 1", "第 3 行第 1 列：节假日文件不认识“colour”"),
        ];
        for (text, why) in cases {
            let e = HolidayYear::parse(text).unwrap_err();
            assert!(e.0.contains(why), "{text}: {e}");
        }
        let y = HolidayYear::parse("year = 2026\nsource = \"x\"").unwrap();
        assert!(Calendar::new(vec![y.clone(), y]).unwrap_err().0.contains("重复"));
    }
}
