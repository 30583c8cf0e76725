//! Service requests (服务事项 / 工单): one record for every matter whatever door it came
//! through, owned by whoever received it until someone else accepts it (首问负责).
//! This module holds the vocabularies, the request number, intake parsing and the
//! rules of the workflow; the services layer applies them inside transactions.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{InstitutionId, UserId};
use crate::{DivisionCode, FieldError, IdNumber, PhoneNumber, RegionLevel, ValidationErrors, text};

crate::code_enum! {
    /// 渠道
    pub enum Channel: "渠道" {
        Window => ("window", "窗口"),
        Hotline => ("hotline", "12348热线"),
        Online => ("online", "网络"),
        Kiosk => ("kiosk", "智能终端"),
        Itinerant => ("itinerant", "巡回服务"),
        HomeVisit => ("home_visit", "上门服务"),
        Letter => ("letter", "来函"),
    }
}

impl Channel {
    /// Citizens file these themselves; the matter goes to a queue by the routing rules
    /// instead of being owned by the person who received it.
    pub fn is_self_service(self) -> bool {
        matches!(self, Channel::Online | Channel::Kiosk)
    }
}

crate::code_enum! {
    /// 事项类别
    pub enum Category: "事项类别" {
        Consultation => ("consultation", "法律咨询"),
        LegalAid => ("legal_aid", "法律援助"),
        Mediation => ("mediation", "人民调解"),
        Notary => ("notary", "公证指引"),
        Appraisal => ("appraisal", "司法鉴定指引"),
        Lawyer => ("lawyer", "律师服务"),
        Education => ("education", "普法需求"),
        Complaint => ("complaint", "投诉建议"),
        Other => ("other", "其他"),
    }
}

crate::code_enum! {
    /// 群体
    pub enum Group: "群体" {
        Elderly => ("elderly", "老年人"),
        Disabled => ("disabled", "残疾人"),
        Minor => ("minor", "未成年人"),
        LeftBehind => ("left_behind", "留守儿童、妇女、老人"),
        Women => ("women", "妇女"),
        MigrantWorker => ("migrant_worker", "农民工"),
        Veteran => ("veteran", "退役军人"),
        MilitaryFamily => ("military_family", "军人军属"),
        LowIncome => ("low_income", "低收入"),
        Rural => ("rural", "三农"),
    }
}

impl Group {
    /// Groups whose matters take the green channel (优先受理、审查、指派、办理): the
    /// plan's special groups and 三农 matters (规划 四(八)(九)). Women as such are not a
    /// special group; left-behind women are.
    pub fn takes_green_channel(self) -> bool {
        !matches!(self, Group::Women)
    }
}

crate::code_enum! {
    /// 状态
    pub enum Status: "状态" {
        Pending => ("pending", "待受理"),
        Open => ("open", "办理中"),
        Transferring => ("transferring", "流转中"),
        Resolved => ("resolved", "已办结"),
        Closed => ("closed", "已归档"),
    }
}

impl Status {
    /// Still someone's work.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Pending | Status::Open | Status::Transferring)
    }
}

crate::code_enum! {
    /// 优先级
    pub enum Priority: "优先级" {
        Normal => ("normal", "普通"),
        Green => ("green", "优先（绿色通道）"),
        Urgent => ("urgent", "紧急"),
    }
}

impl Priority {
    /// Higher sorts first in every queue.
    pub fn rank(self) -> i32 {
        match self {
            Priority::Normal => 0,
            Priority::Green => 1,
            Priority::Urgent => 2,
        }
    }

    pub fn from_rank(rank: i32) -> Priority {
        match rank {
            2.. => Priority::Urgent,
            1 => Priority::Green,
            _ => Priority::Normal,
        }
    }

    /// The priority a matter gets from its groups, raised to `floor`.
    pub fn for_groups(groups: &[Group], floor: Priority) -> Priority {
        let green = if groups.iter().any(|g| g.takes_green_channel()) { Priority::Green } else { Priority::Normal };
        if green.rank() >= floor.rank() { green } else { floor }
    }
}

crate::code_enum! {
    /// 办理环节
    pub enum Step: "办理环节" {
        Accept => ("accept", "受理"),
        Resolve => ("resolve", "办结"),
        FollowUp => ("follow_up", "回访"),
    }
}

crate::code_enum! {
    /// 办理记录的类型
    pub enum EventKind: "办理记录" {
        Received => ("received", "登记"),
        Routed => ("routed", "分派"),
        Accepted => ("accepted", "受理"),
        Transferred => ("transferred", "发起流转"),
        Refused => ("refused", "退回"),
        Reassigned => ("reassigned", "改派"),
        Replied => ("replied", "答复"),
        Reminded => ("reminded", "到期提醒"),
        Escalated => ("escalated", "超期督办"),
        Resolved => ("resolved", "办结"),
        Closed => ("closed", "归档"),
        Reopened => ("reopened", "重新办理"),
        FollowedUp => ("followed_up", "回访"),
        Incident => ("incident", "纳入应急事件"),
        Note => ("note", "备注"),
    }
}

/// 工单编号: the district's code, the day, and the day's sequence, e.g.
/// `220802-20261130-0001`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct RequestNumber(String);

impl RequestNumber {
    pub fn new(district: DivisionCode, day: NaiveDate, sequence: i64) -> RequestNumber {
        RequestNumber(format!("{district}-{}-{sequence:04}", day.format("%Y%m%d")))
    }

    pub fn parse(field: &str, input: &str) -> Result<RequestNumber, FieldError> {
        let s = input.trim();
        let bad =
            || FieldError::new(field, format!("编号“{}”格式不正确，应如 220802-20261130-0001", text::clip(s, 30)));
        let mut parts = s.split('-');
        let (Some(d), Some(day), Some(seq), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let district = DivisionCode::parse(field, d).map_err(|_| bad())?;
        if district.level() != RegionLevel::District {
            return Err(bad());
        }
        NaiveDate::parse_from_str(day, "%Y%m%d").map_err(|_| bad())?;
        if seq.len() < 4 || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        Ok(RequestNumber(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The district that numbered it.
    pub fn district(&self) -> DivisionCode {
        DivisionCode::parse("number", self.0.split('-').next().unwrap_or_default()).expect("checked when parsed")
    }

    /// Its place in its day's sequence.
    pub fn sequence(&self) -> i64 {
        self.0.rsplit('-').next().and_then(|s| s.parse().ok()).expect("checked when parsed")
    }
}

impl fmt::Display for RequestNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl utoipa::PartialSchema for RequestNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <String as utoipa::PartialSchema>::schema()
    }
}
impl utoipa::ToSchema for RequestNumber {}

/// The person who brings a matter, as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct RequesterInput {
    #[serde(default)]
    pub name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    /// Group codes, e.g. `elderly`, `rural`.
    #[serde(default)]
    pub groups: Vec<String>,
    pub address: Option<String>,
}

/// A new matter as typed into the intake form or `POST /api/v1/requests`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct RequestInput {
    /// Channel code, e.g. `hotline`.
    #[serde(default)]
    pub channel: String,
    /// Category code, e.g. `consultation`.
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub requester: RequesterInput,
    /// Division code of where the matter arises, down to the village.
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub description: String,
    /// `urgent` to mark a matter urgent by hand; the green channel follows the groups.
    pub priority: Option<String>,
}

/// The requester, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct Requester {
    pub name: String,
    pub phone: Option<PhoneNumber>,
    pub id_number: Option<IdNumber>,
    pub groups: Vec<Group>,
    pub address: Option<String>,
}

/// A new matter whose fields are all valid.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestDraft {
    pub channel: Channel,
    pub category: Category,
    pub requester: Requester,
    pub region: DivisionCode,
    pub description: String,
    pub priority: Priority,
    /// The event (巡回服务、普法宣传) it was taken at, set by the event's page.
    pub event_id: Option<i64>,
}

impl RequestInput {
    pub fn parse(&self, today: NaiveDate) -> Result<RequestDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let channel = errors.check(Channel::parse_field("channel", &self.channel));
        let category = errors.check(Category::parse_field("category", &self.category));
        let r = &self.requester;
        let name = errors.check(text::required("requester.name", "当事人姓名", &r.name, 30));
        let phone = match r.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => errors.check(PhoneNumber::parse_personal("requester.phone", p)),
        };
        let id_number = match r.id_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(i) => errors.check(IdNumber::parse("requester.id_number", i, today)),
        };
        let mut groups = Vec::new();
        for g in &r.groups {
            if let Some(g) = errors.check(Group::parse_field("requester.groups", g))
                && !groups.contains(&g)
            {
                groups.push(g);
            }
        }
        groups.sort();
        let address = errors.check(text::optional("requester.address", "地址", r.address.as_deref(), 120)).flatten();
        // A place is chosen from a list, not typed: say so when none was chosen.
        let region = if self.region.trim().is_empty() {
            errors.push(FieldError::new("region", "请选择所在村（社区）"));
            None
        } else {
            errors.check(DivisionCode::parse("region", &self.region))
        };
        if let Some(region) = region
            && region.level() < RegionLevel::District
        {
            errors.push(FieldError::new(
                "region",
                format!("请选择到区县及以下的区划（“{region}”是{}）", region.level().label()),
            ));
        }
        let description =
            errors.check(text::optional_multiline("description", "事项描述", Some(&self.description), 4000)).flatten();
        if description.is_none() && !errors.0.iter().any(|e| e.field == "description") {
            errors.push(FieldError::new("description", "请填写事项描述"));
        }
        let floor = match self.priority.as_deref().map(str::trim) {
            None | Some("") => Some(Priority::Normal),
            Some(p) => errors.check(Priority::parse_field("priority", p)),
        };
        // A phone is how the citizen hears back and follows the matter.
        if channel.is_some_and(|c| c != Channel::Letter)
            && phone.is_none()
            && !errors.0.iter().any(|e| e.field == "requester.phone")
        {
            errors.push(FieldError::new("requester.phone", "请填写当事人的联系电话，用于回复和查询办理进度"));
        }
        errors.into_result()?;
        let groups_priority = Priority::for_groups(&groups, floor.expect("checked"));
        Ok(RequestDraft {
            channel: channel.expect("checked"),
            category: category.expect("checked"),
            requester: Requester { name: name.expect("checked"), phone, id_number, groups, address },
            region: region.expect("checked"),
            description: description.expect("checked"),
            priority: groups_priority,
            event_id: None,
        })
    }
}

/// Who holds a matter now and who it is being handed to, as the workflow rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holding {
    pub status: Status,
    pub owner_user: Option<UserId>,
    pub owner_institution: Option<InstitutionId>,
    pub target_user: Option<UserId>,
    pub target_institution: Option<InstitutionId>,
}

/// Someone acting on a matter: their account and their institution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handler {
    pub user: UserId,
    pub institution: Option<InstitutionId>,
    /// Dispatchers (指挥调度) may reassign any matter in their scope.
    pub dispatcher: bool,
}

/// Why a step of the workflow is refused; the message is shown as is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The actor is not the one who may take this step.
    #[error("{0}")]
    NotYours(String),
    /// The matter is not in a state that allows the step.
    #[error("{0}")]
    WrongState(String),
}

impl Holding {
    /// 首问负责: only the owner hands a matter on (a dispatcher may too).
    pub fn check_transfer(&self, by: Handler) -> Result<(), RuleError> {
        match self.status {
            Status::Transferring => {
                return Err(RuleError::WrongState("该事项正在流转中，请等待对方受理或退回".into()));
            }
            Status::Resolved | Status::Closed => {
                return Err(RuleError::WrongState(format!("该事项{}，不能流转", self.status.label())));
            }
            Status::Open | Status::Pending => {}
        }
        let mine = self.owner_user == Some(by.user) || (self.status == Status::Pending && self.in_queue_of(by));
        if mine || by.dispatcher {
            Ok(())
        } else {
            Err(RuleError::NotYours("只有该事项的首问负责人（当前承办人）才能发起流转".into()))
        }
    }

    fn in_queue_of(&self, by: Handler) -> bool {
        self.owner_user.is_none() && self.owner_institution.is_some() && self.owner_institution == by.institution
    }

    /// Accepting: a matter handed to you (or your institution), or one waiting in your
    /// institution's queue.
    pub fn check_accept(&self, by: Handler) -> Result<(), RuleError> {
        match self.status {
            Status::Transferring => {
                let to_me = self.target_user == Some(by.user)
                    || (self.target_user.is_none()
                        && self.target_institution.is_some()
                        && self.target_institution == by.institution);
                if to_me {
                    Ok(())
                } else {
                    Err(RuleError::NotYours("该事项不是流转给您或您所在机构的，不能受理".into()))
                }
            }
            Status::Pending => {
                if self.in_queue_of(by) || by.dispatcher {
                    Ok(())
                } else {
                    Err(RuleError::NotYours("该事项不在您所在机构的待受理队列中".into()))
                }
            }
            Status::Open => Err(RuleError::WrongState("该事项已有承办人，无需再受理".into())),
            _ => Err(RuleError::WrongState(format!("该事项{}，不能受理", self.status.label()))),
        }
    }

    /// Refusing a hand-over sends it back to its owner with a reason.
    pub fn check_refuse(&self, by: Handler) -> Result<(), RuleError> {
        if self.status != Status::Transferring {
            return Err(RuleError::WrongState("只有流转中的事项可以退回".into()));
        }
        self.check_accept(by)
    }

    /// Resolving and replying: the owner only.
    pub fn check_owner(&self, by: Handler, what: &str) -> Result<(), RuleError> {
        match self.status {
            Status::Open | Status::Transferring => {}
            Status::Pending => return Err(RuleError::WrongState(format!("请先受理该事项再{what}"))),
            _ => return Err(RuleError::WrongState(format!("该事项{}，不能{what}", self.status.label()))),
        }
        if self.owner_user == Some(by.user) {
            Ok(())
        } else {
            Err(RuleError::NotYours(format!("只有承办人才能{what}")))
        }
    }

    /// Closing (归档) a resolved matter: its owner or a dispatcher; closing twice is refused.
    pub fn check_close(&self, by: Handler) -> Result<(), RuleError> {
        match self.status {
            Status::Resolved => {}
            Status::Closed => return Err(RuleError::WrongState("该事项已归档，不能重复归档".into())),
            _ => return Err(RuleError::WrongState("请先办结该事项再归档".into())),
        }
        if self.owner_user == Some(by.user) || by.dispatcher {
            Ok(())
        } else {
            Err(RuleError::NotYours("只有承办人或指挥调度人员才能归档".into()))
        }
    }

    /// Reopening a resolved or closed matter: its last owner or a dispatcher.
    pub fn check_reopen(&self, by: Handler) -> Result<(), RuleError> {
        if !matches!(self.status, Status::Resolved | Status::Closed) {
            return Err(RuleError::WrongState("只有已办结或已归档的事项可以重新办理".into()));
        }
        if self.owner_user == Some(by.user) || by.dispatcher {
            Ok(())
        } else {
            Err(RuleError::NotYours("只有原承办人或指挥调度人员才能重新办理".into()))
        }
    }
}

/// A named reference to another record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

/// A service request as shown to staff; personal data masked.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ServiceRequest {
    pub id: crate::ids::RequestId,
    pub number: RequestNumber,
    pub channel: Channel,
    pub category: Category,
    pub status: Status,
    pub priority: Priority,
    pub region: DivisionCode,
    pub region_name: String,
    pub requester_name: String,
    pub requester_phone_masked: Option<String>,
    pub requester_id_masked: Option<String>,
    pub requester_groups: Vec<Group>,
    pub requester_address: Option<String>,
    pub description: String,
    /// 首问负责人: who received the matter.
    pub first_owner: Option<Named>,
    pub owner_user: Option<Named>,
    pub owner_institution: Option<Named>,
    pub target_user: Option<Named>,
    pub target_institution: Option<Named>,
    pub transfer_reason: Option<String>,
    pub incident_id: Option<crate::ids::IncidentId>,
    /// When the current hand-over or queue must be accepted.
    pub accept_due_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When the matter must be resolved (限时办结).
    pub due_at: chrono::DateTime<chrono::Utc>,
    /// The deadline was counted with weekends only: the holiday file does not cover it.
    pub due_estimated: bool,
    pub overdue: bool,
    pub escalated: bool,
    pub reply: Option<String>,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub resolved_at: Option<chrono::DateTime<chrono::Utc>>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub version: i64,
}

impl ServiceRequest {
    pub fn holding(&self) -> Holding {
        Holding {
            status: self.status,
            owner_user: self.owner_user.as_ref().map(|n| UserId(n.id)),
            owner_institution: self.owner_institution.as_ref().map(|n| InstitutionId(n.id)),
            target_user: self.target_user.as_ref().map(|n| UserId(n.id)),
            target_institution: self.target_institution.as_ref().map(|n| InstitutionId(n.id)),
        }
    }
}

/// One step in a matter's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct RequestEvent {
    pub id: i64,
    pub kind: EventKind,
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who took the step ("系统" for background work).
    pub actor: String,
    pub institution: Option<String>,
    pub note: Option<String>,
}

/// Counts for the dispatch board.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct BoardCounts {
    pub open: i64,
    pub pending: i64,
    pub transferring: i64,
    pub overdue: i64,
    /// Open and due within the next day.
    pub due_soon: i64,
    pub escalated: i64,
    pub green: i64,
    pub urgent: i64,
}

/// Open matters held by one institution or person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Load {
    pub id: i64,
    pub name: String,
    pub open: i64,
    pub overdue: i64,
}

impl BoardCounts {
    fn add(&mut self, o: &BoardCounts) {
        self.open += o.open;
        self.pending += o.pending;
        self.transferring += o.transferring;
        self.overdue += o.overdue;
        self.due_soon += o.due_soon;
        self.escalated += o.escalated;
        self.green += o.green;
        self.urgent += o.urgent;
    }
}

/// The open matters held by one owner (an institution's queue, a person in it, or
/// neither), as the board's single pass over open matters sums them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnerTally {
    pub institution: Option<i64>,
    pub user: Option<i64>,
    pub counts: BoardCounts,
}

/// What the board shows from the tallies: the totals, and (id, open, overdue) per
/// institution and per person, most loaded first, at most `top` of each.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoardTotals {
    pub counts: BoardCounts,
    pub by_institution: Vec<(i64, i64, i64)>,
    pub by_person: Vec<(i64, i64, i64)>,
}

pub fn board_totals(tallies: &[OwnerTally], top: usize) -> BoardTotals {
    use std::collections::BTreeMap;
    let mut counts = BoardCounts::default();
    let mut institutions: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    let mut people: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for t in tallies {
        counts.add(&t.counts);
        for (key, map) in [(t.institution, &mut institutions), (t.user, &mut people)] {
            if let Some(id) = key {
                let e = map.entry(id).or_default();
                e.0 += t.counts.open;
                e.1 += t.counts.overdue;
            }
        }
    }
    let ranked = |map: BTreeMap<i64, (i64, i64)>| {
        let mut v: Vec<(i64, i64, i64)> = map.into_iter().map(|(id, (open, overdue))| (id, open, overdue)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(top);
        v
    };
    BoardTotals { counts, by_institution: ranked(institutions), by_person: ranked(people) }
}

/// Where a matter may be handed: inside the actor's scope, or up the chain to an
/// institution whose region contains the actor's scope (township → district centre →
/// city). A sibling township is neither.
pub fn may_transfer_to(actor_scope: DivisionCode, target_region: DivisionCode) -> bool {
    actor_scope.contains(target_region) || target_region.contains(actor_scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_totals_sum_every_owner_and_rank_the_most_loaded_first() {
        let tally = |institution, user, open, overdue, pending| OwnerTally {
            institution,
            user,
            counts: BoardCounts { open, overdue, pending, ..Default::default() },
        };
        let totals = board_totals(
            &[
                tally(Some(10), None, 5, 1, 5),
                tally(Some(10), Some(1), 3, 2, 0),
                tally(Some(20), Some(2), 9, 0, 0),
                tally(Some(30), Some(3), 1, 1, 0),
                tally(None, None, 2, 2, 2),
            ],
            2,
        );
        assert_eq!(totals.counts.open, 20);
        assert_eq!(totals.counts.overdue, 6);
        assert_eq!(totals.counts.pending, 7);
        assert_eq!(totals.by_institution, vec![(20, 9, 0), (10, 8, 3)], "top two, institution 30 cut");
        assert_eq!(totals.by_person, vec![(2, 9, 0), (1, 3, 2)]);
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn hotline_call() -> RequestInput {
        RequestInput {
            channel: "hotline".into(),
            category: "consultation".into(),
            requester: RequesterInput {
                name: "李大爷".into(),
                phone: Some("13812345678".into()),
                groups: vec!["elderly".into()],
                ..Default::default()
            },
            region: "220802100201".into(),
            description: "儿子不给赡养费，想咨询怎么办".into(),
            priority: None,
        }
    }

    #[test]
    fn intake_parses_and_the_green_channel_follows_the_groups() {
        let d = hotline_call().parse(today()).unwrap();
        assert_eq!(d.channel, Channel::Hotline);
        assert_eq!(d.priority, Priority::Green);
        let plain = RequestInput {
            requester: RequesterInput { groups: vec!["women".into()], ..hotline_call().requester },
            ..hotline_call()
        };
        assert_eq!(plain.parse(today()).unwrap().priority, Priority::Normal);
        let urgent = RequestInput { priority: Some("urgent".into()), ..hotline_call() };
        assert_eq!(urgent.parse(today()).unwrap().priority, Priority::Urgent);
    }

    #[test]
    fn intake_errors_name_the_fields() {
        let bad = RequestInput {
            channel: "pigeon".into(),
            category: "".into(),
            requester: RequesterInput {
                name: "".into(),
                phone: Some("123".into()),
                groups: vec!["aliens".into()],
                ..Default::default()
            },
            region: "220800".into(),
            description: "  ".into(),
            priority: Some("asap".into()),
        };
        let e = bad.parse(today()).unwrap_err();
        for field in [
            "channel",
            "category",
            "requester.name",
            "requester.phone",
            "requester.groups",
            "region",
            "description",
            "priority",
        ] {
            assert!(e.message_for(field).is_some(), "{field}: {e:?}");
        }
    }

    #[test]
    fn request_numbers() {
        let n = RequestNumber::new(DivisionCode::parse("d", "220802").unwrap(), today(), 7);
        assert_eq!(n.as_str(), "220802-20261130-0007");
        assert!(RequestNumber::parse("n", "220802-20261130-0007").is_ok());
        assert!(RequestNumber::parse("n", "220802-20261130-12345").is_ok());
        for bad in
            ["220802-20261330-0001", "2208-20261130-0001", "220802100000-20261130-0001", "x", "220802-20261130-01"]
        {
            assert!(RequestNumber::parse("n", bad).is_err(), "{bad}");
        }
    }

    fn handler(user: i64, inst: Option<i64>) -> Handler {
        Handler { user: UserId(user), institution: inst.map(InstitutionId), dispatcher: false }
    }

    #[test]
    fn first_contact_owns_until_acceptance() {
        let owned = Holding {
            status: Status::Open,
            owner_user: Some(UserId(1)),
            owner_institution: Some(InstitutionId(10)),
            target_user: None,
            target_institution: None,
        };
        assert!(owned.check_transfer(handler(1, Some(10))).is_ok());
        assert!(matches!(owned.check_transfer(handler(2, Some(10))), Err(RuleError::NotYours(_))));
        assert!(owned.check_transfer(Handler { dispatcher: true, ..handler(9, None) }).is_ok());
        let moving = Holding { status: Status::Transferring, target_institution: Some(InstitutionId(20)), ..owned };
        assert!(moving.check_accept(handler(5, Some(20))).is_ok());
        assert!(matches!(moving.check_accept(handler(5, Some(30))), Err(RuleError::NotYours(_))));
        assert!(moving.check_refuse(handler(5, Some(20))).is_ok());
        assert!(moving.check_transfer(handler(1, Some(10))).is_err());
        let queued = Holding { status: Status::Pending, owner_user: None, ..owned };
        assert!(queued.check_accept(handler(3, Some(10))).is_ok());
        assert!(queued.check_accept(handler(3, Some(11))).is_err());
        assert!(queued.check_owner(handler(3, Some(10)), "办结").is_err());
        let resolved = Holding { status: Status::Resolved, ..owned };
        assert!(resolved.check_close(handler(1, Some(10))).is_ok());
        let closed = Holding { status: Status::Closed, ..owned };
        assert!(closed.check_close(handler(1, Some(10))).unwrap_err().to_string().contains("重复归档"));
        assert!(closed.check_reopen(handler(1, Some(10))).is_ok());
    }

    #[test]
    fn transfers_go_within_scope_or_up_the_chain() {
        let c = |s: &str| DivisionCode::parse("c", s).unwrap();
        let township = c("220802100000");
        assert!(may_transfer_to(township, c("220802100201"))); // a village of it
        assert!(may_transfer_to(township, c("220802"))); // the district centre
        assert!(may_transfer_to(township, c("220800"))); // the city
        assert!(!may_transfer_to(township, c("220802101000"))); // a sibling township
        assert!(!may_transfer_to(c("220802"), c("220803"))); // another district
    }
}

/// An emergency incident (应急事件), e.g. a mass wage dispute, under which matters are
/// handled together with a shorter time limit.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Incident {
    pub id: crate::ids::IncidentId,
    pub title: String,
    pub description: Option<String>,
    pub region: DivisionCode,
    pub region_name: String,
    pub open: bool,
    pub opened_at: chrono::DateTime<chrono::Utc>,
    pub due_at: chrono::DateTime<chrono::Utc>,
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Open matters linked to it.
    pub open_matters: i64,
    pub version: i64,
}

/// A notification: an in-app message or an SMS, as queued and delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Message {
    pub id: i64,
    /// `sms` or `in_app`.
    pub channel: String,
    /// `receipt`, `transfer`, `reminder`, `escalation`, `evaluation` …
    pub template: String,
    pub body: String,
    /// The masked phone of an SMS.
    pub recipient: Option<String>,
    pub request_id: Option<i64>,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}
