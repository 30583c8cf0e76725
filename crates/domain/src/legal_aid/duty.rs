//! Duty lawyers (值班律师, 法律援助法 第三十、三十七、三十九条): the legal aid centre
//! keeps duty stations at the court, the procuratorate, the police and the detention
//! centre, draws up who is on duty on which working day, and records each service given
//! there. The 24-hour limit for passing on an application from detention (第三十九条)
//! is checked here.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::calendar::Calendar;
use crate::{DivisionCode, FieldError, ValidationErrors};

crate::code_enum! {
    /// Where a duty station sits (第三十条: 人民法院、人民检察院、看守所等场所).
    pub enum StationPlace: "值班地点" {
        Court => ("court", "人民法院"),
        Procuratorate => ("procuratorate", "人民检察院"),
        Detention => ("detention", "看守所"),
        Police => ("police", "公安机关执法办案中心"),
    }
}

crate::code_enum! {
    /// What a duty lawyer did for a suspect or defendant (第三十条, and 刑事诉讼法
    /// 第三十六条、第一百七十四条 for the plea agreement).
    pub enum DutyServiceKind: "服务内容" {
        Advice => ("advice", "法律咨询"),
        Procedure => ("procedure", "程序选择建议"),
        ChangeMeasure => ("change_measure", "申请变更强制措施"),
        Opinion => ("opinion", "对案件处理提出意见"),
        PleaSigning => ("plea_signing", "认罪认罚具结书签署在场"),
        Meeting => ("meeting", "会见"),
        Forwarded => ("forwarded", "转交法律援助申请"),
    }
}

crate::code_enum! {
    /// The stage of the criminal proceedings.
    pub enum Stage: "诉讼阶段" {
        Investigation => ("investigation", "侦查"),
        Prosecution => ("prosecution", "审查起诉"),
        Trial => ("trial", "审判"),
    }
}

/// A duty station as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DutyStation {
    pub id: i64,
    pub name: String,
    pub place: StationPlace,
    pub region: DivisionCode,
    pub region_name: String,
    /// The legal aid centre that keeps it.
    pub centre_id: i64,
    pub centre_name: String,
    pub address: String,
}

/// One day's duty at a station.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RosterEntry {
    #[schema(value_type = String, format = Date)]
    pub day: NaiveDate,
    pub person_id: i64,
    pub person_name: String,
}

/// A service given at a station, as shown (the person served unsealed for those who may
/// see the station).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct DutyService {
    pub id: i64,
    pub station_id: i64,
    pub station_name: String,
    pub person_id: i64,
    pub person_name: String,
    #[schema(value_type = String, format = Date)]
    pub served_on: NaiveDate,
    pub kinds: Vec<DutyServiceKind>,
    pub stage: Stage,
    pub client_name: Option<String>,
    pub note: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    pub forwarded_at: Option<DateTime<Utc>>,
    /// Passed on later than 24 hours after it was received (第三十九条).
    pub forwarded_late: bool,
}

/// Services by station and month, and by what was done.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DutyCounts {
    /// (station id, month `YYYY-MM`, services).
    pub by_station_month: Vec<StationMonth>,
    /// (kind, services that included it).
    pub by_kind: Vec<KindCount>,
    pub forwarded: i64,
    pub forwarded_late: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct StationMonth {
    pub station_id: i64,
    pub month: String,
    pub services: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct KindCount {
    pub kind: DutyServiceKind,
    pub label: String,
    pub services: i64,
}

/// 第三十九条: an application handed in by a person in custody is passed on to the legal
/// aid centre within 24 hours.
pub const FORWARD_LIMIT_HOURS: i64 = 24;

/// A service as entered, before its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceFacts {
    pub served_on: NaiveDate,
    pub kinds: Vec<DutyServiceKind>,
    pub stage: Stage,
    /// When an application from custody was received, and when it was passed on.
    pub received_at: Option<DateTime<Utc>>,
    pub forwarded_at: Option<DateTime<Utc>>,
    /// The person served is on the roster of the station that day.
    pub on_roster: bool,
}

/// Checks a service record; the 24-hour limit is not a refusal (a late hand-over still
/// happened and must be recorded) but is reported as `forwarded_late`.
pub fn check_service(f: &ServiceFacts, today: NaiveDate) -> Result<bool, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if f.served_on > today {
        errors.push(FieldError::new("served_on", "服务日期不能晚于今天"));
    }
    if f.kinds.is_empty() {
        errors.push(FieldError::new("kinds", "请至少选择一项服务内容"));
    }
    if !f.on_roster {
        errors.push(FieldError::new("person_id", "该律师当天不在本站的值班表上，请先排班或选择当天值班的律师"));
    }
    let forwarded = f.kinds.contains(&DutyServiceKind::Forwarded);
    let mut late = false;
    match (forwarded, f.received_at, f.forwarded_at) {
        (true, Some(received), Some(passed)) => {
            if passed < received {
                errors.push(FieldError::new("forwarded_at", "转交时间不能早于收到申请的时间"));
            }
            late = (passed - received).num_minutes() > FORWARD_LIMIT_HOURS * 60;
        }
        (true, None, _) => errors.push(FieldError::new("received_at", "转交法律援助申请时，请填写收到申请的时间")),
        (true, Some(_), None) => errors.push(FieldError::new("forwarded_at", "请填写转交法律援助机构的时间")),
        (false, _, _) => {}
    }
    errors.into_result().map(|_| late)
}

/// One shift: who is on duty where on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shift {
    pub day: NaiveDate,
    pub person_id: i64,
}

/// Draws up a month's roster: `per_day` lawyers on each working day of the calendar (a
/// station receives people on working days), taken in turn so that over the month no
/// one has more than one shift above anyone else, and no one twice on one day.
/// `carried` is how many shifts each lawyer already had before (the previous months), so
/// that those with fewer come first.
pub fn draw_roster(
    calendar: &Calendar,
    first: NaiveDate,
    last: NaiveDate,
    lawyers: &[i64],
    per_day: usize,
    carried: &[(i64, u32)],
) -> Vec<Shift> {
    if lawyers.is_empty() || per_day == 0 {
        return Vec::new();
    }
    let per_day = per_day.min(lawyers.len());
    let mut order: Vec<(u32, usize, i64)> = lawyers
        .iter()
        .enumerate()
        .map(|(i, id)| (carried.iter().find(|(p, _)| p == id).map_or(0, |(_, n)| *n), i, *id))
        .collect();
    let mut shifts = Vec::new();
    let mut day = first;
    while day <= last {
        if calendar.is_workday(day) {
            // Fewest shifts first; ties in the order given, so the result is stable.
            order.sort();
            for slot in order.iter_mut().take(per_day) {
                shifts.push(Shift { day, person_id: slot.2 });
                slot.0 += 1;
            }
        }
        day = day.succ_opt().expect("a date within range");
    }
    shifts.sort();
    shifts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn calendar() -> Calendar {
        let y2026 = crate::calendar::HolidayYear::parse(include_str!("../../../../data/calendar/2026.toml")).unwrap();
        Calendar::new(vec![y2026]).unwrap()
    }

    #[test]
    fn a_month_is_shared_evenly_on_working_days_only() {
        let cal = calendar();
        let lawyers = [11, 12, 13, 14, 15, 16, 17];
        let shifts = draw_roster(&cal, d("2026-10-01"), d("2026-10-31"), &lawyers, 2, &[]);
        // October 2026: National Day holiday 1–7 (with make-up working days), so only
        // the calendar's working days carry shifts.
        assert!(shifts.iter().all(|s| cal.is_workday(s.day)));
        assert!(!shifts.iter().any(|s| s.day == d("2026-10-01")));
        let workdays = (1..=31).filter(|n| cal.is_workday(d(&format!("2026-10-{n:02}")))).count();
        assert_eq!(shifts.len(), workdays * 2);
        let counts: Vec<usize> = lawyers.iter().map(|l| shifts.iter().filter(|s| s.person_id == *l).count()).collect();
        assert!(counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1, "{counts:?}");
        for s in &shifts {
            assert_eq!(shifts.iter().filter(|t| t.day == s.day && t.person_id == s.person_id).count(), 1);
        }
    }

    #[test]
    fn those_with_fewer_shifts_before_come_first() {
        let cal = calendar();
        let shifts = draw_roster(&cal, d("2026-12-07"), d("2026-12-07"), &[1, 2, 3], 1, &[(1, 9), (2, 3), (3, 8)]);
        assert_eq!(shifts, vec![Shift { day: d("2026-12-07"), person_id: 2 }]);
        assert!(draw_roster(&cal, d("2026-12-07"), d("2026-12-31"), &[], 2, &[]).is_empty());
        // Asking for more a day than there are lawyers gives each one shift a day.
        let all = draw_roster(&cal, d("2026-12-07"), d("2026-12-07"), &[1, 2], 5, &[]);
        assert_eq!(all.len(), 2);
    }

    fn facts(kinds: Vec<DutyServiceKind>) -> ServiceFacts {
        ServiceFacts {
            served_on: d("2026-12-04"),
            kinds,
            stage: Stage::Prosecution,
            received_at: None,
            forwarded_at: None,
            on_roster: true,
        }
    }

    #[test]
    fn an_application_passed_on_after_24_hours_is_recorded_as_late() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let mut f = facts(vec![DutyServiceKind::Advice, DutyServiceKind::Forwarded]);
        f.received_at = Some(at("2026-12-04T02:00:00Z"));
        f.forwarded_at = Some(at("2026-12-05T01:30:00Z"));
        assert_eq!(check_service(&f, d("2026-12-07")), Ok(false));
        f.forwarded_at = Some(at("2026-12-05T02:30:00Z"));
        assert_eq!(check_service(&f, d("2026-12-07")), Ok(true));
        f.forwarded_at = Some(at("2026-12-03T02:30:00Z"));
        assert_eq!(
            check_service(&f, d("2026-12-07")).unwrap_err().0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            vec!["forwarded_at"]
        );
        f.forwarded_at = None;
        assert_eq!(
            check_service(&f, d("2026-12-07")).unwrap_err().0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            vec!["forwarded_at"]
        );
        f.received_at = None;
        assert_eq!(
            check_service(&f, d("2026-12-07")).unwrap_err().0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            vec!["received_at"]
        );
    }

    #[test]
    fn a_service_needs_a_past_day_something_done_and_a_lawyer_on_duty() {
        let mut f = facts(vec![]);
        f.served_on = d("2026-12-08");
        f.on_roster = false;
        assert_eq!(
            check_service(&f, d("2026-12-07")).unwrap_err().0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            vec!["served_on", "kinds", "person_id"]
        );
        assert_eq!(check_service(&facts(vec![DutyServiceKind::PleaSigning]), d("2026-12-07")), Ok(false));
    }
}
