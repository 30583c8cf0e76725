//! Appointments and home visits (预约 / 上门服务): an institution opens time slots with
//! a capacity; citizens or staff book them. Home visits are for people with limited
//! mobility and need an address (法律援助法 第四十五条: accessible service for the
//! elderly and the disabled).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::request::Group;
use crate::{FieldError, PhoneNumber, ValidationErrors, text};

crate::code_enum! {
    /// 预约方式
    pub enum SlotKind: "预约方式" {
        Visit => ("visit", "到窗口办理"),
        HomeVisit => ("home_visit", "上门服务"),
    }
}

crate::code_enum! {
    /// 预约状态
    pub enum BookingStatus: "预约状态" {
        Booked => ("booked", "已预约"),
        Cancelled => ("cancelled", "已取消"),
        Done => ("done", "已完成"),
    }
}

/// A slot as shown.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Slot {
    pub id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub kind: SlotKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub booked: i32,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct SlotInput {
    /// `visit` or `home_visit`.
    #[serde(default)]
    pub kind: String,
    /// Institution id; default the actor's own.
    #[serde(default, deserialize_with = "crate::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub institution_id: Option<String>,
    /// YYYY-MM-DD: the day, or the first day of a range.
    #[serde(default)]
    pub date: String,
    /// YYYY-MM-DD: the last day of a range; the slot is opened on every working day
    /// from `date` to `until` (on the platform's holiday calendar). Empty: `date` only.
    pub until: Option<String>,
    /// HH:MM
    #[serde(default)]
    pub start: String,
    /// HH:MM
    #[serde(default)]
    pub end: String,
    #[serde(default, deserialize_with = "crate::network::number_or_text")]
    #[schema(value_type = Option<i32>)]
    pub capacity: Option<String>,
    pub note: Option<String>,
}

/// Slots whose fields are valid: the same hours on each day of a range (one day, or
/// the working days of several weeks); times are China local.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotDraft {
    pub kind: SlotKind,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub capacity: i32,
    pub note: Option<String>,
}

/// The longest range opened at once: a quarter is as far as a window plans.
pub const MAX_SLOT_RANGE_DAYS: i64 = 92;

impl SlotDraft {
    /// The days to open: the one day, or every working day of the range.
    pub fn days(&self, is_workday: impl Fn(NaiveDate) -> bool) -> Vec<NaiveDate> {
        if self.first == self.last {
            return vec![self.first];
        }
        self.first.iter_days().take_while(|d| *d <= self.last).filter(|d| is_workday(*d)).collect()
    }
}

fn parse_time(field: &str, label: &str, s: &str) -> Result<NaiveTime, FieldError> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| FieldError::new(field, format!("{label}应为 HH:MM 格式，如 09:00")))
}

impl SlotInput {
    pub fn parse(&self, today: NaiveDate) -> Result<SlotDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = errors.check(SlotKind::parse_field("kind", &self.kind));
        let date = errors.check(crate::network::parse_date("date", "日期", &self.date));
        if let Some(d) = date
            && d < today
        {
            errors.push(FieldError::new("date", "不能为已经过去的日期开放预约"));
        }
        let until = match self.until.as_deref().map(str::trim) {
            None | Some("") => date,
            Some(u) => errors.check(crate::network::parse_date("until", "结束日期", u)),
        };
        if let (Some(d), Some(u)) = (date, until) {
            if u < d {
                errors.push(FieldError::new("until", "结束日期不能早于开始日期"));
            } else if (u - d).num_days() >= MAX_SLOT_RANGE_DAYS {
                errors.push(FieldError::new("until", format!("一次最多开放{MAX_SLOT_RANGE_DAYS}天内的时段")));
            }
        }
        let start = errors.check(parse_time("start", "开始时间", &self.start));
        let end = errors.check(parse_time("end", "结束时间", &self.end));
        if let (Some(s), Some(e)) = (start, end)
            && e <= s
        {
            errors.push(FieldError::new("end", "结束时间应晚于开始时间"));
        }
        let capacity = match self.capacity.as_deref().map(str::trim) {
            None | Some("") => Some(1),
            Some(c) => errors.check(
                c.parse::<i32>()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or_else(|| FieldError::new("capacity", "可预约人数应为1到100之间的整数")),
            ),
        };
        let note = errors.check(text::optional("note", "说明", self.note.as_deref(), 100)).flatten();
        errors.into_result()?;
        Ok(SlotDraft {
            kind: kind.expect("checked"),
            first: date.expect("checked"),
            last: until.expect("checked"),
            start: start.expect("checked"),
            end: end.expect("checked"),
            capacity: capacity.expect("checked"),
            note,
        })
    }
}

/// A booking as shown to staff; the phone masked.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Booking {
    pub id: i64,
    /// The code the citizen quotes, e.g. YY20261130-007.
    pub code: String,
    pub slot_id: i64,
    pub institution_name: String,
    pub kind: SlotKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub name: String,
    pub phone_masked: String,
    pub address: Option<String>,
    pub reason: String,
    pub groups: Vec<Group>,
    pub status: BookingStatus,
    pub created_at: DateTime<Utc>,
}

impl BookingStatus {
    /// Whether the booking may be marked 已完成 now: only a booking still standing, and
    /// not before the day of its slot (China time), since a service not yet given cannot
    /// be completed (and would invite a rating of nothing).
    pub fn completion_check(self, slot_starts_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
        match self {
            BookingStatus::Cancelled => Err("该预约已取消，不能办结".into()),
            BookingStatus::Done => Err("该预约已经办结".into()),
            BookingStatus::Booked if crate::calendar::china_day(slot_starts_at) > crate::calendar::china_day(now) => {
                Err("预约的日子还没到，服务完成后再办结".into())
            }
            BookingStatus::Booked => Ok(()),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct BookingInput {
    #[serde(default, deserialize_with = "crate::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub slot_id: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    /// Required for a home visit.
    pub address: Option<String>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BookingDraft {
    pub slot_id: i64,
    pub name: String,
    pub phone: PhoneNumber,
    pub address: Option<String>,
    pub reason: String,
    pub groups: Vec<Group>,
}

impl BookingInput {
    pub fn parse(&self) -> Result<BookingDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let slot_id = match self.slot_id.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("slot_id", "请选择预约时段"));
                None
            }
            Some(s) => errors.check(s.parse::<i64>().map_err(|_| FieldError::new("slot_id", "预约时段编号不正确"))),
        };
        let name = errors.check(text::required("name", "姓名", &self.name, 30));
        let phone = errors.check(PhoneNumber::parse_personal("phone", &self.phone));
        let address = errors.check(text::optional("address", "上门地址", self.address.as_deref(), 120)).flatten();
        let reason = errors.check(text::required("reason", "预约事由", &self.reason, 300));
        let mut groups = Vec::new();
        for g in &self.groups {
            if let Some(g) = errors.check(Group::parse_field("groups", g))
                && !groups.contains(&g)
            {
                groups.push(g);
            }
        }
        errors.into_result()?;
        Ok(BookingDraft {
            slot_id: slot_id.expect("checked"),
            name: name.expect("checked"),
            phone: phone.expect("checked"),
            address,
            reason: reason.expect("checked"),
            groups,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    #[test]
    fn a_booking_is_completed_once_and_not_before_its_day() {
        use chrono::TimeZone;
        // 2026-12-02 09:00 China time.
        let slot = Utc.with_ymd_and_hms(2026, 12, 2, 1, 0, 0).unwrap();
        let evening_before = Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap(); // 23:00 China
        let morning_of = Utc.with_ymd_and_hms(2026, 12, 1, 16, 30, 0).unwrap(); // 00:30 China, 12-02
        assert!(BookingStatus::Booked.completion_check(slot, evening_before).is_err());
        assert!(BookingStatus::Booked.completion_check(slot, morning_of).is_ok());
        assert!(BookingStatus::Booked.completion_check(slot, slot + chrono::Duration::days(3)).is_ok());
        assert!(BookingStatus::Cancelled.completion_check(slot, slot).is_err());
        assert!(BookingStatus::Done.completion_check(slot, slot).is_err());
    }

    #[test]
    fn slots_parse_and_refuse_bad_times() {
        let ok = SlotInput {
            kind: "visit".into(),
            date: "2026-12-02".into(),
            start: "09:00".into(),
            end: "11:30".into(),
            capacity: Some("4".into()),
            ..Default::default()
        };
        let d = ok.parse(today()).unwrap();
        assert_eq!(d.capacity, 4);
        let bad = SlotInput {
            kind: "teleport".into(),
            date: "2026-11-01".into(),
            start: "11:00".into(),
            end: "09:00".into(),
            capacity: Some("0".into()),
            ..Default::default()
        };
        let e = bad.parse(today()).unwrap_err();
        for f in ["kind", "date", "end", "capacity"] {
            assert!(e.message_for(f).is_some(), "{f}: {e:?}");
        }
    }

    #[test]
    fn a_range_opens_the_working_days_only() {
        let range = SlotInput {
            kind: "visit".into(),
            date: "2026-12-04".into(),
            until: Some("2026-12-10".into()),
            start: "09:00".into(),
            end: "11:30".into(),
            ..Default::default()
        };
        let d = range.parse(today()).unwrap();
        let weekdays = |day: NaiveDate| chrono::Datelike::weekday(&day).number_from_monday() <= 5;
        let days: Vec<String> = d.days(weekdays).iter().map(|d| d.to_string()).collect();
        // Friday, then Monday to Thursday: the weekend is skipped.
        assert_eq!(days, ["2026-12-04", "2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10"]);
        // One day is opened even on a weekend (a Saturday itinerant service).
        let saturday = SlotInput { until: None, date: "2026-12-05".into(), ..range.clone() };
        assert_eq!(saturday.parse(today()).unwrap().days(weekdays).len(), 1);
        let backwards = SlotInput { until: Some("2026-12-01".into()), ..range.clone() };
        assert!(backwards.parse(today()).unwrap_err().message_for("until").is_some());
        let too_long = SlotInput { until: Some("2027-06-01".into()), ..range };
        assert!(too_long.parse(today()).unwrap_err().message_for("until").is_some());
    }

    #[test]
    fn bookings_need_a_slot_a_name_a_phone_and_a_reason() {
        let e = BookingInput::default().parse().unwrap_err();
        for f in ["slot_id", "name", "phone", "reason"] {
            assert!(e.message_for(f).is_some(), "{f}");
        }
    }
}
