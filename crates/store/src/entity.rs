//! Table definitions for SeaORM, one module a table. They mirror the SQL migrations in
//! `migrations/`; the conformance tests run every query against both schemas.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod region {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "regions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: i64,
        pub name: String,
        pub level: String,
        pub parent_code: Option<i64>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod institution {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "institutions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub name: String,
        pub region_code: i64,
        pub address: Option<String>,
        pub phone: Option<String>,
        pub opening_hours: Option<String>,
        pub services: String,
        pub green_channel: bool,
        pub demonstration_level: String,
        pub host: Option<String>,
        pub note: Option<String>,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod person {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "people")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub name: String,
        pub gender: Option<String>,
        pub institution_id: Option<i64>,
        pub region_code: i64,
        pub id_number_enc: Option<String>,
        pub id_number_hash: Option<String>,
        pub id_number_masked: Option<String>,
        pub phone_enc: Option<String>,
        pub phone_masked: Option<String>,
        pub licence_no: Option<String>,
        pub practice_years: Option<i32>,
        pub specialties: String,
        pub certification: String,
        pub employment: Option<String>,
        pub active: bool,
        pub note: Option<String>,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod training {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "trainings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub person_id: i64,
        pub date: Date,
        pub title: String,
        pub hours: f64,
        pub organiser: Option<String>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod appointment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "advisor_appointments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub person_id: i64,
        pub village_code: i64,
        pub since: Date,
        pub until: Option<Date>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub username: String,
        pub display_name: String,
        pub password_hash: String,
        pub role: String,
        pub scope_code: i64,
        pub institution_id: Option<i64>,
        pub active: bool,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub must_change_password: bool,
        pub password_changed_at: Option<DateTimeUtc>,
        pub totp_secret_enc: Option<String>,
        pub totp_pending_enc: Option<String>,
        pub totp_enabled_at: Option<DateTimeUtc>,
        pub recovery_codes: Option<String>,
        pub demo: bool,
        pub department: Option<String>,
    }
    no_relations!();
}

pub mod session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub token_hash: String,
        pub user_id: i64,
        pub csrf_token: String,
        pub ip: String,
        pub created_at: DateTimeUtc,
        pub last_seen_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub pending: Option<String>,
    }
    no_relations!();
}

pub mod login_attempt {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "login_attempts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub username: String,
        pub ip: String,
        pub at: DateTimeUtc,
        pub success: bool,
    }
    no_relations!();
}

pub mod audit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub at: DateTimeUtc,
        pub actor_id: Option<i64>,
        pub actor_name: String,
        pub ip: String,
        pub scope_code: Option<i64>,
        pub action: String,
        pub object_type: String,
        pub object_id: Option<String>,
        pub summary: String,
        pub changes: Option<String>,
        pub chain_seq: Option<i64>,
        pub prev_hash: Option<String>,
        pub hash: Option<String>,
    }
    no_relations!();
}

pub mod meta {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "app_meta")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub value: String,
    }
    no_relations!();
}

pub mod counter {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "counters")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub value: i64,
    }
    no_relations!();
}

pub mod config_file {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "config_files")]
    pub struct Model {
        /// 0 for the installation's own file, else the district's code.
        #[sea_orm(primary_key, auto_increment = false)]
        pub region_code: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub content: String,
        pub updated_by: String,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod incident {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "incidents")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub title: String,
        pub description: Option<String>,
        pub region_code: i64,
        pub status: String,
        pub opened_by: Option<i64>,
        pub opened_at: DateTimeUtc,
        pub due_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
        pub version: i64,
    }
    no_relations!();
}

pub mod service_request {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "service_requests")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub number: String,
        pub channel: String,
        pub category: String,
        pub status: String,
        pub is_open: bool,
        pub priority: i32,
        pub region_code: i64,
        pub township_code: Option<i64>,
        pub requester_name: String,
        pub requester_phone_enc: Option<String>,
        pub requester_phone_masked: Option<String>,
        pub requester_id_enc: Option<String>,
        pub requester_id_masked: Option<String>,
        pub requester_groups: String,
        pub requester_address: Option<String>,
        pub requester_name_bidx: Option<String>,
        pub description: String,
        pub first_owner_user_id: Option<i64>,
        pub owner_user_id: Option<i64>,
        pub owner_institution_id: Option<i64>,
        pub owner_region_code: Option<i64>,
        pub target_user_id: Option<i64>,
        pub target_institution_id: Option<i64>,
        pub target_region_code: Option<i64>,
        pub transfer_reason: Option<String>,
        pub incident_id: Option<i64>,
        pub accept_due_at: Option<DateTimeUtc>,
        pub due_at: DateTimeUtc,
        pub due_estimated: bool,
        pub reminded_at: Option<DateTimeUtc>,
        pub escalated: bool,
        pub reply: Option<String>,
        pub received_at: DateTimeUtc,
        pub resolved_at: Option<DateTimeUtc>,
        pub closed_at: Option<DateTimeUtc>,
        pub updated_at: DateTimeUtc,
        pub version: i64,
        /// The event (巡回服务、普法宣传) a consultation was taken at.
        pub event_id: Option<i64>,
    }
    no_relations!();
}

pub mod request_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "request_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub request_id: i64,
        pub kind: String,
        pub at: DateTimeUtc,
        pub actor_user_id: Option<i64>,
        pub actor_name: String,
        pub institution_id: Option<i64>,
        pub note: Option<String>,
    }
    no_relations!();
}

pub mod job {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "jobs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub subject_id: i64,
        pub run_at: DateTimeUtc,
        pub state: String,
        pub runs: i32,
        pub failures: i32,
        pub last_error: Option<String>,
        pub done_by: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod outbox {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub channel: String,
        pub recipient_user_id: Option<i64>,
        pub recipient_phone_enc: Option<String>,
        pub recipient_masked: Option<String>,
        pub template: String,
        pub body: String,
        pub request_id: Option<i64>,
        pub state: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub last_error: Option<String>,
        pub created_at: DateTimeUtc,
        pub sent_at: Option<DateTimeUtc>,
        pub read_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod slot {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "appointment_slots")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub institution_id: i64,
        pub region_code: i64,
        pub kind: String,
        pub starts_at: DateTimeUtc,
        pub ends_at: DateTimeUtc,
        pub capacity: i32,
        pub booked: i32,
        pub note: Option<String>,
        pub created_by: Option<i64>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod booking {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bookings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub slot_id: i64,
        pub request_id: Option<i64>,
        pub name: String,
        pub phone_enc: String,
        pub phone_masked: String,
        pub address: Option<String>,
        pub reason: String,
        pub groups: String,
        pub status: String,
        pub booked_by: Option<i64>,
        pub created_at: DateTimeUtc,
        pub cancelled_at: Option<DateTimeUtc>,
        pub done_at: Option<DateTimeUtc>,
        pub done_by: Option<i64>,
    }
    no_relations!();
}

pub mod mediation_case {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mediation_cases")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub number: String,
        pub committee_id: i64,
        pub region_code: i64,
        pub dispute_type: String,
        pub source: String,
        pub request_id: Option<i64>,
        pub summary: String,
        pub status: String,
        pub applied_at: DateTimeUtc,
        pub accepted_at: Option<DateTimeUtc>,
        pub due_at: Option<DateTimeUtc>,
        pub refused_reason: Option<String>,
        pub failure_guidance: Option<String>,
        pub agreement_facts: Option<String>,
        pub agreement_terms: Option<String>,
        pub agreement_performance: Option<String>,
        pub agreement_signed_on: Option<Date>,
        pub agreement_oral: bool,
        pub confirmation_due: Option<Date>,
        pub confirmation: String,
        pub confirmation_court: Option<String>,
        pub performance: String,
        pub performance_note: Option<String>,
        pub closed_at: Option<DateTimeUtc>,
        pub created_by: Option<i64>,
        pub updated_at: DateTimeUtc,
        pub version: i64,
    }
    no_relations!();
}

pub mod mediation_party {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mediation_parties")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub role: String,
        pub name: String,
        pub phone_enc: Option<String>,
        pub phone_masked: Option<String>,
        pub id_enc: Option<String>,
        pub id_masked: Option<String>,
        pub address: Option<String>,
        pub gender: Option<String>,
        pub birth_year: Option<i32>,
        pub ethnicity: Option<String>,
        pub occupation: Option<String>,
        pub employer: Option<String>,
    }
    no_relations!();
}

pub mod mediation_session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mediation_sessions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub held_at: DateTimeUtc,
        pub place: String,
        pub mediators: String,
        pub present: String,
        pub record: String,
        pub created_by: Option<i64>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod screening_campaign {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "screening_campaigns")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub title: String,
        pub region_code: i64,
        pub starts_on: Date,
        pub ends_on: Date,
        pub created_by: Option<i64>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod screening_finding {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "screening_findings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub campaign_id: i64,
        pub village_code: i64,
        pub dispute_type: String,
        pub count: i32,
        pub resolved: i32,
        pub note: Option<String>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod law {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "laws")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub short_title: String,
        pub title: String,
        pub category: String,
        pub level: String,
    }
    no_relations!();
}

pub mod law_version {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "law_versions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub law_id: i64,
        pub version_key: String,
        pub version_date: Option<Date>,
        pub effective_date: Option<Date>,
        pub superseded_on: Option<Date>,
        pub history: String,
        pub sources: String,
        pub content_hash: String,
        pub article_count: i64,
        pub imported_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod law_article {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "law_articles")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub version_id: i64,
        pub number: i64,
        pub suffix: i64,
        pub headings: String,
        pub body: String,
    }
    no_relations!();
}

pub mod law_case {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "law_cases")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub title: String,
        pub category: String,
        pub source: String,
        pub body: String,
        pub content_hash: String,
        pub imported_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod legal_aid_case {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "legal_aid_cases")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub number: String,
        pub region_code: i64,
        pub centre_id: i64,
        pub request_id: Option<i64>,
        pub channel: String,
        pub notice_from: Option<String>,
        pub case_type: String,
        pub matter: Option<String>,
        pub groups: String,
        pub applicant_name: String,
        pub applicant_name_bidx: String,
        pub applicant_id_enc: Option<String>,
        pub applicant_id_masked: Option<String>,
        pub applicant_phone_enc: Option<String>,
        pub applicant_phone_masked: Option<String>,
        pub household_size: Option<i32>,
        pub household_income_fen: Option<i64>,
        pub possible_sentence: Option<String>,
        pub life_or_death: bool,
        pub minor: bool,
        pub opponent: Option<String>,
        pub opponent_bidx: Option<String>,
        pub facts: String,
        pub verdict: String,
        pub hardship: String,
        pub verification: String,
        pub urgent: bool,
        pub green_channel: bool,
        pub status: String,
        pub received_at: DateTimeUtc,
        pub accepted_at: Option<DateTimeUtc>,
        pub decide_due: Option<DateTimeUtc>,
        pub materials_list: Option<String>,
        pub decision: Option<String>,
        pub decided_at: Option<DateTimeUtc>,
        pub decision_reason: Option<String>,
        pub assign_due: Option<DateTimeUtc>,
        pub assigned_at: Option<DateTimeUtc>,
        pub assignee_id: Option<i64>,
        pub assignee_institution_id: Option<i64>,
        pub assignment_override: Option<String>,
        pub agreement_due: Option<DateTimeUtc>,
        pub agreement_signed_at: Option<DateTimeUtc>,
        pub closing_report: Option<String>,
        pub closing_submitted_at: Option<DateTimeUtc>,
        pub last_progress_at: Option<DateTimeUtc>,
        pub review_score: Option<i32>,
        pub subsidy_fen: Option<i64>,
        pub closed_at: Option<DateTimeUtc>,
        pub followed_up_at: Option<DateTimeUtc>,
        pub archived_at: Option<DateTimeUtc>,
        pub termination_ground: Option<String>,
        pub objection_status: String,
        pub objection_filed_at: Option<DateTimeUtc>,
        pub objection_due: Option<DateTimeUtc>,
        pub created_by: Option<i64>,
        pub updated_at: DateTimeUtc,
        pub version: i64,
        pub personal_data_erased_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod legal_aid_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "legal_aid_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub action: String,
        pub note: Option<String>,
        pub by_user: Option<i64>,
        pub at: DateTimeUtc,
    }
    no_relations!();
}

pub mod duty_station {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_stations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub place: String,
        pub region_code: i64,
        pub centre_id: i64,
        pub address: String,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod duty_shift {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_shifts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub station_id: i64,
        pub day: String,
        pub person_id: i64,
    }
    no_relations!();
}

pub mod duty_service {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "duty_services")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub station_id: i64,
        pub region_code: i64,
        pub person_id: i64,
        pub served_on: String,
        pub kinds: String,
        pub stage: String,
        pub client_name_enc: Option<String>,
        pub note_enc: Option<String>,
        pub received_at: Option<DateTimeUtc>,
        pub forwarded_at: Option<DateTimeUtc>,
        pub forwarded_late: bool,
        pub created_by: Option<i64>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod legal_aid_material {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "legal_aid_materials")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub case_id: i64,
        pub name: String,
        pub kind: String,
        pub size: i64,
        pub sha256: String,
        pub content: String,
        pub uploaded_by: Option<i64>,
        pub uploaded_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod evaluation_invitation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evaluation_invitations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub token_hash: String,
        pub token_enc: String,
        pub service_kind: String,
        pub service_id: i64,
        pub service_number: String,
        pub channel: String,
        pub region_code: i64,
        pub institution_id: Option<i64>,
        pub served_by: Option<i64>,
        pub phone_enc: Option<String>,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub used_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod evaluation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evaluations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub invitation_id: i64,
        pub service_kind: String,
        pub service_id: i64,
        pub service_number: String,
        pub channel: String,
        pub region_code: i64,
        pub institution_id: Option<i64>,
        pub served_by: Option<i64>,
        pub level: i64,
        pub indicators: String,
        pub reasons: String,
        pub comment_enc: Option<String>,
        pub real_name: bool,
        pub excluded: bool,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod supervision_visit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "supervision_visits")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub region_code: i64,
        pub institution_id: i64,
        pub visited_on: String,
        pub supervisor_id: i64,
        pub findings_enc: String,
        pub needs_rectification: bool,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod rectification {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rectifications")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub source: String,
        pub evaluation_id: Option<i64>,
        pub visit_id: Option<i64>,
        pub institution_id: Option<i64>,
        pub region_code: i64,
        pub status: String,
        pub subject_enc: String,
        pub real_name: bool,
        pub appealed: bool,
        pub due_on: String,
        pub fed_back_on: Option<String>,
        pub reminded: bool,
        pub escalated: bool,
        pub opened_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
        pub version: i64,
    }
    no_relations!();
}

pub mod rectification_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rectification_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub rectification_id: i64,
        pub step: String,
        pub note_enc: String,
        pub by_user: Option<i64>,
        pub by_name: String,
        pub at: DateTimeUtc,
    }
    no_relations!();
}

pub mod archive {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "archives")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub subject_id: i64,
        pub region_code: i64,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod archive_entry {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "archive_entries")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub archive_id: i64,
        pub kind: String,
        pub occurred_on: String,
        pub title: String,
        pub detail: Option<String>,
        pub source: String,
        pub assessment: Option<String>,
        pub sanction: Option<String>,
        pub period_from: Option<String>,
        pub period_to: Option<String>,
        pub days: Option<i64>,
        pub corrects_id: Option<i64>,
        pub request_id: Option<i64>,
        pub recorded_by: Option<i64>,
        pub recorded_by_name: String,
        pub recorded_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod archive_score {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "archive_scores")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub archive_id: i64,
        pub score: i64,
        pub grade: String,
        pub reason: String,
        pub at: DateTimeUtc,
    }
    no_relations!();
}
