//! The service network's use cases: the region tree, institutions and people, with
//! their trainings and advisor appointments. Reads are limited to the actor's scope
//! inside the queries; writes also check that what they point at (a region, an
//! institution) lies in that scope.

use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission, Scope};
use gongdao_domain::ids::{InstitutionId, PersonId};
use gongdao_domain::network::{
    AdvisorAppointment, AppointmentInput, Institution, InstitutionInput, InstitutionType, Person, PersonInput,
    PersonType, PersonalData, Region, RegionInput, ServiceKind, Training, TrainingInput,
};
use gongdao_domain::{DivisionCode, FieldError, RegionLevel, ValidationErrors, text};
use gongdao_store::institutions::InstitutionFilter;
use gongdao_store::people::PersonFilter;
use gongdao_store::{Page, StoreError, Versioned, institutions, people, regions};
use serde::{Deserialize, Serialize};

use crate::audit::{Event, diff, snapshot};
use crate::{ServiceError, Services};

/// Paging as typed into a query string.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page number (default 1).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    /// Rows a page (default 100, at most 1000).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    pub per_page: Option<String>,
}

impl PageQuery {
    pub fn parse(&self) -> Result<Page, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let number =
            |field: &str, label: &str, v: &Option<String>, default: u64, max: u64, errors: &mut ValidationErrors| {
                match v.as_deref().map(str::trim) {
                    None | Some("") => default,
                    Some(s) => errors
                        .check(
                            s.parse::<u64>()
                                .ok()
                                .filter(|n| (1..=max).contains(n))
                                .ok_or_else(|| FieldError::new(field, format!("{label}应为1到{max}之间的整数"))),
                        )
                        .unwrap_or(default),
                }
            };
        let page = number("page", "页码", &self.page, 1, 1_000_000, &mut errors);
        let per_page = number("per_page", "每页条数", &self.per_page, 100, Page::MAX_LIMIT, &mut errors);
        errors.into_result()?;
        Ok(Page::new(per_page, (page - 1) * per_page))
    }
}

/// Directory filters for institutions, as typed into a query string.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstitutionQuery {
    /// Institution type code, e.g. `workstation`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// Division code: only institutions in this region and below.
    #[param(pattern = r"^[1-9][0-9]{5}([0-9]{6})?$")]
    pub region: Option<String>,
    /// Words in the name or address.
    pub q: Option<String>,
    /// Service code, e.g. `mediation`.
    pub service: Option<String>,
    /// `true` for institutions with a green channel.
    #[param(value_type = Option<bool>)]
    pub green_channel: Option<String>,
}

/// Directory filters for people, as typed into a query string.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Person type code, e.g. `lawyer`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// Division code: only people in this region and below.
    #[param(pattern = r"^[1-9][0-9]{5}([0-9]{6})?$")]
    pub region: Option<String>,
    /// Institution id.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub institution: Option<String>,
    /// Words in the name or licence number.
    pub q: Option<String>,
    /// `true` for people in post, `false` for those who left.
    #[param(value_type = Option<bool>)]
    pub active: Option<String>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn parse_bool(field: &str, v: &str) -> Result<bool, FieldError> {
    match v {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(FieldError::new(field, "应为 true 或 false")),
    }
}

impl InstitutionQuery {
    pub fn parse(&self) -> Result<InstitutionFilter, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = blank(&self.kind).and_then(|k| errors.check(InstitutionType::parse_field("type", k)));
        let within = blank(&self.region).and_then(|r| errors.check(DivisionCode::parse("region", r)));
        let service = blank(&self.service).and_then(|s| errors.check(ServiceKind::parse_field("service", s)));
        let green_channel = blank(&self.green_channel).and_then(|g| errors.check(parse_bool("green_channel", g)));
        let text = blank(&self.q).map(|q| text::clip(q, 50).trim_end_matches('…').to_string());
        errors.into_result()?;
        Ok(InstitutionFilter { kind, within, text, service, green_channel })
    }
}

impl PersonQuery {
    pub fn parse(&self) -> Result<PersonFilter, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = blank(&self.kind).and_then(|k| errors.check(PersonType::parse_field("type", k)));
        let within = blank(&self.region).and_then(|r| errors.check(DivisionCode::parse("region", r)));
        let institution = blank(&self.institution).and_then(|i| {
            errors.check(
                i.parse::<i64>().map(InstitutionId).map_err(|_| FieldError::new("institution", "机构编号应为整数")),
            )
        });
        let active = blank(&self.active).and_then(|a| errors.check(parse_bool("active", a)));
        let text = blank(&self.q).map(|q| text::clip(q, 50).trim_end_matches('…').to_string());
        errors.into_result()?;
        Ok(PersonFilter { kind, within, institution, text, active })
    }
}

fn require_version(version: &Option<String>) -> Result<i64, ValidationErrors> {
    match version.as_deref().map(str::trim) {
        None | Some("") => Err(FieldError::new("version", "缺少版本号，请刷新页面后重试").into()),
        Some(v) => v.parse().map_err(|_| FieldError::new("version", "版本号应为整数").into()),
    }
}

impl Services {
    // ---- regions ----

    /// Every region in the actor's scope.
    pub async fn regions(&self, actor: &Actor) -> Result<Vec<Region>, ServiceError> {
        actor.require(Permission::ViewNetwork)?;
        Ok(regions::list(self.store().reader(), actor.scope).await?)
    }

    /// Regions of one level in the actor's scope (e.g. townships for a filter).
    pub async fn regions_at(&self, actor: &Actor, level: RegionLevel) -> Result<Vec<Region>, ServiceError> {
        actor.require(Permission::ViewNetwork)?;
        Ok(regions::list_level(self.store().reader(), actor.scope, level).await?)
    }

    pub async fn region(&self, actor: &Actor, code: DivisionCode) -> Result<Region, ServiceError> {
        actor.require(Permission::ViewNetwork)?;
        if !actor.scope.contains(code) {
            return Err(ServiceError::NotFound("行政区划"));
        }
        regions::get(self.store().reader(), code).await?.ok_or(ServiceError::NotFound("行政区划"))
    }

    pub async fn create_region(&self, actor: &Actor, input: &RegionInput) -> Result<Region, ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let draft = input.parse()?;
        if !actor.scope.contains(draft.code) || draft.code == actor.scope.root {
            return Err(ServiceError::field("code", "该区划不在您的管辖范围内"));
        }
        let parent = draft.code.parent().expect("below the scope root, so not a province");
        let tx = self.store().begin().await?;
        if regions::get(&tx, parent).await?.is_none() {
            return Err(ServiceError::field("code", format!("上级区划“{parent}”尚未建立，请先建立上级区划")));
        }
        let region = regions::insert(&tx, &draft, self.now()).await.map_err(|e| match e {
            StoreError::Unique(_) => ServiceError::field("code", format!("区划代码“{}”已存在", draft.code)),
            e => e.into(),
        })?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Create,
                AuditObject::Region,
                region.code,
                region.code,
                format!("新建区划 {} {}", region.code, region.name),
            )
            .changes(snapshot(&region)),
        )
        .await?;
        tx.commit().await?;
        Ok(region)
    }

    pub async fn rename_region(&self, actor: &Actor, code: DivisionCode, name: &str) -> Result<Region, ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let name = text::required("name", "区划名称", name, 40)?;
        let old = self.region(actor, code).await?;
        let tx = self.store().begin().await?;
        let region = regions::rename(&tx, actor.scope, code, &name, self.now())
            .await?
            .ok_or(ServiceError::NotFound("行政区划"))?;
        self.forget_site_name();
        self.audit(
            &tx,
            actor,
            Event::new(AuditAction::Update, AuditObject::Region, code, code, format!("区划 {code} 更名为 {name}"))
                .changes(diff(&old, &region)),
        )
        .await?;
        tx.commit().await?;
        Ok(region)
    }

    pub async fn delete_region(&self, actor: &Actor, code: DivisionCode) -> Result<(), ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        if code == actor.scope.root {
            return Err(ServiceError::Forbidden("不能删除您管辖范围的顶级区划".into()));
        }
        let old = self.region(actor, code).await?;
        let tx = self.store().begin().await?;
        let children = regions::count_children(&tx, code).await?;
        if children > 0 {
            return Err(ServiceError::Conflict(format!("“{}”下还有{children}个下级区划，请先删除下级区划", old.name)));
        }
        match regions::delete(&tx, actor.scope, code).await {
            Ok(true) => {}
            Ok(false) => return Err(ServiceError::NotFound("行政区划")),
            Err(StoreError::ForeignKey(_)) => {
                return Err(ServiceError::Conflict(format!("“{}”下还登记有机构、人员或账号，不能删除", old.name)));
            }
            Err(e) => return Err(e.into()),
        }
        self.audit(
            &tx,
            actor,
            Event::new(AuditAction::Delete, AuditObject::Region, code, code, format!("删除区划 {code} {}", old.name))
                .changes(snapshot(&old)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- institutions ----

    pub async fn institutions(
        &self,
        actor: &Actor,
        query: &InstitutionQuery,
        page: &PageQuery,
    ) -> Result<(Vec<Institution>, u64), ServiceError> {
        actor.require(Permission::ViewNetwork)?;
        let (filter, page) = both(query.parse(), page.parse())?;
        Ok(institutions::list(self.store().reader(), actor.scope, &filter, page).await?)
    }

    /// Public service points (服务公开): no login, the installation's home region.
    pub async fn public_service_points(&self, within: Option<DivisionCode>) -> Result<Vec<Institution>, ServiceError> {
        let home = Scope::new(self.config().home_region);
        let filter = InstitutionFilter { within, ..Default::default() };
        let all = institutions::list_all(self.store().reader(), home, &filter, 5000).await?;
        Ok(all.into_iter().filter(|i| i.kind.is_public_service_point()).collect())
    }

    /// Townships and streets under the home region, for the public page.
    pub async fn public_townships(&self) -> Result<Vec<Region>, ServiceError> {
        let home = Scope::new(self.config().home_region);
        Ok(regions::list_level(self.store().reader(), home, RegionLevel::Township).await?)
    }

    pub async fn institution(&self, actor: &Actor, id: InstitutionId) -> Result<Institution, ServiceError> {
        actor.require(Permission::ViewNetwork)?;
        institutions::get(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("机构"))
    }

    /// The region must exist and lie in the actor's scope.
    async fn check_region(
        &self,
        conn: &impl gongdao_store::ConnectionTrait,
        actor: &Actor,
        field: &str,
        code: DivisionCode,
    ) -> Result<Region, ServiceError> {
        if !actor.scope.contains(code) {
            return Err(ServiceError::field(field, format!("行政区划“{code}”不在您的管辖范围内")));
        }
        regions::get(conn, code).await?.ok_or_else(|| ServiceError::field(field, format!("行政区划代码“{code}”不存在")))
    }

    pub async fn create_institution(
        &self,
        actor: &Actor,
        input: &InstitutionInput,
    ) -> Result<Institution, ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let draft = input.parse()?;
        let tx = self.store().begin().await?;
        self.check_region(&tx, actor, "region", draft.region).await?;
        let inst = institutions::insert(&tx, &draft, self.now()).await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Create,
                AuditObject::Institution,
                inst.id,
                inst.region,
                format!("新建机构 {}", inst.name),
            )
            .changes(snapshot(&inst)),
        )
        .await?;
        tx.commit().await?;
        Ok(inst)
    }

    pub async fn update_institution(
        &self,
        actor: &Actor,
        id: InstitutionId,
        input: &InstitutionInput,
    ) -> Result<Institution, ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let (draft, version) = both(input.parse(), require_version(&input.version))?;
        let tx = self.store().begin().await?;
        let old = institutions::get(&tx, actor.scope, id).await?.ok_or(ServiceError::NotFound("机构"))?;
        self.check_region(&tx, actor, "region", draft.region).await?;
        let inst = match institutions::update(&tx, actor.scope, id, version, &draft, self.now()).await? {
            Versioned::Updated(i) => i,
            Versioned::NotFound => return Err(ServiceError::NotFound("机构")),
            Versioned::Stale { .. } => return Err(ServiceError::stale("机构")),
        };
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Update,
                AuditObject::Institution,
                id,
                inst.region,
                format!("修改机构 {}", inst.name),
            )
            .changes(diff(&old, &inst)),
        )
        .await?;
        tx.commit().await?;
        Ok(inst)
    }

    pub async fn delete_institution(&self, actor: &Actor, id: InstitutionId) -> Result<(), ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let tx = self.store().begin().await?;
        let old = institutions::get(&tx, actor.scope, id).await?.ok_or(ServiceError::NotFound("机构"))?;
        let staff = people::count_at_institution(&tx, id).await?;
        if staff > 0 {
            return Err(ServiceError::Conflict(format!("“{}”还登记有{staff}名人员，请先调整或删除这些人员", old.name)));
        }
        match institutions::delete(&tx, actor.scope, id).await {
            Ok(true) => {}
            Ok(false) => return Err(ServiceError::NotFound("机构")),
            Err(StoreError::ForeignKey(_)) => {
                return Err(ServiceError::Conflict(format!("“{}”还关联着账号，请先调整这些账号", old.name)));
            }
            Err(e) => return Err(e.into()),
        }
        self.audit(
            &tx,
            actor,
            Event::new(AuditAction::Delete, AuditObject::Institution, id, old.region, format!("删除机构 {}", old.name))
                .changes(snapshot(&old)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- people ----

    pub async fn people(
        &self,
        actor: &Actor,
        query: &PersonQuery,
        page: &PageQuery,
    ) -> Result<(Vec<Person>, u64), ServiceError> {
        actor.require(Permission::ViewNetwork)?;
        let (filter, page) = both(query.parse(), page.parse())?;
        Ok(people::list(self.store().reader(), actor.scope, &filter, page).await?)
    }

    pub async fn person(&self, actor: &Actor, id: PersonId) -> Result<Person, ServiceError> {
        actor.require(Permission::ViewNetwork)?;
        people::get(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("人员"))
    }

    /// The person's ID number and phone in the clear; every look is audited.
    pub async fn reveal_personal_data(&self, actor: &Actor, id: PersonId) -> Result<PersonalData, ServiceError> {
        actor.require(Permission::ViewPersonalData)?;
        let person = self.person(actor, id).await?;
        let tx = self.store().begin().await?;
        let data =
            people::personal_data(&tx, self.cipher(), actor.scope, id).await?.ok_or(ServiceError::NotFound("人员"))?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::ViewPersonalData,
                AuditObject::Person,
                id,
                person.region,
                format!("查看 {} 的身份证号码和电话", person.name),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(data)
    }

    /// Resolves where a person is registered: their institution's region unless a
    /// region is given, and checks both lie in the actor's scope.
    async fn place_person(
        &self,
        conn: &impl gongdao_store::ConnectionTrait,
        actor: &Actor,
        kind: PersonType,
        institution_id: Option<InstitutionId>,
        region: Option<DivisionCode>,
    ) -> Result<DivisionCode, ServiceError> {
        let institution = match institution_id {
            None => None,
            Some(id) => Some(
                institutions::get(conn, actor.scope, id)
                    .await?
                    .ok_or_else(|| ServiceError::field("institution_id", "所属机构不存在或不在您的管辖范围内"))?,
            ),
        };
        if let (Some(inst), Some(allowed)) = (&institution, kind.allowed_institutions())
            && !allowed.contains(&inst.kind)
        {
            let names: Vec<&str> = allowed.iter().map(|k| k.label()).collect();
            return Err(ServiceError::field(
                "institution_id",
                format!("{}应属于{}，“{}”是{}", kind.label(), names.join("、"), inst.name, inst.kind.label()),
            ));
        }
        match (region, institution) {
            (Some(code), _) => Ok(self.check_region(conn, actor, "region", code).await?.code),
            (None, Some(inst)) => Ok(inst.region),
            (None, None) => Err(ServiceError::field("region", "请填写所在区划或所属机构")),
        }
    }

    fn unique_person_error(e: StoreError) -> ServiceError {
        if e.is_unique_on("id_number_hash") {
            ServiceError::field("id_number", "该身份证号码已登记在另一名人员名下")
        } else {
            e.into()
        }
    }

    pub async fn create_person(&self, actor: &Actor, input: &PersonInput) -> Result<Person, ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let draft = input.parse(self.today())?;
        let tx = self.store().begin().await?;
        let region = self.place_person(&tx, actor, draft.kind, draft.institution_id, draft.region).await?;
        let person =
            people::insert(&tx, self.cipher(), &draft, region, self.now()).await.map_err(Self::unique_person_error)?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Create,
                AuditObject::Person,
                person.id,
                person.region,
                format!("新建人员 {}（{}）", person.name, person.kind.label()),
            )
            .changes(snapshot(&person)),
        )
        .await?;
        tx.commit().await?;
        Ok(person)
    }

    pub async fn update_person(
        &self,
        actor: &Actor,
        id: PersonId,
        input: &PersonInput,
    ) -> Result<Person, ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let (draft, version) = both(input.parse(self.today()), require_version(&input.version))?;
        let tx = self.store().begin().await?;
        let old = people::get(&tx, actor.scope, id).await?.ok_or(ServiceError::NotFound("人员"))?;
        let region = self.place_person(&tx, actor, draft.kind, draft.institution_id, draft.region).await?;
        let person = match people::update(&tx, self.cipher(), actor.scope, id, version, &draft, region, self.now())
            .await
            .map_err(Self::unique_person_error)?
        {
            Versioned::Updated(p) => p,
            Versioned::NotFound => return Err(ServiceError::NotFound("人员")),
            Versioned::Stale { .. } => return Err(ServiceError::stale("人员")),
        };
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Update,
                AuditObject::Person,
                id,
                person.region,
                format!("修改人员 {}", person.name),
            )
            .changes(diff(&old, &person)),
        )
        .await?;
        tx.commit().await?;
        Ok(person)
    }

    pub async fn delete_person(&self, actor: &Actor, id: PersonId) -> Result<(), ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let tx = self.store().begin().await?;
        let old = people::get(&tx, actor.scope, id).await?.ok_or(ServiceError::NotFound("人员"))?;
        people::delete_dependents(&tx, id).await?;
        if !people::delete(&tx, actor.scope, id).await? {
            return Err(ServiceError::NotFound("人员"));
        }
        self.audit(
            &tx,
            actor,
            Event::new(AuditAction::Delete, AuditObject::Person, id, old.region, format!("删除人员 {}", old.name))
                .changes(snapshot(&old)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn trainings(&self, actor: &Actor, id: PersonId) -> Result<Vec<Training>, ServiceError> {
        self.person(actor, id).await?;
        Ok(people::trainings(self.store().reader(), id).await?)
    }

    pub async fn add_training(
        &self,
        actor: &Actor,
        id: PersonId,
        input: &TrainingInput,
    ) -> Result<Training, ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let draft = input.parse(self.today())?;
        let tx = self.store().begin().await?;
        let person = people::get(&tx, actor.scope, id).await?.ok_or(ServiceError::NotFound("人员"))?;
        let training = people::add_training(&tx, id, &draft, self.now()).await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Create,
                AuditObject::Training,
                training.id,
                person.region,
                format!("为 {} 登记培训“{}”", person.name, training.title),
            )
            .changes(snapshot(&training)),
        )
        .await?;
        tx.commit().await?;
        Ok(training)
    }

    pub async fn delete_training(&self, actor: &Actor, id: PersonId, training: i64) -> Result<(), ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let tx = self.store().begin().await?;
        let person = people::get(&tx, actor.scope, id).await?.ok_or(ServiceError::NotFound("人员"))?;
        if !people::delete_training(&tx, id, training).await? {
            return Err(ServiceError::NotFound("培训记录"));
        }
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Delete,
                AuditObject::Training,
                training,
                person.region,
                format!("删除 {} 的培训记录", person.name),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn appointments(&self, actor: &Actor, id: PersonId) -> Result<Vec<AdvisorAppointment>, ServiceError> {
        self.person(actor, id).await?;
        Ok(people::appointments(self.store().reader(), id).await?)
    }

    pub async fn add_appointment(
        &self,
        actor: &Actor,
        id: PersonId,
        input: &AppointmentInput,
    ) -> Result<AdvisorAppointment, ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let draft = input.parse()?;
        let tx = self.store().begin().await?;
        let person = people::get(&tx, actor.scope, id).await?.ok_or(ServiceError::NotFound("人员"))?;
        self.check_region(&tx, actor, "village", draft.village).await?;
        let appointment = people::add_appointment(&tx, id, &draft, self.now()).await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Create,
                AuditObject::Appointment,
                appointment.id,
                draft.village,
                format!("聘任 {} 为 {} 法律顾问", person.name, appointment.village_name),
            )
            .changes(snapshot(&appointment)),
        )
        .await?;
        tx.commit().await?;
        Ok(appointment)
    }

    pub async fn delete_appointment(&self, actor: &Actor, id: PersonId, appointment: i64) -> Result<(), ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let tx = self.store().begin().await?;
        let person = people::get(&tx, actor.scope, id).await?.ok_or(ServiceError::NotFound("人员"))?;
        if !people::delete_appointment(&tx, id, appointment).await? {
            return Err(ServiceError::NotFound("聘任记录"));
        }
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Delete,
                AuditObject::Appointment,
                appointment,
                person.region,
                format!("解除 {} 的法律顾问聘任", person.name),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Both parses, with the errors of both when either fails.
fn both<A, B>(a: Result<A, ValidationErrors>, b: Result<B, ValidationErrors>) -> Result<(A, B), ServiceError> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(mut e), Err(f)) => {
            e.0.extend(f.0);
            Err(e.into())
        }
        (Err(e), _) | (_, Err(e)) => Err(e.into()),
    }
}

impl Services {
    /// The name of a region (names are public), `None` when it does not exist.
    pub async fn region_name(&self, code: DivisionCode) -> Result<Option<String>, ServiceError> {
        Ok(regions::get(self.store().reader(), code).await?.map(|r| r.name))
    }
}

impl Services {
    /// Townships, villages and communities of the installation (names are public), for
    /// citizens choosing where they live.
    pub async fn public_places(&self, home: Scope) -> Result<Vec<Region>, ServiceError> {
        let all = regions::list(self.store().reader(), home).await?;
        Ok(all.into_iter().filter(|r| r.level >= RegionLevel::Township).collect())
    }
}
