//! 差评整改: every bad review (and every finding of a social supervisor's visit that
//! needs it) opens a rectification task for the responsible institution — 核实, 整改,
//! 反馈 — checked by the bureau, with a call-back to every real-name reviewer (100 %),
//! and an appeal (申诉复核) the bureau decides: upheld, the review leaves the figures but
//! stays on record. The order of steps is one pure function, [`next_status`], so the API,
//! the pages, the jobs and the demo all meet the same rule.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Permission, Role};

crate::code_enum! {
    /// Where a rectification task stands.
    pub enum RectStatus: "整改状态" {
        Open => ("open", "待核实"),
        Verified => ("verified", "整改中"),
        Rectified => ("rectified", "待反馈"),
        FedBack => ("fed_back", "待审核"),
        CallBack => ("call_back", "待回访"),
        Appealing => ("appealing", "申诉复核中"),
        Closed => ("closed", "已办结"),
    }
}

crate::code_enum! {
    /// A step of the task.
    pub enum RectStep: "整改环节" {
        Verify => ("verify", "核实情况"),
        Rectify => ("rectify", "整改"),
        Feedback => ("feedback", "反馈评价人"),
        Pass => ("pass", "审核通过"),
        Return => ("return", "退回重新整改"),
        CallBack => ("call_back", "回访评价人"),
        Appeal => ("appeal", "申诉"),
        Uphold => ("uphold", "申诉成立"),
        Reject => ("reject", "申诉不成立"),
    }
}

crate::code_enum! {
    /// Why the task was opened.
    pub enum RectSource: "整改来源" {
        Review => ("review", "差评"),
        Visit => ("visit", "社会监督员走访"),
    }
}

crate::code_enum! {
    /// What the reviewer said when called back.
    pub enum CallBackResult: "回访结果" {
        Satisfied => ("satisfied", "对整改满意"),
        Unsatisfied => ("unsatisfied", "对整改不满意"),
        Unreachable => ("unreachable", "多次联系不上"),
    }
}

/// The facts besides the status that decide the next step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RectFacts {
    /// The reviewer left a phone: a call-back is owed before the task closes.
    pub real_name: bool,
    /// An appeal was already made (one appeal per review).
    pub appealed: bool,
    /// A supervisor's visit, not a review: nothing to appeal, nobody to call back.
    pub source: Option<RectSource>,
}

/// The status after `step`, or why the step cannot be taken now (in Chinese).
pub fn next_status(status: RectStatus, step: RectStep, facts: RectFacts) -> Result<RectStatus, String> {
    use RectStatus as S;
    use RectStep as T;
    let visit = facts.source == Some(RectSource::Visit);
    let refused = |what: &str| Err(format!("该整改任务{}，不能{}", status.label(), what));
    match (step, status) {
        (T::Verify, S::Open) => Ok(S::Verified),
        (T::Rectify, S::Verified) => Ok(S::Rectified),
        (T::Feedback, S::Rectified) => Ok(S::FedBack),
        (T::Pass, S::FedBack) => Ok(if facts.real_name && !visit { S::CallBack } else { S::Closed }),
        (T::Return, S::FedBack) => Ok(S::Verified),
        (T::CallBack, S::CallBack) => Ok(S::Closed),
        (T::Appeal, _) if visit => Err("社会监督员走访发现的问题不适用差评申诉，请按要求整改".into()),
        (T::Appeal, S::Open | S::Verified) if facts.appealed => Err("同一差评只能申诉一次".into()),
        (T::Appeal, S::Open | S::Verified) => Ok(S::Appealing),
        (T::Uphold, S::Appealing) => Ok(S::Closed),
        (T::Reject, S::Appealing) => Ok(S::Verified),
        (T::Verify, _) => refused("再核实"),
        (T::Rectify, S::Open) => Err("请先核实情况，再填写整改措施".into()),
        (T::Rectify, _) => refused("填写整改措施"),
        (T::Feedback, S::Open | S::Verified) => Err("请先完成整改，再向评价人反馈".into()),
        (T::Feedback, _) => refused("反馈"),
        (T::Pass | T::Return, _) => Err("整改反馈后才能审核".into()),
        (T::CallBack, _) => Err("审核通过后才回访评价人".into()),
        (T::Appeal, _) => Err("差评核实、整改之前才能申诉".into()),
        (T::Uphold | T::Reject, _) => Err("没有待复核的申诉".into()),
    }
}

/// The right each step asks for: the institution verifies, rectifies, feeds back and
/// appeals; the bureau checks and decides appeals; the hotline calls back.
pub fn permission_for(step: RectStep) -> Permission {
    match step {
        RectStep::Verify | RectStep::Rectify | RectStep::Feedback | RectStep::Appeal => Permission::RectifyReviews,
        RectStep::Pass | RectStep::Return | RectStep::Uphold | RectStep::Reject => Permission::SuperviseEvaluations,
        RectStep::CallBack => Permission::CallBackReviewers,
    }
}

/// Whether an account works a task of `institution`: the institution's own staff do;
/// the dispatch centre and the bureau's supervisors take any task in their scope.
pub fn may_work(role: Role, own_institution: Option<i64>, institution: Option<i64>) -> bool {
    match role {
        Role::Dispatcher | Role::HotlineAgent | Role::Leader => true,
        _ => own_institution.is_some() && own_institution == institution,
    }
}

/// Whether an account sees an evaluation or task of `institution` at all (within its
/// scope): lawyers and mediators see their own institution's, everyone else the scope's.
pub fn may_see(role: Role, own_institution: Option<i64>, institution: Option<i64>) -> bool {
    match role {
        Role::Lawyer | Role::Mediator => own_institution.is_some() && own_institution == institution,
        _ => true,
    }
}

/// A rectification task as staff see it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Rectification {
    pub id: i64,
    #[schema(value_type = String)]
    pub source: RectSource,
    pub evaluation_id: Option<i64>,
    pub visit_id: Option<i64>,
    #[schema(value_type = String)]
    pub status: RectStatus,
    pub status_label: String,
    pub institution_id: Option<i64>,
    pub institution_name: String,
    pub region: String,
    pub region_name: String,
    /// What the task is about: the review's level, reasons and comment, or the visit's finding.
    pub subject: String,
    /// The last day to feed back (working days on the platform calendar).
    pub due_on: NaiveDate,
    pub overdue: bool,
    pub real_name: bool,
    pub appealed: bool,
    /// Fed back by the due day (None while not fed back).
    pub on_time: Option<bool>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// One step taken, with its note.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct RectEvent {
    #[schema(value_type = String)]
    pub step: RectStep,
    pub step_label: String,
    pub note: String,
    pub by_name: String,
    pub at: DateTime<Utc>,
}

/// A social supervisor's visit (社会监督员走访) as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Visit {
    pub id: i64,
    pub institution_id: i64,
    pub institution_name: String,
    pub visited_on: NaiveDate,
    pub supervisor_name: String,
    pub findings: String,
    pub rectification_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use RectStatus as S;
    use RectStep as T;

    fn walk(facts: RectFacts, steps: &[RectStep]) -> Result<RectStatus, String> {
        steps.iter().try_fold(S::Open, |s, t| next_status(s, *t, facts))
    }

    #[test]
    fn verify_rectify_feed_back_and_check_close_an_anonymous_review() {
        let f = RectFacts { source: Some(RectSource::Review), ..Default::default() };
        assert_eq!(walk(f, &[T::Verify, T::Rectify, T::Feedback, T::Pass]), Ok(S::Closed));
    }

    #[test]
    fn a_real_name_review_is_called_back_before_it_closes() {
        let f = RectFacts { real_name: true, source: Some(RectSource::Review), ..Default::default() };
        assert_eq!(walk(f, &[T::Verify, T::Rectify, T::Feedback, T::Pass]), Ok(S::CallBack));
        assert_eq!(walk(f, &[T::Verify, T::Rectify, T::Feedback, T::Pass, T::CallBack]), Ok(S::Closed));
    }

    #[test]
    fn a_returned_rectification_is_done_again() {
        let f = RectFacts::default();
        assert_eq!(walk(f, &[T::Verify, T::Rectify, T::Feedback, T::Return]), Ok(S::Verified));
        assert_eq!(walk(f, &[T::Verify, T::Rectify, T::Feedback, T::Return, T::Rectify]), Ok(S::Rectified));
    }

    #[test]
    fn steps_out_of_order_say_what_comes_first() {
        let f = RectFacts::default();
        assert!(walk(f, &[T::Rectify]).unwrap_err().contains("先核实"));
        assert!(walk(f, &[T::Feedback]).unwrap_err().contains("先完成整改"));
        assert!(walk(f, &[T::Pass]).is_err());
        assert!(walk(f, &[T::CallBack]).is_err());
        assert!(walk(f, &[T::Verify, T::Verify]).is_err());
        assert!(walk(f, &[T::Uphold]).unwrap_err().contains("申诉"));
    }

    #[test]
    fn one_appeal_before_rectification_and_none_for_a_visit() {
        let f = RectFacts::default();
        assert_eq!(walk(f, &[T::Appeal, T::Uphold]), Ok(S::Closed));
        assert_eq!(walk(f, &[T::Verify, T::Appeal, T::Reject]), Ok(S::Verified));
        let appealed = RectFacts { appealed: true, ..f };
        assert!(next_status(S::Verified, T::Appeal, appealed).unwrap_err().contains("一次"));
        assert!(walk(f, &[T::Verify, T::Rectify, T::Appeal]).is_err(), "too late once rectified");
        let visit = RectFacts { source: Some(RectSource::Visit), real_name: true, ..f };
        assert!(next_status(S::Open, T::Appeal, visit).is_err());
        assert_eq!(walk(visit, &[T::Verify, T::Rectify, T::Feedback, T::Pass]), Ok(S::Closed), "no call-back");
    }

    #[test]
    fn who_works_and_who_sees_a_task() {
        assert!(may_work(Role::WindowStaff, Some(3), Some(3)));
        assert!(!may_work(Role::WindowStaff, Some(3), Some(4)));
        assert!(!may_work(Role::Mediator, None, None));
        assert!(may_work(Role::Dispatcher, None, Some(4)));
        assert!(may_see(Role::SocialSupervisor, None, Some(4)));
        assert!(!may_see(Role::Lawyer, Some(3), Some(4)));
        assert_eq!(permission_for(T::Uphold), Permission::SuperviseEvaluations);
        assert_eq!(permission_for(T::CallBack), Permission::CallBackReviewers);
    }
}
