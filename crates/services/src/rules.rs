//! The district's rules as data: holiday files, the deadline table and the routing
//! rules. The shipped files in `data/` apply until an administrator saves a
//! replacement; saved files live in the database so every instance reads the same, and
//! each instance refreshes its parsed copy when they change.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission};
use gongdao_domain::calendar::{Calendar, ConfigError, Due, HolidayYear, Period, china_local, from_china_local};
use gongdao_domain::deadline::DeadlineTable;
use gongdao_domain::request::{Category, Step};
use gongdao_domain::routing::RoutingTable;
use gongdao_store::config;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Event;
use crate::{ServiceError, Services};

/// The files shipped with the program.
pub const SHIPPED: &[(&str, &str)] = &[
    ("calendar/2025", include_str!("../../../data/calendar/2025.toml")),
    ("calendar/2026", include_str!("../../../data/calendar/2026.toml")),
    ("deadlines", include_str!("../../../data/deadlines.toml")),
    ("routing", include_str!("../../../data/routing.toml")),
];

/// Parsed rules.
#[derive(Debug)]
pub struct Rules {
    pub calendar: Calendar,
    pub deadlines: DeadlineTable,
    pub routing: RoutingTable,
}

impl Rules {
    /// Builds the rules from named files, refusing the whole set when one is bad.
    pub fn build(files: &BTreeMap<String, String>) -> Result<Rules, ConfigError> {
        let mut years = Vec::new();
        for (name, text) in files.iter().filter(|(n, _)| n.starts_with("calendar/")) {
            let year = HolidayYear::parse(text).map_err(|e| ConfigError(format!("{name}：{}", e.0)))?;
            if name != &format!("calendar/{}", year.year) {
                return Err(ConfigError(format!("{name}：文件中的年份是 {}，与文件名不符", year.year)));
            }
            years.push(year);
        }
        let deadlines = DeadlineTable::parse(files.get("deadlines").map(String::as_str).unwrap_or(""))?;
        let routing = RoutingTable::parse(files.get("routing").map(String::as_str).unwrap_or(""))?;
        Ok(Rules { calendar: Calendar::new(years)?, deadlines, routing })
    }

    /// When a period started at `start` ends, in UTC.
    pub fn due(&self, start: DateTime<Utc>, period: Period) -> (DateTime<Utc>, Due) {
        let due = self.calendar.due(china_local(start), period);
        (from_china_local(due.at), due)
    }
}

fn shipped() -> BTreeMap<String, String> {
    SHIPPED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect()
}

/// One time limit to change (the settings page's form).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct DeadlineEdit {
    /// A request category code (`legal_aid` …).
    #[serde(default)]
    pub category: String,
    /// `accept`, `resolve` or `follow_up`.
    #[serde(default)]
    pub step: String,
    /// e.g. `3个工作日`, `7日`, `1个月`.
    #[serde(default)]
    pub period: String,
}

/// A holiday to add (the settings page's form), as in the State Council's notice.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct HolidayInput {
    #[serde(default)]
    pub name: String,
    /// First day off, YYYY-MM-DD.
    #[serde(default)]
    pub first: String,
    /// Last day off, YYYY-MM-DD.
    #[serde(default)]
    pub last: String,
    /// Weekend days worked instead, comma-separated.
    #[serde(default)]
    pub workdays: String,
    /// The notice (needed when the year has no file yet).
    #[serde(default)]
    pub source: String,
}

/// A rules file as shown on the settings page.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RuleFile {
    pub name: String,
    pub content: String,
    /// `shipped` or the user who saved it.
    pub source: String,
    pub updated_at: Option<DateTime<Utc>>,
}

/// What identifies the stored files' state: the latest change and how many there are.
type Stamp = (Option<DateTime<Utc>>, u64);

/// When this instance last compared its rules with the database, and what it saw.
#[derive(Default)]
struct Checked {
    at: Option<Instant>,
    stamp: Option<Stamp>,
}

/// The parsed rules of this instance.
pub(crate) struct RulesCache {
    rules: RwLock<Arc<Rules>>,
    checked: Mutex<Checked>,
}

impl RulesCache {
    pub fn new() -> RulesCache {
        RulesCache {
            rules: RwLock::new(Arc::new(Rules::build(&shipped()).expect("the shipped rules are valid"))),
            checked: Mutex::new(Checked::default()),
        }
    }
}

/// How often an instance looks for rules saved by another.
const REFRESH: StdDuration = StdDuration::from_secs(2);

impl Services {
    /// The current rules (refreshed from the database at most every two seconds).
    pub async fn rules(&self) -> Result<Arc<Rules>, ServiceError> {
        let cache = self.rules_cache();
        let due = {
            let checked = cache.checked.lock().expect("not poisoned");
            checked.at.is_none_or(|t| t.elapsed() >= REFRESH)
        };
        if due {
            let reader = self.store().reader();
            let stamp = (config::last_change(reader).await?, config::count(reader).await?);
            let changed = {
                let mut checked = cache.checked.lock().expect("not poisoned");
                let changed = checked.stamp != Some(stamp);
                *checked = Checked { at: Some(Instant::now()), stamp: Some(stamp) };
                changed
            };
            if changed {
                let files = self.rule_texts().await?;
                match Rules::build(&files) {
                    Ok(rules) => *cache.rules.write().expect("not poisoned") = Arc::new(rules),
                    // Saving checks files first, so this only happens if the database
                    // was edited by hand; keep the last good rules.
                    Err(e) => tracing::error!(error = %e, "stored rules do not parse; keeping the previous ones"),
                }
            }
        }
        Ok(cache.rules.read().expect("not poisoned").clone())
    }

    async fn rule_texts(&self) -> Result<BTreeMap<String, String>, ServiceError> {
        let mut files = shipped();
        for f in config::all(self.store().reader()).await? {
            files.insert(f.name, f.content);
        }
        Ok(files)
    }

    /// Every rules file in force, shipped or saved.
    pub async fn rule_files(&self, actor: &Actor) -> Result<Vec<RuleFile>, ServiceError> {
        actor.require(Permission::ManageConfig)?;
        let saved = config::all(self.store().reader()).await?;
        let mut out: BTreeMap<String, RuleFile> = SHIPPED
            .iter()
            .map(|(n, t)| {
                (
                    n.to_string(),
                    RuleFile {
                        name: n.to_string(),
                        content: t.to_string(),
                        source: "shipped".into(),
                        updated_at: None,
                    },
                )
            })
            .collect();
        for f in saved {
            out.insert(
                f.name.clone(),
                RuleFile { name: f.name, content: f.content, source: f.updated_by, updated_at: Some(f.updated_at) },
            );
        }
        Ok(out.into_values().collect())
    }

    /// The rules bind the whole installation: only an administrator whose scope covers
    /// the installation's home region may change them (a township's administrator may
    /// read them, not rewrite the district's deadlines).
    fn require_installation_admin(&self, actor: &Actor) -> Result<(), ServiceError> {
        actor.require(Permission::ManageConfig)?;
        let home = self.config().home_region;
        if !actor.scope.contains(home) {
            return Err(ServiceError::Forbidden(
                "办理时限、分派规则和节假日适用于全区，只有数据范围覆盖全区的管理员可以修改".into(),
            ));
        }
        Ok(())
    }

    /// Sets one time limit (a category's acceptance, resolution or follow-up period)
    /// by editing the deadline file in place; checked like any edit of the file.
    pub async fn set_deadline(&self, actor: &Actor, input: &DeadlineEdit) -> Result<(), ServiceError> {
        self.require_installation_admin(actor)?;
        let mut errors = gongdao_domain::ValidationErrors::new();
        let category = errors.check(Category::parse_field("category", &input.category));
        let step = errors.check(Step::parse_field("step", &input.step));
        if input.period.trim().is_empty() {
            errors.push(gongdao_domain::FieldError::new("period", "请填写期限，如 3个工作日、7日、1个月"));
        }
        errors.into_result()?;
        let files = self.rule_texts().await?;
        let text = files.get("deadlines").cloned().unwrap_or_default();
        let edited = gongdao_domain::rule_file::set_deadline(
            &text,
            category.expect("checked"),
            step.expect("checked"),
            &input.period,
        )
        .map_err(|e| ServiceError::field("period", e.0))?;
        self.save_rule_file(actor, "deadlines", &edited).await
    }

    /// Adds (or replaces, by name) a holiday in a year's calendar file, creating the
    /// file for a new year.
    pub async fn add_holiday(&self, actor: &Actor, input: &HolidayInput) -> Result<(), ServiceError> {
        self.require_installation_admin(actor)?;
        let mut errors = gongdao_domain::ValidationErrors::new();
        let name = errors.check(gongdao_domain::text::required("name", "假日名称", &input.name, 20));
        let first = errors.check(gongdao_domain::network::parse_date("first", "放假开始日期", &input.first));
        let last = errors.check(gongdao_domain::network::parse_date("last", "放假结束日期", &input.last));
        let mut workdays = Vec::new();
        for w in input.workdays.split([',', '，', ' ', '、']).map(str::trim).filter(|w| !w.is_empty()) {
            if let Some(d) = errors.check(gongdao_domain::network::parse_date("workdays", "调休上班日", w)) {
                workdays.push(d);
            }
        }
        errors.into_result()?;
        let (name, first, last) = (name.expect("checked"), first.expect("checked"), last.expect("checked"));
        let year = chrono::Datelike::year(&first);
        let file = format!("calendar/{year}");
        let files = self.rule_texts().await?;
        let edit = gongdao_domain::rule_file::HolidayEdit { name, first, last, workdays };
        let text =
            gongdao_domain::rule_file::add_holiday(year, files.get(&file).map(String::as_str), &input.source, &edit)
                .map_err(|e| ServiceError::field("source", e.0))?;
        self.save_rule_file(actor, &file, &text).await.map_err(|e| match e {
            // The calendar's own checks (overlaps, weekends) concern the dates typed.
            ServiceError::Invalid(mut v) => {
                for f in &mut v.0 {
                    if f.field == "content" {
                        f.field = "first".into();
                    }
                }
                ServiceError::Invalid(v)
            }
            other => other,
        })
    }

    /// Saves a rules file after checking that the whole set still parses.
    pub async fn save_rule_file(&self, actor: &Actor, name: &str, content: &str) -> Result<(), ServiceError> {
        self.require_installation_admin(actor)?;
        let name = name.trim();
        let valid_name = name == "deadlines"
            || name == "routing"
            || name.strip_prefix("calendar/").is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()));
        if !valid_name {
            return Err(ServiceError::field(
                "name",
                "文件名应为 deadlines、routing 或 calendar/年份（如 calendar/2027）",
            ));
        }
        if content.len() > 200_000 {
            return Err(ServiceError::field("content", "文件过大"));
        }
        let mut files = self.rule_texts().await?;
        files.insert(name.to_string(), content.to_string());
        Rules::build(&files).map_err(|e| ServiceError::field("content", e.0))?;
        let tx = self.store().begin().await?;
        config::put(&tx, name, content, &actor.username, self.now()).await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Update,
                AuditObject::Config,
                name,
                self.config().home_region,
                format!("保存规则文件 {name}"),
            ),
        )
        .await?;
        tx.commit().await?;
        self.forget_rules();
        Ok(())
    }

    /// Drops a saved file, returning to the shipped one (or removing an added year).
    pub async fn reset_rule_file(&self, actor: &Actor, name: &str) -> Result<(), ServiceError> {
        self.require_installation_admin(actor)?;
        let tx = self.store().begin().await?;
        if !config::delete(&tx, name).await? {
            return Err(ServiceError::NotFound("规则文件"));
        }
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Delete,
                AuditObject::Config,
                name,
                self.config().home_region,
                format!("恢复规则文件 {name} 为默认"),
            ),
        )
        .await?;
        tx.commit().await?;
        self.forget_rules();
        Ok(())
    }

    fn forget_rules(&self) {
        self.rules_cache().checked.lock().expect("not poisoned").at = None;
    }
}
