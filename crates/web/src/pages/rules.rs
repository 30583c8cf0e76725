//! 系统设置: the rules — the time limits, the routing rules and the holiday calendars.
//! The common edits (one time limit, one holiday) have their own forms; the whole files
//! can be edited beside them, and every save is checked first, with the line and column
//! of a mistake said in Chinese. On a province installation a district is chosen above
//! the forms: its own time limits and routing, or the installation's.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use gongdao_domain::request::{Category, Step};
use gongdao_services::rules::{DeadlineEdit, HolidayInput};
use serde::Deserialize;

use super::{Errors, Layout, Opt, Posted, china_time, done, field_errors, page_error, render, vocabulary_options};
use crate::AppState;
use crate::json::PostedForm;
use crate::session::PageActor;

pub struct FileRow {
    pub id: usize,
    pub name: String,
    pub title: String,
    pub source: String,
    pub content: String,
    /// The error of this file's last save, if it was refused.
    pub error: String,
}

/// One line of the table of time limits.
pub struct DeadlineRow {
    pub category: &'static str,
    pub accept: String,
    pub resolve: String,
    pub follow_up: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    layout: Layout,
    /// The districts that may keep their own rules (empty on a district installation).
    districts: Vec<Opt>,
    /// The district shown (empty: the installation's rules).
    district: String,
    district_name: String,
    files: Vec<FileRow>,
    deadlines: Vec<DeadlineRow>,
    categories: Vec<Opt>,
    steps: Vec<Opt>,
    start: String,
    period: String,
    due: String,
    errors: Errors,
}

#[derive(Deserialize, Default)]
pub struct RulesQuery {
    start: Option<String>,
    period: Option<String>,
    district: Option<String>,
}

/// A file whose save was refused: shown as it was typed, with the reason.
struct Refused {
    name: String,
    content: String,
    error: String,
}

async fn rules_page(
    state: &AppState,
    user: &PageActor,
    status: StatusCode,
    q: RulesQuery,
    errors: Errors,
    refused: Option<Refused>,
) -> Response {
    // A district's administrator on a province installation starts at their district.
    let home = state.services.config().home_region;
    let own_district = (!user.actor.scope.contains(home)
        && user.actor.scope.root.level() == gongdao_domain::RegionLevel::District)
        .then(|| user.actor.scope.root.to_string());
    let district = match &q.district {
        Some(d) => d.trim().to_string(),
        None => own_district.unwrap_or_default(),
    };
    let files = match state.services.rule_files(&user.actor, &district).await {
        Ok(f) => f,
        Err(e) => return page_error(e),
    };
    let districts = match state.services.rule_districts(&user.actor).await {
        Ok(d) => d,
        Err(e) => return page_error(e),
    };
    let book = match state.services.rules().await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let chosen = gongdao_domain::DivisionCode::parse("district", &district).ok();
    let rules = chosen.map_or(book.installation(), |d| book.for_region(d));
    let district_name = districts.iter().find(|(c, _)| Some(*c) == chosen).map(|(_, n)| n.clone()).unwrap_or_default();
    // A district keeps only its own time limits and routing; the calendar is one.
    let files: Vec<_> = if chosen.is_some() {
        files.into_iter().filter(|f| gongdao_services::rules::DISTRICT_FILES.contains(&f.name.as_str())).collect()
    } else {
        files
    };
    let today = state.services.today();
    let start = q.start.clone().unwrap_or_else(|| today.to_string());
    let period = q.period.clone().unwrap_or_default();
    let due = if period.trim().is_empty() {
        String::new()
    } else {
        match chrono::NaiveDate::parse_from_str(&start, "%Y-%m-%d") {
            Ok(d) => {
                let at: DateTime<Utc> =
                    gongdao_domain::calendar::from_china_local(d.and_hms_opt(9, 0, 0).expect("valid"));
                match state.services.preview_due(at, &period).await {
                    Ok((due, estimated)) => {
                        let last = gongdao_domain::calendar::china_day(due - chrono::Duration::seconds(1));
                        format!(
                            "{}（{}）{}",
                            gongdao_domain::calendar::deadline_text(due),
                            weekday(last),
                            if estimated { "，节假日安排尚未公布，按双休日估算" } else { "" }
                        )
                    }
                    Err(e) => crate::error::classify(&e).2,
                }
            }
            Err(_) => "开始日期格式不正确".into(),
        }
    };
    let deadlines = Category::ALL
        .iter()
        .map(|c| {
            let r = |s: Step| rules.deadlines.rule(*c, s);
            DeadlineRow {
                category: c.label(),
                accept: r(Step::Accept).period.to_string(),
                resolve: r(Step::Resolve).period.to_string(),
                follow_up: r(Step::FollowUp).period.to_string(),
                source: r(Step::Resolve).source.clone(),
            }
        })
        .collect();
    let layout = Layout::for_user(state, user, "系统设置", "/settings/rules").await;
    render(
        status,
        &RulesPage {
            layout,
            districts: {
                let mut options = vec![Opt {
                    value: String::new(),
                    label: "全平台（各区县未单独设置时适用）".into(),
                    selected: chosen.is_none(),
                }];
                options.extend(districts.iter().map(|(code, name)| Opt {
                    value: code.to_string(),
                    label: name.clone(),
                    selected: Some(*code) == chosen,
                }));
                options
            },
            district: district.clone(),
            district_name,
            files: files
                .into_iter()
                .enumerate()
                .map(|(i, f)| {
                    let title = match f.name.as_str() {
                        "deadlines" => "办理时限".to_string(),
                        "routing" => "分派规则".to_string(),
                        "legal_aid" => "法律援助条件".to_string(),
                        "evaluation" => "服务评价（好差评）".to_string(),
                        "credit" => "诚信档案信用评价".to_string(),
                        "plan" => "公共法律服务体系建设规划（指标和任务）".to_string(),
                        n => match n.strip_prefix("calendar/") {
                            Some(year) => format!("{year}年节假日安排"),
                            None => n.to_string(),
                        },
                    };
                    let (content, error) = match &refused {
                        Some(r) if r.name == f.name => (r.content.clone(), r.error.clone()),
                        _ => (f.content, String::new()),
                    };
                    FileRow {
                        id: i,
                        source: match (&f.source, f.district) {
                            (s, _) if s == "shipped" => "随系统发布".into(),
                            (s, Some(_)) => format!(
                                "本区县单独设置：{s} 修改于 {}",
                                f.updated_at.map(china_time).unwrap_or_default()
                            ),
                            (s, None) if chosen.is_some() => format!(
                                "沿用全平台的规则（{s} 修改于 {}）",
                                f.updated_at.map(china_time).unwrap_or_default()
                            ),
                            (s, None) => format!("{s} 修改于 {}", f.updated_at.map(china_time).unwrap_or_default()),
                        },
                        name: f.name,
                        title,
                        content,
                        error,
                    }
                })
                .collect(),
            deadlines,
            categories: vocabulary_options(Category::ALL, Category::code, Category::label, "", Some("请选择")),
            steps: vocabulary_options(Step::ALL, Step::code, Step::label, "resolve", None),
            start,
            period,
            due,
            errors,
        },
    )
}

fn weekday(d: chrono::NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"][d.weekday().num_days_from_monday() as usize]
}

pub async fn rules(State(state): State<AppState>, user: PageActor, Query(q): Query<RulesQuery>) -> Response {
    rules_page(&state, &user, StatusCode::OK, q, Errors::default(), None).await
}

#[derive(Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    district: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    content: String,
}

/// Where a save returns: the rules page of the district it was made for.
fn back_to(district: &str) -> String {
    let d = district.trim();
    if d.is_empty() { "/settings/rules".into() } else { format!("/settings/rules?district={d}") }
}

fn for_district(district: &str) -> RulesQuery {
    RulesQuery { district: Some(district.trim().to_string()), ..RulesQuery::default() }
}

/// Saves a whole file as edited.
pub async fn save_rules(
    State(state): State<AppState>,
    user: PageActor,
    PostedForm(form, posted): PostedForm<RuleForm>,
) -> Response {
    match state.services.save_rule_file(&user.actor, &form.district, &form.name, &form.content).await {
        Ok(()) => done(&state, &back_to(&form.district), &format!("已保存规则文件 {}，立即生效。", form.name.trim())),
        Err(e) => match field_errors(e) {
            Ok(errors) => {
                let message = format!("未保存：{}", errors.summary());
                let known = state
                    .services
                    .rule_files(&user.actor, &form.district)
                    .await
                    .map(|files| files.iter().any(|f| f.name == form.name.trim()))
                    .unwrap_or(false);
                // A new year's file is shown in the form it came from.
                let (errors, refused) = if known {
                    (
                        Errors::default(),
                        Some(Refused { name: form.name.trim().into(), content: form.content, error: message }),
                    )
                } else {
                    (Errors::of_form("new", errors.fields, &posted), None)
                };
                let q = for_district(&form.district);
                rules_page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, q, errors, refused).await
            }
            Err(e) => page_error(e),
        },
    }
}

/// Changes one time limit.
pub async fn save_deadline(
    State(state): State<AppState>,
    user: PageActor,
    PostedForm(form, posted): PostedForm<DeadlineEdit>,
) -> Response {
    match state.services.set_deadline(&user.actor, &form).await {
        Ok(()) => {
            let category = Category::from_code(&form.category).map(|c| c.label()).unwrap_or_default();
            let step = Step::from_code(&form.step).map(|s| s.label()).unwrap_or_default();
            done(
                &state,
                &back_to(&form.district),
                &format!("已将{category}的{step}时限改为 {}，新登记的事项按此计算。", form.period.trim()),
            )
        }
        Err(e) => refused_form(&state, &user, "deadline", &form.district, e, &posted).await,
    }
}

/// Adds or replaces a holiday.
pub async fn save_holiday(
    State(state): State<AppState>,
    user: PageActor,
    PostedForm(form, posted): PostedForm<HolidayInput>,
) -> Response {
    match state.services.add_holiday(&user.actor, &form).await {
        Ok(()) => done(
            &state,
            "/settings/rules",
            &format!(
                "已登记{}：{} 至 {} 放假，办理时限按新的安排计算。",
                form.name.trim(),
                form.first.trim(),
                form.last.trim()
            ),
        ),
        Err(e) => refused_form(&state, &user, "holiday", "", e, &posted).await,
    }
}

async fn refused_form(
    state: &AppState,
    user: &PageActor,
    form: &str,
    district: &str,
    e: gongdao_services::ServiceError,
    posted: &Posted,
) -> Response {
    match field_errors(e) {
        Ok(errors) => {
            let errors = Errors::of_form(form, errors.fields, posted);
            rules_page(state, user, StatusCode::UNPROCESSABLE_ENTITY, for_district(district), errors, None).await
        }
        Err(e) => page_error(e),
    }
}
