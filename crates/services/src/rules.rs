//! The rules as data: holiday files, the deadline table and the routing rules. The
//! shipped files in `data/` apply until an administrator saves a replacement; saved
//! files live in the database so every instance reads the same, and each instance
//! refreshes its parsed copy when they change. An installation has its own files; in a
//! province installation a district may keep its own deadlines and routing (the
//! holiday calendar is the State Council's, one for all), and a matter follows the
//! rules of the district it arises in.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use gongdao_domain::archive::CreditRules;
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission};
use gongdao_domain::calendar::{Calendar, ConfigError, Due, HolidayYear, Period, china_local, from_china_local};
use gongdao_domain::deadline::DeadlineTable;
use gongdao_domain::evaluation::EvaluationRules;
use gongdao_domain::legal_aid::EligibilityRules;
use gongdao_domain::plan::Plan;
use gongdao_domain::request::{Category, Step};
use gongdao_domain::routing::RoutingTable;
use gongdao_domain::{DivisionCode, RegionLevel};
use gongdao_store::config::{self, FileScope};
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
    ("legal_aid", include_str!("../../../data/legal-aid/eligibility.toml")),
    ("evaluation", include_str!("../../../data/evaluation/rules.toml")),
    ("credit", include_str!("../../../data/archives/credit.toml")),
];

/// Parsed rules.
#[derive(Debug)]
pub struct Rules {
    pub calendar: Calendar,
    pub deadlines: DeadlineTable,
    pub routing: RoutingTable,
    /// Who may have legal aid: matters, the hardship standard, exemptions, policies.
    pub legal_aid: EligibilityRules,
    /// 好差评: how long an invitation stays open, the indicators, the bad-review reasons.
    pub evaluation: EvaluationRules,
    /// 诚信档案: the credit formula's weights and grade thresholds.
    pub credit: CreditRules,
    /// The district's plan (规划, issue 22): none is shipped — a district imports its own.
    pub plan: Option<Plan>,
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
        let legal_aid = EligibilityRules::parse(files.get("legal_aid").map(String::as_str).unwrap_or(""))
            .map_err(|e| ConfigError(format!("legal_aid：{}", e.0)))?;
        let evaluation = EvaluationRules::parse(files.get("evaluation").map(String::as_str).unwrap_or(""))
            .map_err(|e| ConfigError(format!("evaluation：{}", e.0)))?;
        let credit = CreditRules::parse(files.get("credit").map(String::as_str).unwrap_or(""))
            .map_err(|e| ConfigError(format!("credit：{}", e.0)))?;
        let plan = files
            .get("plan")
            .map(|text| Plan::parse(text))
            .transpose()
            .map_err(|e| ConfigError(format!("plan：{}", e.0)))?;
        Ok(Rules { calendar: Calendar::new(years)?, deadlines, routing, legal_aid, evaluation, credit, plan })
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

/// Who saved a file imported from the command line.
const COMMAND_LINE: &str = "命令行";

/// The files a district may keep its own of.
pub const DISTRICT_FILES: &[&str] = &["deadlines", "routing", "legal_aid", "evaluation", "credit", "plan"];

/// The rules of the installation and of every district that keeps its own.
#[derive(Debug)]
pub struct RuleBook {
    installation: Rules,
    districts: BTreeMap<DivisionCode, Rules>,
}

impl RuleBook {
    /// The rules of the installation (the calendar, and the deadlines and routing of
    /// every district without its own).
    pub fn installation(&self) -> &Rules {
        &self.installation
    }

    /// Every set: the installation's, then each district's own.
    pub fn sets(&self) -> impl Iterator<Item = &Rules> {
        std::iter::once(&self.installation).chain(self.districts.values())
    }

    /// The rules a matter arising in `region` follows: its district's when the district
    /// keeps its own, else the installation's.
    pub fn for_region(&self, region: DivisionCode) -> &Rules {
        district_of(region).and_then(|d| self.districts.get(&d)).unwrap_or(&self.installation)
    }

    /// Builds every set from the saved files over the shipped ones; a district's set is
    /// the installation's with the district's own files in place of its.
    fn build(saved: &[config::ConfigFile]) -> Result<RuleBook, ConfigError> {
        let mut base = shipped();
        for f in saved.iter().filter(|f| f.scope == FileScope::Installation) {
            base.insert(f.name.clone(), f.content.clone());
        }
        let installation = Rules::build(&base)?;
        let mut own: BTreeMap<DivisionCode, BTreeMap<String, String>> = BTreeMap::new();
        for f in saved {
            if let FileScope::District(d) = f.scope
                && DISTRICT_FILES.contains(&f.name.as_str())
            {
                own.entry(d).or_insert_with(|| base.clone()).insert(f.name.clone(), f.content.clone());
            }
        }
        let mut districts = BTreeMap::new();
        for (d, files) in own {
            districts.insert(d, Rules::build(&files).map_err(|e| ConfigError(format!("{d}：{}", e.0)))?);
        }
        Ok(RuleBook { installation, districts })
    }
}

/// The district (区/县) a region belongs to; none above that level.
fn district_of(region: DivisionCode) -> Option<DivisionCode> {
    region.ancestor_at(RegionLevel::District)
}

/// One time limit to change (the settings page's form).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct DeadlineEdit {
    /// A district's own rules (province installations); empty for the installation's.
    #[serde(default)]
    pub district: String,
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
    /// The district whose own file this is; null for the installation's.
    #[schema(value_type = Option<String>)]
    pub district: Option<DivisionCode>,
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
    rules: RwLock<Arc<RuleBook>>,
    checked: Mutex<Checked>,
}

impl RulesCache {
    pub fn new() -> RulesCache {
        RulesCache {
            rules: RwLock::new(Arc::new(RuleBook::build(&[]).expect("the shipped rules are valid"))),
            checked: Mutex::new(Checked::default()),
        }
    }
}

/// How often an instance looks for rules saved by another.
const REFRESH: StdDuration = StdDuration::from_secs(2);

impl Services {
    /// The current rules (refreshed from the database at most every two seconds).
    pub async fn rules(&self) -> Result<Arc<RuleBook>, ServiceError> {
        let cache = self.rules_cache();
        let due = {
            let checked = cache.checked.lock().expect("not poisoned");
            checked.at.is_none_or(|t| t.elapsed() >= REFRESH)
        };
        if due {
            let reader = self.store().reader();
            let stamp = (config::last_change(reader).await?, config::count(reader).await?);
            let changed = cache.checked.lock().expect("not poisoned").stamp != Some(stamp);
            if changed {
                let saved = config::all(self.store().reader()).await?;
                match RuleBook::build(&saved) {
                    Ok(rules) => *cache.rules.write().expect("not poisoned") = Arc::new(rules),
                    // Saving checks files first, so this only happens if the database
                    // was edited by hand; keep the last good rules.
                    Err(e) => tracing::error!(error = %e, "stored rules do not parse; keeping the previous ones"),
                }
            }
            // Marked checked only once the rules in the cache are those of `stamp`: a
            // caller arriving while another rebuilds refreshes too, rather than read the
            // rules from before (at start, the loops asked together and one of them got
            // the shipped rules without the district's plan for ten minutes).
            *cache.checked.lock().expect("not poisoned") = Checked { at: Some(Instant::now()), stamp: Some(stamp) };
        }
        Ok(cache.rules.read().expect("not poisoned").clone())
    }

    /// The texts in force for `scope`: shipped, then the installation's, then (for a
    /// district) the district's own.
    async fn rule_texts(&self, scope: FileScope) -> Result<BTreeMap<String, String>, ServiceError> {
        Ok(self.rule_files_in_force(scope).await?.into_iter().map(|f| (f.name, f.content)).collect())
    }

    async fn rule_files_in_force(&self, scope: FileScope) -> Result<Vec<RuleFile>, ServiceError> {
        let saved = config::all(self.store().reader()).await?;
        let mut out: BTreeMap<String, RuleFile> = SHIPPED
            .iter()
            .map(|(n, t)| {
                let file = RuleFile {
                    name: n.to_string(),
                    content: t.to_string(),
                    source: "shipped".into(),
                    updated_at: None,
                    district: None,
                };
                (n.to_string(), file)
            })
            .collect();
        for layer in [FileScope::Installation, scope] {
            for f in saved.iter().filter(|f| f.scope == layer) {
                if layer != FileScope::Installation && !DISTRICT_FILES.contains(&f.name.as_str()) {
                    continue;
                }
                let district = match f.scope {
                    FileScope::District(d) => Some(d),
                    FileScope::Installation => None,
                };
                out.insert(
                    f.name.clone(),
                    RuleFile {
                        name: f.name.clone(),
                        content: f.content.clone(),
                        source: f.updated_by.clone(),
                        updated_at: Some(f.updated_at),
                        district,
                    },
                );
            }
        }
        Ok(out.into_values().collect())
    }

    /// Every rules file in force for a district (`district` empty: the installation's),
    /// shipped or saved.
    pub async fn rule_files(&self, actor: &Actor, district: &str) -> Result<Vec<RuleFile>, ServiceError> {
        actor.require(Permission::ManageConfig)?;
        let scope = self.file_scope(district)?;
        self.rule_files_in_force(scope).await
    }

    /// The districts of the installation that may keep their own rules (none when the
    /// installation is one district).
    pub async fn rule_districts(&self, actor: &Actor) -> Result<Vec<(DivisionCode, String)>, ServiceError> {
        actor.require(Permission::ManageConfig)?;
        let home = self.config().home_region;
        if home.level() >= RegionLevel::District {
            return Ok(Vec::new());
        }
        let all = gongdao_store::regions::list_level(self.store().reader(), actor.scope, RegionLevel::District).await?;
        Ok(all.into_iter().filter(|r| home.contains(r.code)).map(|r| (r.code, r.name)).collect())
    }

    /// Reads a district typed into a form or a query: empty for the installation.
    fn file_scope(&self, district: &str) -> Result<FileScope, ServiceError> {
        let district = district.trim();
        if district.is_empty() {
            return Ok(FileScope::Installation);
        }
        let code = DivisionCode::parse("district", district)?;
        let home = self.config().home_region;
        if code.level() != RegionLevel::District || !home.contains(code) || code == home {
            return Err(ServiceError::field(
                "district",
                "只有省、市平台中的区县可以单独设置规则；请选择本平台下的一个区县",
            ));
        }
        Ok(FileScope::District(code))
    }

    /// Who may change rules: for the installation, an administrator whose scope covers
    /// its home region; for a district's own, one whose scope covers that district (a
    /// township's administrator may read the rules, not rewrite the district's).
    fn require_rules_admin(&self, actor: &Actor, scope: FileScope) -> Result<(), ServiceError> {
        actor.require(Permission::ManageConfig)?;
        let (covered, whose) = match scope {
            FileScope::Installation => (self.config().home_region, "全平台"),
            FileScope::District(d) => (d, "该区县"),
        };
        if !actor.scope.contains(covered) {
            return Err(ServiceError::Forbidden(format!(
                "办理时限、分派规则和节假日适用于{whose}，只有数据范围覆盖{whose}的管理员可以修改"
            )));
        }
        Ok(())
    }

    /// The region an audit entry about `scope`'s rules belongs to.
    fn rules_region(&self, scope: FileScope) -> DivisionCode {
        match scope {
            FileScope::Installation => self.config().home_region,
            FileScope::District(d) => d,
        }
    }

    /// Sets one time limit (a category's acceptance, resolution or follow-up period)
    /// by editing the deadline file in place; checked like any edit of the file.
    pub async fn set_deadline(&self, actor: &Actor, input: &DeadlineEdit) -> Result<(), ServiceError> {
        let scope = self.file_scope(&input.district)?;
        self.require_rules_admin(actor, scope)?;
        let mut errors = gongdao_domain::ValidationErrors::new();
        let category = errors.check(Category::parse_field("category", &input.category));
        let step = errors.check(Step::parse_field("step", &input.step));
        if input.period.trim().is_empty() {
            errors.push(gongdao_domain::FieldError::new("period", "请填写期限，如 3个工作日、7日、1个月"));
        }
        errors.into_result()?;
        let files = self.rule_texts(scope).await?;
        let text = files.get("deadlines").cloned().unwrap_or_default();
        let edited = gongdao_domain::rule_file::set_deadline(
            &text,
            category.expect("checked"),
            step.expect("checked"),
            &input.period,
        )
        .map_err(|e| ServiceError::field("period", e.0))?;
        self.save_rule_file(actor, &input.district, "deadlines", &edited).await
    }

    /// Adds (or replaces, by name) a holiday in a year's calendar file, creating the
    /// file for a new year.
    pub async fn add_holiday(&self, actor: &Actor, input: &HolidayInput) -> Result<(), ServiceError> {
        self.require_rules_admin(actor, FileScope::Installation)?;
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
        let files = self.rule_texts(FileScope::Installation).await?;
        let edit = gongdao_domain::rule_file::HolidayEdit { name, first, last, workdays };
        let text =
            gongdao_domain::rule_file::add_holiday(year, files.get(&file).map(String::as_str), &input.source, &edit)
                .map_err(|e| ServiceError::field("source", e.0))?;
        self.save_rule_file(actor, "", &file, &text).await.map_err(|e| match e {
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

    /// Saves a rules file, the installation's or (`district` given) a district's own,
    /// after checking that every set of rules it enters still parses.
    pub async fn save_rule_file(
        &self,
        actor: &Actor,
        district: &str,
        name: &str,
        content: &str,
    ) -> Result<(), ServiceError> {
        let scope = self.file_scope(district)?;
        self.require_rules_admin(actor, scope)?;
        let name = name.trim();
        let valid_name = DISTRICT_FILES.contains(&name)
            || name.strip_prefix("calendar/").is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()));
        if !valid_name {
            return Err(ServiceError::field(
                "name",
                "文件名应为 deadlines、routing、legal_aid、evaluation、credit、plan 或 calendar/年份（如 calendar/2027）",
            ));
        }
        if scope != FileScope::Installation && !DISTRICT_FILES.contains(&name) {
            return Err(ServiceError::field(
                "name",
                "区县可以单独设置时限、分派、法律援助、评价、信用和规划文件；节假日全省统一，不能单独设置",
            ));
        }
        if content.trim().is_empty() {
            return Err(ServiceError::field("content", "文件内容为空：请选择文件或粘贴文件内容"));
        }
        self.write_rule_file(Some(actor), scope, name, content).await
    }

    /// Imports a district's plan file from the command line (`gongdao plan import`),
    /// checked whole first; `district` empty for the installation's own.
    pub async fn import_plan(&self, district: &str, content: &str) -> Result<Plan, ServiceError> {
        let plan = Plan::parse(content).map_err(|e| ServiceError::field("content", e.0))?;
        let scope = self.file_scope(district)?;
        self.write_rule_file(None, scope, "plan", content).await?;
        Ok(plan)
    }

    /// Checks and keeps a rules file, audited as the actor's (or the command line's).
    async fn write_rule_file(
        &self,
        actor: Option<&Actor>,
        scope: FileScope,
        name: &str,
        content: &str,
    ) -> Result<(), ServiceError> {
        if content.len() > 200_000 {
            return Err(ServiceError::field("content", "文件过大"));
        }
        let by = actor.map_or_else(|| COMMAND_LINE.to_string(), |a| a.username.clone());
        // Every set the file enters must still build: the installation's file enters
        // the districts' sets too.
        let mut saved: Vec<config::ConfigFile> = config::all(self.store().reader())
            .await?
            .into_iter()
            .filter(|f| !(f.scope == scope && f.name == name))
            .collect();
        saved.push(config::ConfigFile {
            scope,
            name: name.to_string(),
            content: content.to_string(),
            updated_by: by.clone(),
            updated_at: self.now(),
        });
        RuleBook::build(&saved).map_err(|e| ServiceError::field("content", e.0))?;
        let region = self.rules_region(scope);
        let tx = self.store().begin().await?;
        config::put(&tx, scope, name, content, &by, self.now()).await?;
        let whose = match scope {
            FileScope::Installation => String::new(),
            FileScope::District(d) => format!("（{d} 单独适用）"),
        };
        let event =
            Event::new(AuditAction::Update, AuditObject::Config, name, region, format!("保存规则文件 {name}{whose}"));
        match actor {
            Some(actor) => self.audit(&tx, actor, event).await?,
            None => self.audit_command(&tx, event).await?,
        }
        tx.commit().await?;
        self.forget_rules();
        Ok(())
    }

    /// Drops a saved file, returning to the shipped one (or removing an added year); a
    /// district's own file gives way to the installation's.
    pub async fn reset_rule_file(&self, actor: &Actor, district: &str, name: &str) -> Result<(), ServiceError> {
        let scope = self.file_scope(district)?;
        self.require_rules_admin(actor, scope)?;
        let tx = self.store().begin().await?;
        if !config::delete(&tx, scope, name).await? {
            return Err(ServiceError::NotFound("规则文件"));
        }
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Delete,
                AuditObject::Config,
                name,
                self.rules_region(scope),
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
