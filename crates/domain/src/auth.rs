//! Accounts, roles and rights. Which role may do what is decided here, in one table
//! ([`Role::can`]); the services layer asks it before every use case, and the data
//! scope ([`Scope`]) is passed into every storage query.

use serde::Serialize;
use utoipa::ToSchema;

use crate::division::DivisionCode;
use crate::ids::{InstitutionId, UserId};

crate::code_enum! {
    /// 角色
    pub enum Role: "角色" {
        Admin => ("admin", "系统管理员"),
        Leader => ("leader", "局领导/监督"),
        Dispatcher => ("dispatcher", "指挥调度"),
        WindowStaff => ("window_staff", "窗口工作人员"),
        HotlineAgent => ("hotline_agent", "热线坐席"),
        LegalAidReviewer => ("legal_aid_reviewer", "法律援助审查员"),
        Lawyer => ("lawyer", "律师/法律服务人员"),
        Mediator => ("mediator", "调解员"),
        SocialSupervisor => ("social_supervisor", "社会监督员"),
    }
}

crate::code_enum! {
    /// 权限: one right a use case asks for.
    pub enum Permission: "权限" {
        ViewNetwork => ("view_network", "查看区划、机构和人员"),
        ManageNetwork => ("manage_network", "维护区划、机构和人员"),
        ExportNetwork => ("export_network", "导出机构和人员名录"),
        ViewPersonalData => ("view_personal_data", "查看完整个人信息"),
        ManageAccounts => ("manage_accounts", "管理账号和角色"),
        ViewAudit => ("view_audit", "查看审计日志"),
        ViewRequests => ("view_requests", "查看服务事项"),
        HandleRequests => ("handle_requests", "登记和办理服务事项"),
        ViewBoard => ("view_board", "查看指挥调度台"),
        DispatchRequests => ("dispatch_requests", "调度、改派和应急响应"),
        ManageConfig => ("manage_config", "维护节假日、时限和分派规则"),
        HandleMediation => ("handle_mediation", "办理人民调解"),
        ReviewLegalAid => ("review_legal_aid", "审查、指派法律援助案件"),
        HandleLegalAid => ("handle_legal_aid", "承办法律援助案件"),
        DecideObjections => ("decide_objections", "审查法律援助异议"),
        ViewEvaluations => ("view_evaluations", "查看服务评价和整改"),
        RectifyReviews => ("rectify_reviews", "核实整改差评、提出申诉"),
        SuperviseEvaluations => ("supervise_evaluations", "审核整改、复核申诉"),
        CallBackReviewers => ("call_back_reviewers", "回访差评评价人"),
        RecordSupervision => ("record_supervision", "记录监督走访"),
        ViewPlan => ("view_plan", "查看规划指标和领导驾驶舱"),
        ReportPlanTasks => ("report_plan_tasks", "报告规划任务进度（本部门的任务）"),
    }
}

impl Role {
    /// The rights of each role. Every right any role has is listed here and nowhere else.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            ViewNetwork => true,
            ManageNetwork | ManageAccounts | ViewAudit | ViewPersonalData => self == Admin,
            ExportNetwork => matches!(self, Admin | Leader | Dispatcher | WindowStaff),
            ViewRequests => !matches!(self, SocialSupervisor),
            // Case work is done by the people at the windows, the hotline and the
            // institutions; administrators and leaders supervise but do not handle.
            HandleRequests => {
                matches!(self, Dispatcher | WindowStaff | HotlineAgent | LegalAidReviewer | Lawyer | Mediator)
            }
            ViewBoard => matches!(self, Dispatcher | Leader),
            DispatchRequests => self == Dispatcher,
            ManageConfig => self == Admin,
            HandleMediation => matches!(self, Mediator | WindowStaff | Dispatcher),
            ReviewLegalAid => self == LegalAidReviewer,
            // The assigned lawyers record their work; the reviewer may record it for them.
            HandleLegalAid => matches!(self, Lawyer | LegalAidReviewer),
            // 法律援助法 第四十九条: objections go to the justice bureau, not to the centre
            // whose decision they contest.
            DecideObjections => self == Leader,
            // 好差评: everyone who serves sees how they were rated (never by whom); the
            // institutions rectify their bad reviews, the bureau checks and decides
            // appeals, the 12348 hotline calls real-name reviewers back, and social
            // supervisors record their visits.
            ViewEvaluations => true,
            RectifyReviews => {
                matches!(self, Dispatcher | WindowStaff | HotlineAgent | LegalAidReviewer | Lawyer | Mediator)
            }
            SuperviseEvaluations => self == Leader,
            CallBackReviewers => matches!(self, Dispatcher | HotlineAgent),
            RecordSupervision => matches!(self, SocialSupervisor | Leader),
            // The plan's progress is the bureau's: its leaders, the dispatch centre's
            // large screen, and the administrators who keep the plan file.
            ViewPlan => matches!(self, Leader | Dispatcher | Admin),
            // A department's staff report on its own tasks (the account names the
            // department); social supervisors watch, they do not report.
            ReportPlanTasks => self != SocialSupervisor,
        }
    }

    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL.iter().copied().filter(|p| self.can(*p)).collect()
    }
}

/// The region subtree an account may see and change. A township account sees its
/// township, a district account the district, a province account the province.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Scope {
    pub root: DivisionCode,
}

impl Scope {
    pub fn new(root: DivisionCode) -> Self {
        Self { root }
    }

    /// Inclusive bounds of the region codes inside the scope, for `BETWEEN` in queries.
    pub fn bounds(self) -> (i64, i64) {
        self.root.subtree_bounds()
    }

    pub fn contains(self, code: DivisionCode) -> bool {
        self.root.contains(code)
    }

    /// Whether this scope covers the whole of `other`.
    pub fn covers(self, other: Scope) -> bool {
        self.root.contains(other.root)
    }
}

/// Who is acting, with the request context the audit trail records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    pub institution_id: Option<InstitutionId>,
    /// Client address as the server saw it.
    pub ip: String,
    /// A step the person must take before anything else (their own password, 2FA).
    pub pending: Option<crate::identity::PendingStep>,
}

/// A use case was refused: for want of a right, or because a step comes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("没有“{}”的权限", .0.label())]
    Missing(Permission),
    #[error("{}", .0.message())]
    Pending(crate::identity::PendingStep),
}

impl Actor {
    /// The right to a use case; refused too while a step of the person's is pending, so
    /// nothing can be done before a first password is changed or 2FA enrolled.
    pub fn require(&self, permission: Permission) -> Result<(), Denied> {
        if let Some(step) = self.pending {
            return Err(Denied::Pending(step));
        }
        if self.role.can(permission) { Ok(()) } else { Err(Denied::Missing(permission)) }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.role.can(permission)
    }
}

/// The current user as shown to the client (`GET /api/v1/me`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Account {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: DivisionCode,
    pub scope_name: String,
    pub institution_id: Option<InstitutionId>,
    /// The department (科室、中心) it reports for on the plan's tasks.
    pub department: Option<String>,
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage() {
        for role in Role::ALL {
            assert!(role.can(Permission::ViewNetwork));
            assert_eq!(role.can(Permission::ManageNetwork), *role == Role::Admin, "{role:?}");
            assert_eq!(role.can(Permission::ViewAudit), *role == Role::Admin);
        }
        assert!(Role::WindowStaff.can(Permission::ExportNetwork));
        assert!(!Role::SocialSupervisor.can(Permission::ExportNetwork));
    }

    #[test]
    fn scopes_nest() {
        let district = Scope::new(DivisionCode::parse("s", "220802").unwrap());
        let township = Scope::new(DivisionCode::parse("s", "220802100000").unwrap());
        assert!(district.covers(township));
        assert!(!township.covers(district));
        assert!(township.contains(DivisionCode::parse("s", "220802100201").unwrap()));
        assert!(!township.contains(DivisionCode::parse("s", "220802101201").unwrap()));
    }
}
