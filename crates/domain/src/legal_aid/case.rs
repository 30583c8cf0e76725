//! A legal aid case from application to archive, as 法律援助法 第四章 and the procedure
//! rules (司法部令第148号) order it: received → reviewing (hardship check, exemption or
//! integrity pledge, 第四十一条) → materials asked once and in full (第四十三条第二款) →
//! decision (给予 / 不予) → assignment → agreement → handling → closing report → closure
//! review → follow-up → archive; termination (第四十八条) and objections (第四十九条).
//!
//! [`next_status`] is the whole order of steps as a pure function: a step out of order
//! (assigning before deciding, deciding twice) is refused here, with a Chinese message
//! that says what has to happen first, before any store is touched.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::DivisionCode;
use crate::calendar::{ConfigError, Period};
use crate::deadline::Rule;
use crate::legal_aid::{CaseType, Hardship, Matter, Sentence, Verdict};
use crate::request::Group;

crate::code_enum! {
    /// 法律援助案件状态
    pub enum CaseStatus: "案件状态" {
        Received => ("received", "待受理"),
        Reviewing => ("reviewing", "审查中"),
        AwaitingMaterials => ("awaiting_materials", "待补充材料"),
        Granted => ("granted", "待指派"),
        Refused => ("refused", "不予法律援助"),
        Assigned => ("assigned", "待签订委托协议"),
        Handling => ("handling", "承办中"),
        ClosingReview => ("closing_review", "结案审查中"),
        Closed => ("closed", "已结案"),
        Terminated => ("terminated", "已终止"),
        Archived => ("archived", "已归档"),
    }
}

crate::code_enum! {
    /// 申请渠道
    pub enum Channel: "申请渠道" {
        Window => ("window", "窗口申请"),
        Hotline => ("hotline", "12348热线"),
        Online => ("online", "网上申请"),
        Kiosk => ("kiosk", "自助终端"),
        Notice => ("notice", "办案机关通知指派"),
        Forwarded => ("forwarded", "羁押场所转交申请"),
    }
}

crate::code_enum! {
    /// 经济困难的核查方式（法律援助法 第四十一条）
    pub enum Verification: "经济困难核查方式" {
        NotRequired => ("not_required", "不受经济困难条件限制"),
        Exempt => ("exempt", "免予核查"),
        Lookup => ("lookup", "信息共享查询"),
        Pledge => ("pledge", "个人诚信承诺"),
    }
}

crate::code_enum! {
    /// 办理环节
    pub enum Action: "办理环节" {
        Accept => ("accept", "受理"),
        RequestMaterials => ("request_materials", "一次性告知补充材料"),
        MaterialsReceived => ("materials_received", "材料补齐"),
        Grant => ("grant", "决定给予法律援助"),
        Refuse => ("refuse", "决定不予法律援助"),
        Assign => ("assign", "指派"),
        SignAgreement => ("sign_agreement", "签订委托协议"),
        LogProgress => ("log_progress", "记录办理进展"),
        SubmitClosing => ("submit_closing", "提交结案报告"),
        ReviewClosing => ("review_closing", "结案审查"),
        FollowUp => ("follow_up", "回访受援人"),
        Archive => ("archive", "归档"),
        Terminate => ("terminate", "终止法律援助"),
        FileObjection => ("file_objection", "提出异议"),
        DecideObjection => ("decide_objection", "审查异议"),
        Correct => ("correct", "更正记录"),
    }
}

crate::code_enum! {
    /// 终止法律援助的情形（法律援助法 第四十八条）
    pub enum TerminationGround: "终止情形" {
        Deception => ("deception", "受援人以欺骗或者其他不正当手段获得法律援助"),
        ConcealedFacts => ("concealed_facts", "受援人故意隐瞒与案件有关的重要事实或者提供虚假证据"),
        UnlawfulUse => ("unlawful_use", "受援人利用法律援助从事违法活动"),
        NoLongerEligible => ("no_longer_eligible", "受援人的经济状况发生变化，不再符合法律援助条件"),
        CaseEnded => ("case_ended", "案件终止审理或者已经被撤销"),
        HiredCounsel => ("hired_counsel", "受援人自行委托律师或者其他代理人"),
        RecipientRequest => ("recipient_request", "受援人有正当理由要求终止法律援助"),
        Other => ("other", "法律法规规定的其他情形"),
    }
}

impl TerminationGround {
    /// The item of 第四十八条 the ground is.
    pub fn item(self) -> u32 {
        Self::ALL.iter().position(|g| *g == self).map_or(8, |i| i as u32 + 1)
    }
}

crate::code_enum! {
    /// 异议审查结果（法律援助法 第四十九条）
    pub enum ObjectionResult: "异议审查结果" {
        Upheld => ("upheld", "责令改正"),
        Dismissed => ("dismissed", "维持原决定"),
    }
}

crate::code_enum! {
    /// 审查决定
    pub enum Decision: "审查决定" {
        Grant => ("grant", "给予法律援助"),
        Refuse => ("refuse", "不予法律援助"),
    }
}

crate::code_enum! {
    /// 异议
    pub enum ObjectionStatus: "异议" {
        None => ("none", "无"),
        Pending => ("pending", "待审查"),
        Upheld => ("upheld", "已责令改正"),
        Dismissed => ("dismissed", "已维持原决定"),
    }
}

/// The plan's green channel (规划 四(八)(九), 五(十三)): special groups, 三农 matters and
/// those with no hardship condition or exempt from its check are accepted, approved and
/// assigned at once (三立即).
pub fn takes_green_channel(groups: &[Group], matter: Option<Matter>, hardship: Hardship) -> bool {
    groups.iter().any(|g| g.takes_green_channel())
        || matches!(matter, Some(Matter::Land | Matter::Farming))
        || matches!(hardship, Hardship::Exempt | Hardship::NotRequired)
}

/// Whether `actor` may see and take a handling step (the agreement, progress, the
/// closing report, a correction) on a case assigned to the institution
/// `assignee_institution`: legal aid staff any case in their scope; a lawyer only the
/// cases assigned to their own firm (the assigned person signs, 第二十七条 of the
/// procedure rules; and a lawyer needs no other applicant's file), none when their
/// account names no firm.
pub fn may_handle(actor: &crate::auth::Actor, assignee_institution: Option<i64>) -> bool {
    match actor.role {
        crate::auth::Role::Lawyer => actor.institution_id.is_some_and(|i| Some(i.0) == assignee_institution),
        _ => true,
    }
}

/// A step in the case history. The history is only ever added to: a correction is a
/// new entry, never a change to an old one.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Event {
    pub id: i64,
    pub action: Action,
    pub note: Option<String>,
    pub by_name: Option<String>,
    pub at: DateTime<Utc>,
}

/// A legal aid case as staff see it (ID number and phone masked).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct LegalAidCase {
    pub id: i64,
    /// e.g. （2026）洮北法援字第0001号.
    pub number: String,
    pub region: DivisionCode,
    pub region_name: String,
    pub centre_id: i64,
    pub centre_name: String,
    pub request_id: Option<i64>,
    pub channel: Channel,
    pub notice_from: Option<String>,
    pub case_type: CaseType,
    pub matter: Option<Matter>,
    pub groups: Vec<Group>,
    pub applicant_name: String,
    pub applicant_id_masked: Option<String>,
    pub applicant_phone_masked: Option<String>,
    pub household_size: Option<i32>,
    /// 家庭月收入（元）.
    pub household_monthly_income: Option<f64>,
    pub possible_sentence: Option<Sentence>,
    pub life_or_death: bool,
    pub minor: bool,
    pub opponent: Option<String>,
    pub facts: String,
    /// The eligibility engine's verdict on the facts as filed.
    pub verdict: Verdict,
    pub hardship: Hardship,
    pub verification: Verification,
    pub urgent: bool,
    pub green_channel: bool,
    pub status: CaseStatus,
    pub received_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub decide_due: Option<DateTime<Utc>>,
    pub materials_list: Option<String>,
    pub decision: Option<Decision>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    pub assign_due: Option<DateTime<Utc>>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub assignee_institution_id: Option<i64>,
    pub assignee_institution_name: Option<String>,
    pub assignment_override: Option<String>,
    pub agreement_due: Option<DateTime<Utc>>,
    pub agreement_signed_at: Option<DateTime<Utc>>,
    pub closing_report: Option<String>,
    pub closing_submitted_at: Option<DateTime<Utc>>,
    /// The last progress logged (及时追踪).
    pub last_progress_at: Option<DateTime<Utc>>,
    pub review_score: Option<i32>,
    /// 办案补贴（元）.
    pub subsidy: Option<f64>,
    pub closed_at: Option<DateTime<Utc>>,
    pub followed_up_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub termination_ground: Option<TerminationGround>,
    pub objection: ObjectionStatus,
    pub objection_filed_at: Option<DateTime<Utc>>,
    pub objection_due: Option<DateTime<Utc>>,
    pub events: Vec<Event>,
    pub version: i64,
}

impl LegalAidCase {
    /// The facts the order of steps needs.
    pub fn facts_for_steps(&self) -> CaseFacts {
        CaseFacts {
            urgent: self.urgent,
            decided: self.decision.is_some(),
            objection_pending: self.objection == ObjectionStatus::Pending,
            objection_filed: self.objection != ObjectionStatus::None,
            followed_up: self.followed_up_at.is_some(),
        }
    }

    /// The next time limit running, if any: what it is and when it ends.
    pub fn running_limit(&self) -> Option<(&'static str, DateTime<Utc>)> {
        running_limit(
            self.status,
            self.objection,
            Dues {
                decide: self.decide_due,
                assign: self.assign_due,
                agreement: self.agreement_due,
                objection: self.objection_due,
            },
        )
    }
}

/// The due times a case keeps, one per statutory limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dues {
    pub decide: Option<DateTime<Utc>>,
    pub assign: Option<DateTime<Utc>>,
    pub agreement: Option<DateTime<Utc>>,
    pub objection: Option<DateTime<Utc>>,
}

/// The limit running on a case in `status`: a pending objection's review first, else
/// the limit of the step the status waits for.
pub fn running_limit(
    status: CaseStatus,
    objection: ObjectionStatus,
    dues: Dues,
) -> Option<(&'static str, DateTime<Utc>)> {
    if objection == ObjectionStatus::Pending {
        return dues.objection.map(|d| ("异议审查", d));
    }
    match status {
        CaseStatus::Reviewing => dues.decide.map(|d| ("作出决定", d)),
        CaseStatus::Granted => dues.assign.map(|d| ("指派", d)),
        CaseStatus::Assigned => dues.agreement.map(|d| ("签订委托协议", d)),
        _ => None,
    }
}

/// What the order of steps needs to know beyond the status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaseFacts {
    /// 先行提供法律援助 (第四十四条): aid may be assigned before the decision.
    pub urgent: bool,
    /// Whether a decision (给予 / 不予) has been made.
    pub decided: bool,
    /// An objection is waiting for the bureau's review.
    pub objection_pending: bool,
    /// An objection has already been filed against the present decision.
    pub objection_filed: bool,
    /// The recipient has been visited after closing.
    pub followed_up: bool,
}

/// A step refused because of the order of steps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutOfOrder(pub String);

impl std::fmt::Display for OutOfOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The status after `action` on a case in `status`, or why the step cannot be taken now.
/// Steps that only add to the record (progress logs, objections, corrections, the
/// follow-up) leave the status as it is; an objection upheld sends a refusal back to
/// assignment and a termination back to handling.
pub fn next_status(
    status: CaseStatus,
    action: Action,
    facts: CaseFacts,
    objection: Option<ObjectionResult>,
) -> Result<CaseStatus, OutOfOrder> {
    use Action as A;
    use CaseStatus as S;
    let refuse = |first: &str| {
        Err(OutOfOrder(format!(
            "该案件{}，不能{}{}{first}",
            status.label(),
            action.label(),
            if first.is_empty() { "" } else { "：" }
        )))
    };
    match (action, status) {
        (A::Accept, S::Received) => Ok(S::Reviewing),
        (A::RequestMaterials, S::Reviewing) => Ok(S::AwaitingMaterials),
        (A::MaterialsReceived, S::AwaitingMaterials) => Ok(S::Reviewing),
        (A::Grant, S::Reviewing) if !facts.decided => Ok(S::Granted),
        (A::Refuse, S::Reviewing) if !facts.decided => Ok(S::Refused),
        // Aid given before review (第四十四条) is decided afterwards: a grant keeps the
        // case where it is, a refusal ends the aid already begun.
        (A::Grant, S::Assigned | S::Handling) if facts.urgent && !facts.decided => Ok(status),
        (A::Refuse, S::Assigned | S::Handling) if facts.urgent && !facts.decided => Ok(S::Terminated),
        (A::Grant | A::Refuse, _) if facts.decided => refuse("已经作出过决定，决定不能重复作出（更正请记录更正）"),
        (A::Grant | A::Refuse, S::Received) => refuse("请先受理"),
        (A::Grant | A::Refuse, S::AwaitingMaterials) => refuse("材料尚未补齐"),
        (A::Assign, S::Granted) => Ok(S::Assigned),
        (A::Assign, S::Reviewing | S::AwaitingMaterials) if facts.urgent => Ok(S::Assigned),
        (A::Assign, S::Received | S::Reviewing | S::AwaitingMaterials) => {
            refuse("应先作出给予法律援助的决定（情况紧急的，可依第四十四条先行提供）")
        }
        (A::SignAgreement, S::Assigned) => Ok(S::Handling),
        (A::LogProgress, S::Assigned | S::Handling) => Ok(status),
        (A::SubmitClosing, S::Handling) => Ok(S::ClosingReview),
        (A::SubmitClosing, S::Assigned) => refuse("应先签订委托协议"),
        (A::ReviewClosing, S::ClosingReview) => Ok(S::Closed),
        (A::FollowUp, S::Closed) => Ok(S::Closed),
        (A::Archive, S::Closed) if facts.followed_up => Ok(S::Archived),
        (A::Archive, S::Closed) => refuse("应先回访受援人"),
        (A::Terminate, S::Assigned | S::Handling | S::ClosingReview) => Ok(S::Terminated),
        (A::FileObjection, S::Refused | S::Terminated) if !facts.objection_filed => Ok(status),
        (A::FileObjection, S::Refused | S::Terminated) => refuse("对该决定已经提出过异议"),
        (A::DecideObjection, S::Refused | S::Terminated) if facts.objection_pending => match (objection, status) {
            (Some(ObjectionResult::Upheld), S::Refused) => Ok(S::Granted),
            (Some(ObjectionResult::Upheld), _) => Ok(S::Handling),
            (Some(ObjectionResult::Dismissed), _) => Ok(status),
            (None, _) => refuse("请选择审查结果"),
        },
        (A::DecideObjection, _) => refuse("没有待审查的异议"),
        (A::Correct, _) => Ok(status),
        _ => refuse(""),
    }
}

/// The statutory time limits of a legal aid case, each with its source, as the
/// district's deadline file states them (`[legal_aid]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadlines {
    /// Decide within 7 days of a complete application (第四十三条).
    pub decide: Rule,
    /// Assign within 3 days of the decision to grant (第四十三条).
    pub assign: Rule,
    /// Assign within 3 days of a notice from a court, procuratorate or police (第三十六条).
    pub notice_assign: Rule,
    /// Sign the agreement within 5 days of the assignment (程序规定 第二十七条).
    pub agreement: Rule,
    /// The bureau reviews an objection within 5 days (第四十九条).
    pub objection: Rule,
    /// A case in hand is followed up at least this often (及时追踪 of the plan's
    /// “三立即两及时”, 规划 四(九)); a district's policy, in days.
    pub tracking: Rule,
}

impl Deadlines {
    /// The law's own periods, for a deadline file that does not state them.
    pub fn statutory() -> Deadlines {
        let rule = |days: u32, source: &str| Rule { period: Period::days(days), source: source.into() };
        Deadlines {
            decide: rule(7, "法律援助法 第四十三条：自收到申请之日起七日内进行审查，作出是否给予法律援助的决定"),
            assign: rule(3, "法律援助法 第四十三条：决定给予法律援助的，应当自作出决定之日起三日内指派"),
            notice_assign: rule(3, "法律援助法 第三十六条：法律援助机构收到通知后，应当在三日内指派律师"),
            agreement: rule(5, "《办理法律援助案件程序规定》第二十七条：自指派之日起五日内与受援人签订委托协议"),
            objection: rule(5, "法律援助法 第四十九条：司法行政部门应当自收到异议之日起五日内进行审查"),
            tracking: rule(30, "洮北区规划 四(九)：三立即、两及时（及时追踪、及时回访）；间隔由本区设定"),
        }
    }

    /// Reads the `[legal_aid]` entries of a deadline file.
    pub fn parse(entries: &[(&str, &str, &str)]) -> Result<Deadlines, ConfigError> {
        let mut d = Deadlines::statutory();
        for (key, period, source) in entries {
            let slot = match *key {
                "decide" => &mut d.decide,
                "assign" => &mut d.assign,
                "notice_assign" => &mut d.notice_assign,
                "agreement" => &mut d.agreement,
                "objection" => &mut d.objection,
                "tracking" => &mut d.tracking,
                other => return Err(ConfigError(format!("法律援助时限“{other}”不是平台已知的环节"))),
            };
            let period = Period::parse(period).map_err(|e| ConfigError(format!("法律援助时限·{key}：{}", e.0)))?;
            if *key == "tracking" && period.unit != crate::calendar::Unit::Days {
                return Err(ConfigError("法律援助时限·tracking：跟踪间隔请以“日”计，如“30日”".into()));
            }
            if source.trim().is_empty() {
                return Err(ConfigError(format!("法律援助时限·{key}：缺少依据（source）")));
            }
            *slot = Rule { period, source: source.trim().to_string() };
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> CaseFacts {
        CaseFacts::default()
    }

    #[test]
    fn the_ordinary_path_runs_from_application_to_archive() {
        let mut s = CaseStatus::Received;
        let mut f = facts();
        for (a, expected) in [
            (Action::Accept, CaseStatus::Reviewing),
            (Action::RequestMaterials, CaseStatus::AwaitingMaterials),
            (Action::MaterialsReceived, CaseStatus::Reviewing),
            (Action::Grant, CaseStatus::Granted),
            (Action::Assign, CaseStatus::Assigned),
            (Action::SignAgreement, CaseStatus::Handling),
            (Action::LogProgress, CaseStatus::Handling),
            (Action::SubmitClosing, CaseStatus::ClosingReview),
            (Action::ReviewClosing, CaseStatus::Closed),
            (Action::FollowUp, CaseStatus::Closed),
            (Action::Archive, CaseStatus::Archived),
        ] {
            s = next_status(s, a, f, None).unwrap_or_else(|e| panic!("{a:?}: {e}"));
            assert_eq!(s, expected, "{a:?}");
            f.decided |= matches!(a, Action::Grant);
            f.followed_up |= matches!(a, Action::FollowUp);
        }
    }

    #[test]
    fn steps_out_of_order_say_what_comes_first() {
        let e = next_status(CaseStatus::Reviewing, Action::Assign, facts(), None).unwrap_err();
        assert!(e.0.contains("应先作出给予法律援助的决定"), "{e}");
        let decided = CaseFacts { decided: true, ..facts() };
        let e = next_status(CaseStatus::Granted, Action::Grant, decided, None).unwrap_err();
        assert!(e.0.contains("不能重复"), "{e}");
        assert!(next_status(CaseStatus::Received, Action::Grant, facts(), None).unwrap_err().0.contains("请先受理"));
        assert!(next_status(CaseStatus::Closed, Action::Archive, decided, None).unwrap_err().0.contains("回访"));
        assert!(next_status(CaseStatus::Archived, Action::Terminate, decided, None).is_err());
        assert!(next_status(CaseStatus::Granted, Action::DecideObjection, decided, None).is_err());
    }

    #[test]
    fn urgent_aid_comes_before_the_decision_and_a_later_refusal_ends_it() {
        let urgent = CaseFacts { urgent: true, ..facts() };
        assert_eq!(next_status(CaseStatus::Reviewing, Action::Assign, urgent, None), Ok(CaseStatus::Assigned));
        assert_eq!(next_status(CaseStatus::Handling, Action::Grant, urgent, None), Ok(CaseStatus::Handling));
        assert_eq!(next_status(CaseStatus::Handling, Action::Refuse, urgent, None), Ok(CaseStatus::Terminated));
    }

    #[test]
    fn one_objection_per_decision_and_an_upheld_one_reopens_the_case() {
        let decided = CaseFacts { decided: true, ..facts() };
        assert_eq!(next_status(CaseStatus::Refused, Action::FileObjection, decided, None), Ok(CaseStatus::Refused));
        let pending = CaseFacts { objection_pending: true, objection_filed: true, ..decided };
        assert!(next_status(CaseStatus::Refused, Action::FileObjection, pending, None).is_err());
        assert_eq!(
            next_status(CaseStatus::Refused, Action::DecideObjection, pending, Some(ObjectionResult::Upheld)),
            Ok(CaseStatus::Granted)
        );
        assert_eq!(
            next_status(CaseStatus::Terminated, Action::DecideObjection, pending, Some(ObjectionResult::Upheld)),
            Ok(CaseStatus::Handling)
        );
        assert_eq!(
            next_status(CaseStatus::Refused, Action::DecideObjection, pending, Some(ObjectionResult::Dismissed)),
            Ok(CaseStatus::Refused)
        );
    }

    #[test]
    fn termination_grounds_are_the_items_of_article_48() {
        assert_eq!(TerminationGround::Deception.item(), 1);
        assert_eq!(TerminationGround::HiredCounsel.item(), 6);
        assert_eq!(TerminationGround::Other.item(), 8);
    }

    #[test]
    fn deadline_entries_replace_the_statutory_ones_and_unknown_steps_are_refused() {
        let d = Deadlines::parse(&[("decide", "5日", "本省规定")]).unwrap();
        assert_eq!(d.decide.period, Period::days(5));
        assert_eq!(d.assign, Deadlines::statutory().assign);
        assert!(Deadlines::parse(&[("decided", "5日", "x")]).is_err());
        assert!(Deadlines::parse(&[("decide", "5日", " ")]).is_err());
        assert!(Deadlines::parse(&[("decide", "五天", "x")]).is_err());
    }

    #[test]
    fn the_tracking_interval_is_a_number_of_days_the_district_sets() {
        assert_eq!(Deadlines::statutory().tracking.period.amount, 30);
        let d = Deadlines::parse(&[("tracking", "14日", "本区法律援助中心规定")]).unwrap();
        assert_eq!(d.tracking.period.amount, 14);
        let e = Deadlines::parse(&[("tracking", "2个月", "本区")]).unwrap_err();
        assert!(e.0.contains("以“日”计"), "{}", e.0);
    }

    #[test]
    fn a_lawyer_works_only_the_cases_assigned_to_their_firm() {
        use crate::auth::{Actor, Role, Scope};
        use crate::ids::{InstitutionId, UserId};
        let person = |role: Role, firm: Option<i64>| Actor {
            user_id: UserId(1),
            username: "x".into(),
            display_name: "x".into(),
            role,
            scope: Scope::new(crate::DivisionCode::parse("scope", "220802").unwrap()),
            institution_id: firm.map(InstitutionId),
            ip: String::new(),
            pending: None,
        };
        assert!(may_handle(&person(Role::Lawyer, Some(7)), Some(7)));
        assert!(!may_handle(&person(Role::Lawyer, Some(7)), Some(8)));
        assert!(!may_handle(&person(Role::Lawyer, Some(7)), None));
        assert!(!may_handle(&person(Role::Lawyer, None), None), "a lawyer without a firm cannot be told apart");
        assert!(
            may_handle(&person(Role::LegalAidReviewer, Some(3)), Some(8)),
            "legal aid staff work every case in scope"
        );
    }
}
