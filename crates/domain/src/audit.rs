//! The vocabulary of the audit trail (审计日志): what happened to which kind of object.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

crate::code_enum! {
    /// 操作
    pub enum AuditAction: "操作" {
        Create => ("create", "新建"),
        Update => ("update", "修改"),
        Delete => ("delete", "删除"),
        Login => ("login", "登录"),
        LoginFailed => ("login_failed", "登录失败"),
        Logout => ("logout", "退出"),
        ViewPersonalData => ("view_personal_data", "查看个人信息"),
        Export => ("export", "导出"),
        Erase => ("erase", "清除个人信息"),
    }
}

crate::code_enum! {
    /// 对象类型
    pub enum AuditObject: "对象类型" {
        Region => ("region", "行政区划"),
        Institution => ("institution", "机构"),
        Person => ("person", "人员"),
        Training => ("training", "培训记录"),
        Appointment => ("appointment", "法律顾问聘任"),
        Account => ("account", "账号"),
        Session => ("session", "会话"),
        ServiceRequest => ("service_request", "服务事项"),
        Incident => ("incident", "应急事件"),
        Config => ("config", "系统设置"),
        Booking => ("booking", "预约"),
        MediationCase => ("mediation_case", "调解案件"),
        LegalAidCase => ("legal_aid_case", "法律援助案件"),
        DutyStation => ("duty_station", "值班律师工作站"),
        DutyService => ("duty_service", "值班律师服务记录"),
        Evaluation => ("evaluation", "服务评价"),
        Rectification => ("rectification", "差评整改"),
        SupervisionVisit => ("supervision_visit", "监督走访"),
        Archive => ("archive", "诚信档案"),
    }
}

/// One line of the audit trail, as stored (append-only).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    /// The username, or what was typed for a failed login.
    pub actor_name: String,
    pub ip: String,
    pub action: AuditAction,
    pub object_type: AuditObject,
    pub object_id: Option<String>,
    pub summary: String,
    /// What changed: `{"field": [old, new]}` for updates, the record for creates.
    #[schema(value_type = Option<Object>)]
    pub changes: Option<serde_json::Value>,
}
