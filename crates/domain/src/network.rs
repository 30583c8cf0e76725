//! The service network (服务网络): regions, institutions and the people who serve.
//! Inputs arrive as [`InstitutionInput`] / [`PersonInput`] (what a form or JSON body
//! holds) and are parsed into drafts whose every field is already valid; rules that need
//! the database (does the region exist, is the institution in the caller's scope) are
//! checked by the services layer.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::division::{DivisionCode, RegionLevel};
use crate::ids::{InstitutionId, PersonId};
use crate::{FieldError, IdNumber, PhoneNumber, ValidationErrors, text};

crate::code_enum! {
    /// 机构类型
    pub enum InstitutionType: "机构类型" {
        JusticeBureau => ("justice_bureau", "司法局"),
        ServiceCenter => ("service_center", "公共法律服务中心"),
        Workstation => ("workstation", "公共法律服务工作站"),
        VillageRoom => ("village_room", "公共法律服务工作室"),
        LegalAidCenter => ("legal_aid_center", "法律援助中心"),
        LegalAidStation => ("legal_aid_station", "法律援助工作站"),
        LawFirm => ("law_firm", "律师事务所"),
        NotaryOffice => ("notary_office", "公证处"),
        AppraisalInstitution => ("appraisal_institution", "司法鉴定机构"),
        GrassrootsLegalOffice => ("grassroots_legal_office", "基层法律服务所"),
        MediationCommittee => ("mediation_committee", "人民调解委员会"),
        ArbitrationBody => ("arbitration_body", "仲裁机构"),
    }
}

impl InstitutionType {
    /// The region levels an institution of this type can sit at: a workstation serves a
    /// township, a 工作室 a village, a centre a county or above.
    pub fn allowed_levels(self) -> &'static [RegionLevel] {
        use RegionLevel::*;
        match self {
            Self::JusticeBureau | Self::ServiceCenter | Self::LegalAidCenter => &[Province, City, District],
            Self::AppraisalInstitution => &[Province, City, District],
            Self::Workstation => &[Township],
            Self::VillageRoom => &[Village],
            Self::LegalAidStation | Self::GrassrootsLegalOffice => &[District, Township],
            Self::LawFirm => &[City, District, Township],
            Self::NotaryOffice | Self::ArbitrationBody => &[City, District],
            Self::MediationCommittee => &[District, Township, Village],
        }
    }

    /// What an institution of this type usually offers; the form starts from this.
    pub fn default_services(self) -> &'static [ServiceKind] {
        use ServiceKind::*;
        match self {
            Self::JusticeBureau => &[LegalEducation],
            Self::ServiceCenter => &[
                Consultation,
                Mediation,
                LegalAidIntake,
                LegalEducation,
                NotaryGuidance,
                AppraisalGuidance,
                LawyerService,
            ],
            Self::Workstation => &[Consultation, Mediation, LegalAidIntake, LegalEducation],
            Self::VillageRoom => &[Consultation, Mediation, LegalEducation],
            Self::LegalAidCenter => &[Consultation, LegalAidIntake, LegalAidHandling],
            Self::LegalAidStation => &[Consultation, LegalAidIntake],
            Self::LawFirm => &[Consultation, LawyerService, LegalAidHandling],
            Self::NotaryOffice => &[Notary],
            Self::AppraisalInstitution => &[Appraisal],
            Self::GrassrootsLegalOffice => &[Consultation, GrassrootsLegalService, Mediation],
            Self::MediationCommittee => &[Mediation],
            Self::ArbitrationBody => &[Arbitration],
        }
    }

    /// Service points open to the public, listed on 服务网点.
    pub fn is_public_service_point(self) -> bool {
        !matches!(self, Self::JusticeBureau)
    }
}

crate::code_enum! {
    /// 服务项目
    pub enum ServiceKind: "服务项目" {
        Consultation => ("consultation", "法律咨询"),
        Mediation => ("mediation", "人民调解"),
        LegalAidIntake => ("legal_aid_intake", "法律援助受理"),
        LegalAidHandling => ("legal_aid_handling", "法律援助承办"),
        LegalEducation => ("legal_education", "法治宣传"),
        GrassrootsLegalService => ("grassroots_legal_service", "基层法律服务"),
        Notary => ("notary", "公证"),
        NotaryGuidance => ("notary_guidance", "公证指引"),
        Appraisal => ("appraisal", "司法鉴定"),
        AppraisalGuidance => ("appraisal_guidance", "司法鉴定指引"),
        LawyerService => ("lawyer_service", "律师服务"),
        Arbitration => ("arbitration", "仲裁"),
        EnterpriseCheckup => ("enterprise_checkup", "企业法治体检"),
    }
}

crate::code_enum! {
    /// 示范点级别
    pub enum DemonstrationLevel: "示范级别" {
        None => ("none", "非示范点"),
        District => ("district", "区级示范"),
        City => ("city", "市级示范"),
        Province => ("province", "省级示范"),
        National => ("national", "国家级示范"),
    }
}

crate::code_enum! {
    /// Where a 法律援助工作站 is housed.
    pub enum StationHost: "设立单位" {
        Township => ("township", "乡镇（街道）"),
        Court => ("court", "人民法院"),
        Procuratorate => ("procuratorate", "人民检察院"),
        DetentionCenter => ("detention_center", "看守所"),
        WomenFederation => ("women_federation", "妇联"),
        DisabledFederation => ("disabled_federation", "残联"),
        TradeUnion => ("trade_union", "工会"),
        Other => ("other", "其他单位"),
    }
}

crate::code_enum! {
    /// 人员类型
    pub enum PersonType: "人员类型" {
        Lawyer => ("lawyer", "律师"),
        TraineeLawyer => ("trainee_lawyer", "实习律师"),
        Notary => ("notary", "公证员"),
        GrassrootsLegalWorker => ("grassroots_legal_worker", "基层法律服务工作者"),
        LegalAidStaff => ("legal_aid_staff", "法律援助人员"),
        Mediator => ("mediator", "人民调解员"),
        JudicialOfficeStaff => ("judicial_office_staff", "司法所工作人员"),
        VillageLegalAdvisor => ("village_legal_advisor", "村居法律顾问"),
        LegalLiaison => ("legal_liaison", "法律明白人"),
        Volunteer => ("volunteer", "志愿者"),
        RetiredLegalProfessional => ("retired_legal_professional", "退休政法人员"),
        SocialSupervisor => ("social_supervisor", "社会监督员"),
        EnforcementOfficer => ("enforcement_officer", "行政执法人员"),
    }
}

impl PersonType {
    /// Professionals who practise through an institution must name it.
    pub fn requires_institution(self) -> bool {
        matches!(
            self,
            Self::Lawyer
                | Self::TraineeLawyer
                | Self::Notary
                | Self::GrassrootsLegalWorker
                | Self::LegalAidStaff
                | Self::JudicialOfficeStaff
        )
    }

    /// Licensed professions carry a practising-certificate number.
    pub fn requires_licence(self) -> bool {
        matches!(self, Self::Lawyer | Self::Notary | Self::GrassrootsLegalWorker)
    }

    /// The institution types a person of this type may belong to, when restricted.
    pub fn allowed_institutions(self) -> Option<&'static [InstitutionType]> {
        use InstitutionType::*;
        Some(match self {
            Self::Lawyer => &[LawFirm, LegalAidCenter, JusticeBureau],
            Self::TraineeLawyer => &[LawFirm],
            Self::Notary => &[NotaryOffice],
            Self::GrassrootsLegalWorker => &[GrassrootsLegalOffice],
            Self::Mediator => &[MediationCommittee, Workstation, ServiceCenter, VillageRoom],
            _ => return None,
        })
    }

    /// The professions counted when the plan asks what share of village legal advisors
    /// are lawyers, notaries or grassroots legal workers (规划 一(三)).
    pub fn is_legal_professional(self) -> bool {
        matches!(self, Self::Lawyer | Self::Notary | Self::GrassrootsLegalWorker)
    }
}

crate::code_enum! {
    /// 专职/兼职
    pub enum Employment: "任职方式" {
        FullTime => ("full_time", "专职"),
        PartTime => ("part_time", "兼职"),
    }
}

crate::code_enum! {
    /// 资格认证状态 (practising certificate, 执法证 …)
    pub enum Certification: "资格状态" {
        Certified => ("certified", "已取得资格"),
        Pending => ("pending", "认证中"),
        None => ("none", "未取得资格"),
        Expired => ("expired", "资格已过期"),
    }
}

crate::code_enum! {
    pub enum Gender: "性别" {
        Male => ("male", "男"),
        Female => ("female", "女"),
    }
}

/// A node of the region tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Region {
    pub code: DivisionCode,
    pub name: String,
    pub level: RegionLevel,
    pub parent: Option<DivisionCode>,
}

/// A region with the regions below it, for the tree view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RegionNode {
    #[serde(flatten)]
    pub region: Region,
    #[schema(no_recursion)]
    pub children: Vec<RegionNode>,
}

impl RegionNode {
    /// Number of regions in this subtree, itself included.
    pub fn size(&self) -> usize {
        1 + self.children.iter().map(RegionNode::size).sum::<usize>()
    }
}

/// Arranges regions into trees: every region whose parent is not in the list is a root.
pub fn region_tree(mut regions: Vec<Region>) -> Vec<RegionNode> {
    use std::collections::HashMap;
    regions.sort_by_key(|r| r.code);
    let present: std::collections::HashSet<DivisionCode> = regions.iter().map(|r| r.code).collect();
    let mut children: HashMap<DivisionCode, Vec<Region>> = HashMap::new();
    let mut roots = Vec::new();
    for r in regions {
        match r.parent.filter(|p| present.contains(p)) {
            Some(p) => children.entry(p).or_default().push(r),
            None => roots.push(r),
        }
    }
    fn build(r: Region, children: &mut HashMap<DivisionCode, Vec<Region>>) -> RegionNode {
        let kids = children.remove(&r.code).unwrap_or_default();
        RegionNode { children: kids.into_iter().map(|k| build(k, children)).collect(), region: r }
    }
    roots.into_iter().map(|r| build(r, &mut children)).collect()
}

/// A region as typed into a form or JSON body.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct RegionInput {
    /// 6 or 12 digits; the parent is implied by the digits.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
}

/// A region ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionDraft {
    pub code: DivisionCode,
    pub name: String,
}

impl RegionInput {
    pub fn parse(&self) -> Result<RegionDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let code = errors.check(DivisionCode::parse("code", &self.code));
        let name = errors.check(text::required("name", "区划名称", &self.name, 40));
        if let Some(code) = code
            && code.level() == RegionLevel::Province
        {
            errors.push(FieldError::new("code", "省级区划由系统初始化，不能在此新建"));
        }
        errors.into_result()?;
        Ok(RegionDraft { code: code.expect("checked"), name: name.expect("checked") })
    }
}

/// An institution as stored.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Institution {
    pub id: InstitutionId,
    #[serde(rename = "type")]
    pub kind: InstitutionType,
    pub name: String,
    pub region: DivisionCode,
    /// Name of the region, for display.
    pub region_name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub opening_hours: Option<String>,
    pub services: Vec<ServiceKind>,
    pub green_channel: bool,
    pub demonstration_level: DemonstrationLevel,
    pub host: Option<StationHost>,
    pub note: Option<String>,
    /// Incremented by each change; send it back with an update.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// An institution as typed into a form or JSON body; every field is checked by
/// [`InstitutionInput::parse`].
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct InstitutionInput {
    /// Institution type code, e.g. `workstation`.
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    /// Division code of the region it serves.
    #[serde(default)]
    pub region: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub opening_hours: Option<String>,
    /// Service codes.
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub green_channel: Option<bool>,
    pub demonstration_level: Option<String>,
    /// For 法律援助工作站: where it is housed.
    pub host: Option<String>,
    pub note: Option<String>,
    /// Required on update: the version that was read.
    #[serde(default, deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub version: Option<String>,
}

/// An institution whose fields are all valid.
#[derive(Clone, Debug, PartialEq)]
pub struct InstitutionDraft {
    pub kind: InstitutionType,
    pub name: String,
    pub region: DivisionCode,
    pub address: Option<String>,
    pub phone: Option<PhoneNumber>,
    pub opening_hours: Option<String>,
    pub services: Vec<ServiceKind>,
    pub green_channel: bool,
    pub demonstration_level: DemonstrationLevel,
    pub host: Option<StationHost>,
    pub note: Option<String>,
}

impl InstitutionInput {
    pub fn parse(&self) -> Result<InstitutionDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = errors.check(InstitutionType::parse_field("type", &self.kind));
        let name = errors.check(text::required("name", "机构名称", &self.name, 60));
        let region = errors.check(DivisionCode::parse("region", &self.region));
        if let (Some(kind), Some(region)) = (kind, region)
            && !kind.allowed_levels().contains(&region.level())
        {
            let levels: Vec<&str> = kind.allowed_levels().iter().map(|l| l.label()).collect();
            errors.push(FieldError::new(
                "region",
                format!(
                    "{}应设在{}区划，所选区划“{}”是{}",
                    kind.label(),
                    levels.join("或"),
                    region,
                    region.level().label()
                ),
            ));
        }
        let address = errors.check(text::optional("address", "地址", self.address.as_deref(), 120));
        let phone = errors.check(parse_optional_phone("phone", self.phone.as_deref()));
        let opening_hours =
            errors.check(text::optional("opening_hours", "办公时间", self.opening_hours.as_deref(), 80));
        let mut services = Vec::new();
        for code in &self.services {
            if let Some(s) = errors.check(ServiceKind::parse_field("services", code))
                && !services.contains(&s)
            {
                services.push(s);
            }
        }
        services.sort();
        let demonstration_level = match self.demonstration_level.as_deref().map(str::trim) {
            None | Some("") => Some(DemonstrationLevel::None),
            Some(code) => errors.check(DemonstrationLevel::parse_field("demonstration_level", code)),
        };
        let host = match self.host.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => errors.check(StationHost::parse_field("host", code)),
        };
        if host.is_some() && kind.is_some() && kind != Some(InstitutionType::LegalAidStation) {
            errors.push(FieldError::new("host", "只有法律援助工作站需要填写设立单位"));
        }
        let note = errors.check(text::optional_multiline("note", "备注", self.note.as_deref(), 500));
        errors.into_result()?;
        Ok(InstitutionDraft {
            kind: kind.expect("checked"),
            name: name.expect("checked"),
            region: region.expect("checked"),
            address: address.flatten(),
            phone: phone.flatten(),
            opening_hours: opening_hours.flatten(),
            services,
            green_channel: self.green_channel.unwrap_or(false),
            demonstration_level: demonstration_level.expect("checked"),
            host,
            note: note.flatten(),
        })
    }
}

/// A person as stored; personal data (ID number, phone) only masked here.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Person {
    pub id: PersonId,
    #[serde(rename = "type")]
    pub kind: PersonType,
    pub name: String,
    pub gender: Option<Gender>,
    pub institution_id: Option<InstitutionId>,
    pub institution_name: Option<String>,
    pub region: DivisionCode,
    pub region_name: String,
    /// Masked, e.g. 2208**********123X.
    pub id_number_masked: Option<String>,
    /// Masked, e.g. 138****5678.
    pub phone_masked: Option<String>,
    pub licence_no: Option<String>,
    pub practice_years: Option<i32>,
    pub specialties: Vec<String>,
    pub certification: Certification,
    pub employment: Option<Employment>,
    pub active: bool,
    pub note: Option<String>,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// The personal data of a person, shown only on an explicit request that is audited.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct PersonalData {
    pub id_number: Option<String>,
    pub phone: Option<String>,
}

/// A person as typed into a form or JSON body.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct PersonInput {
    /// Person type code, e.g. `lawyer`.
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    pub gender: Option<String>,
    /// Id of the institution the person works for.
    #[serde(default, deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub institution_id: Option<String>,
    /// Division code; defaults to the institution's region.
    pub region: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub licence_no: Option<String>,
    #[serde(default, deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i32>)]
    pub practice_years: Option<String>,
    /// A list, or one text separated by 、 or commas.
    #[serde(default, deserialize_with = "list_or_text")]
    #[schema(value_type = Vec<String>)]
    pub specialties: Vec<String>,
    pub certification: Option<String>,
    pub employment: Option<String>,
    pub active: Option<bool>,
    pub note: Option<String>,
    #[serde(default, deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub version: Option<String>,
}

/// A person whose fields are all valid. `region` is `None` when it is to be taken
/// from the institution.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonDraft {
    pub kind: PersonType,
    pub name: String,
    pub gender: Option<Gender>,
    pub institution_id: Option<InstitutionId>,
    pub region: Option<DivisionCode>,
    pub id_number: Option<IdNumber>,
    pub phone: Option<PhoneNumber>,
    pub licence_no: Option<String>,
    pub practice_years: Option<i32>,
    pub specialties: Vec<String>,
    pub certification: Certification,
    pub employment: Option<Employment>,
    pub active: bool,
    pub note: Option<String>,
}

impl PersonInput {
    pub fn parse(&self, today: NaiveDate) -> Result<PersonDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = errors.check(PersonType::parse_field("type", &self.kind));
        let name = errors.check(text::required("name", "姓名", &self.name, 30));
        let gender = optional_code(&mut errors, "gender", self.gender.as_deref(), Gender::parse_field);
        let institution_id = match self.institution_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => errors.check(
                s.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .map(InstitutionId)
                    .ok_or_else(|| FieldError::new("institution_id", "所属机构编号不正确")),
            ),
        };
        let region = match self.region.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => errors.check(DivisionCode::parse("region", s)),
        };
        if let Some(kind) = kind {
            if kind.requires_institution() && institution_id.is_none() && self.institution_id_is_blank() {
                errors.push(FieldError::new("institution_id", format!("{}必须填写所属机构", kind.label())));
            }
            if institution_id.is_none() && region.is_none() && self.region_is_blank() && self.institution_id_is_blank()
            {
                errors.push(FieldError::new("region", "请填写所在区划或所属机构"));
            }
        }
        let id_number = match self.id_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => errors.check(IdNumber::parse("id_number", s, today)),
        };
        let phone = errors.check(parse_optional_phone("phone", self.phone.as_deref())).flatten();
        let licence_no =
            errors.check(text::optional("licence_no", "执业证号", self.licence_no.as_deref(), 40)).flatten();
        if let Some(kind) = kind
            && kind.requires_licence()
            && licence_no.is_none()
            && !errors.0.iter().any(|e| e.field == "licence_no")
        {
            errors.push(FieldError::new("licence_no", format!("{}必须填写执业证号", kind.label())));
        }
        let practice_years = match self.practice_years.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => errors.check(
                s.parse::<i32>()
                    .ok()
                    .filter(|y| (0..=70).contains(y))
                    .ok_or_else(|| FieldError::new("practice_years", "从业年限应为0到70之间的整数")),
            ),
        };
        let mut specialties = Vec::new();
        for item in &self.specialties {
            if let Some(list) = errors.check(text::list("specialties", "业务专长", item, 20, 10)) {
                for s in list {
                    if !specialties.contains(&s) {
                        specialties.push(s);
                    }
                }
            }
        }
        if specialties.len() > 10 {
            errors.push(FieldError::new("specialties", "业务专长最多填写10项"));
        }
        let certification =
            optional_code(&mut errors, "certification", self.certification.as_deref(), Certification::parse_field)
                .unwrap_or(Certification::None);
        let employment = optional_code(&mut errors, "employment", self.employment.as_deref(), Employment::parse_field);
        if kind == Some(PersonType::Mediator)
            && employment.is_none()
            && !errors.0.iter().any(|e| e.field == "employment")
        {
            errors.push(FieldError::new("employment", "人民调解员请选择专职或兼职"));
        }
        let note = errors.check(text::optional_multiline("note", "备注", self.note.as_deref(), 500)).flatten();
        errors.into_result()?;
        Ok(PersonDraft {
            kind: kind.expect("checked"),
            name: name.expect("checked"),
            gender,
            institution_id,
            region,
            id_number,
            phone,
            licence_no,
            practice_years,
            specialties,
            certification,
            employment,
            active: self.active.unwrap_or(true),
            note,
        })
    }

    fn institution_id_is_blank(&self) -> bool {
        self.institution_id.as_deref().is_none_or(|s| s.trim().is_empty())
    }

    fn region_is_blank(&self) -> bool {
        self.region.as_deref().is_none_or(|s| s.trim().is_empty())
    }
}

/// A training a person attended (培训记录).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Training {
    pub id: i64,
    pub person_id: PersonId,
    pub date: NaiveDate,
    pub title: String,
    pub hours: f64,
    pub organiser: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct TrainingInput {
    /// YYYY-MM-DD
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub title: String,
    #[serde(default, deserialize_with = "number_or_text")]
    #[schema(value_type = Option<f64>)]
    pub hours: Option<String>,
    pub organiser: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrainingDraft {
    pub date: NaiveDate,
    pub title: String,
    pub hours: f64,
    pub organiser: Option<String>,
}

impl TrainingInput {
    pub fn parse(&self, today: NaiveDate) -> Result<TrainingDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let date = errors.check(parse_date("date", "培训日期", &self.date));
        if let Some(d) = date
            && d > today
        {
            errors.push(FieldError::new("date", "培训日期不能晚于今天"));
        }
        let title = errors.check(text::required("title", "培训名称", &self.title, 60));
        let hours = match self.hours.as_deref().map(str::trim) {
            None | Some("") => Some(0.0),
            Some(s) => errors.check(
                s.parse::<f64>()
                    .ok()
                    .filter(|h| h.is_finite() && (0.0..=500.0).contains(h))
                    .ok_or_else(|| FieldError::new("hours", "学时应为0到500之间的数字")),
            ),
        };
        let organiser = errors.check(text::optional("organiser", "主办单位", self.organiser.as_deref(), 60)).flatten();
        errors.into_result()?;
        Ok(TrainingDraft {
            date: date.expect("checked"),
            title: title.expect("checked"),
            hours: hours.expect("checked"),
            organiser,
        })
    }
}

/// A village legal advisor's appointment to a village or community (村居法律顾问).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AdvisorAppointment {
    pub id: i64,
    pub person_id: PersonId,
    pub person_name: String,
    pub village: DivisionCode,
    pub village_name: String,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct AppointmentInput {
    /// Twelve-digit code of a village or community.
    #[serde(default)]
    pub village: String,
    #[serde(default)]
    pub since: String,
    pub until: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AppointmentDraft {
    pub village: DivisionCode,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl AppointmentInput {
    pub fn parse(&self) -> Result<AppointmentDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let village = errors.check(DivisionCode::parse("village", &self.village));
        if let Some(v) = village
            && v.level() != RegionLevel::Village
        {
            errors
                .push(FieldError::new("village", format!("法律顾问应聘任到村（社区），“{v}”是{}", v.level().label())));
        }
        let since = errors.check(parse_date("since", "聘任日期", &self.since));
        let until = match self.until.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => errors.check(parse_date("until", "聘期截止日期", s)),
        };
        if let (Some(s), Some(u)) = (since, until)
            && u < s
        {
            errors.push(FieldError::new("until", "聘期截止日期不能早于聘任日期"));
        }
        errors.into_result()?;
        Ok(AppointmentDraft { village: village.expect("checked"), since: since.expect("checked"), until })
    }
}

/// Parses `YYYY-MM-DD` (also `YYYY/MM/DD`), naming the field in the message.
pub fn parse_date(field: &str, label: &str, input: &str) -> Result<NaiveDate, FieldError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, format!("请填写{label}")));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y/%m/%d"))
        .ok()
        .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            FieldError::new(field, format!("{label}“{}”不是有效日期，请按 2026-01-31 的格式填写", text::clip(s, 20)))
        })
}

fn parse_optional_phone(field: &str, input: Option<&str>) -> Result<Option<PhoneNumber>, FieldError> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => PhoneNumber::parse(field, s).map(Some),
    }
}

fn optional_code<T>(
    errors: &mut ValidationErrors,
    field: &str,
    input: Option<&str>,
    parse: fn(&str, &str) -> Result<T, FieldError>,
) -> Option<T> {
    match input.map(str::trim) {
        None | Some("") => None,
        Some(code) => errors.check(parse(field, code)),
    }
}

/// Accepts a JSON number or a text (as an HTML form sends), keeping it as text so the
/// parser can reject it with a field message instead of a serde error.
pub fn number_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Int(i64),
        Float(f64),
        Text(String),
    }
    Ok(match Option::<NumberOrText>::deserialize(d)? {
        None => None,
        Some(NumberOrText::Int(n)) => Some(n.to_string()),
        Some(NumberOrText::Float(f)) => Some(f.to_string()),
        Some(NumberOrText::Text(s)) => Some(s),
    })
}

/// Accepts a JSON list of texts or one text (split later on 、 and commas).
pub fn list_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrText {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Option::<ListOrText>::deserialize(d)? {
        None => Vec::new(),
        Some(ListOrText::List(v)) => v,
        Some(ListOrText::Text(s)) => vec![s],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn workstation() -> InstitutionInput {
        InstitutionInput {
            kind: "workstation".into(),
            name: "平台镇公共法律服务工作站".into(),
            region: "220802100000".into(),
            phone: Some("0436-3212345".into()),
            services: vec!["mediation".into(), "consultation".into(), "mediation".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_institution_parses_with_sorted_unique_services() {
        let d = workstation().parse().unwrap();
        assert_eq!(d.kind, InstitutionType::Workstation);
        assert_eq!(d.services, vec![ServiceKind::Consultation, ServiceKind::Mediation]);
        assert_eq!(d.demonstration_level, DemonstrationLevel::None);
        assert_eq!(d.phone.unwrap().as_str(), "0436-3212345");
    }

    #[test]
    fn institution_errors_name_each_field() {
        let input = InstitutionInput {
            kind: "castle".into(),
            name: "".into(),
            region: "220802".into(),
            phone: Some("1234".into()),
            services: vec!["magic".into()],
            ..Default::default()
        };
        let errors = input.parse().unwrap_err();
        for field in ["type", "name", "phone", "services"] {
            assert!(errors.message_for(field).is_some(), "{field}: {errors:?}");
        }
        assert!(errors.message_for("type").unwrap().contains("castle"));
    }

    #[test]
    fn a_workstation_must_sit_at_a_township() {
        let input = InstitutionInput { region: "220802".into(), ..workstation() };
        let errors = input.parse().unwrap_err();
        let msg = errors.message_for("region").unwrap();
        assert!(msg.contains("乡级") && msg.contains("县级"), "{msg}");
    }

    #[test]
    fn person_rules() {
        let lawyer = PersonInput { kind: "lawyer".into(), name: "张三".into(), ..Default::default() };
        let errors = lawyer.parse(today()).unwrap_err();
        assert!(errors.message_for("institution_id").is_some());
        assert!(errors.message_for("licence_no").is_some());

        let mediator = PersonInput {
            kind: "mediator".into(),
            name: "李四".into(),
            region: Some("220802100201".into()),
            ..Default::default()
        };
        assert!(mediator.parse(today()).unwrap_err().message_for("employment").is_some());

        let volunteer = PersonInput {
            kind: "volunteer".into(),
            name: "王五".into(),
            region: Some("220802100201".into()),
            practice_years: Some("3".into()),
            specialties: vec!["劳动争议、婚姻家庭".into()],
            ..Default::default()
        };
        let d = volunteer.parse(today()).unwrap();
        assert_eq!(d.specialties, vec!["劳动争议", "婚姻家庭"]);
        assert_eq!(d.practice_years, Some(3));

        let bad_years = PersonInput { practice_years: Some("七十一".into()), ..volunteer.clone() };
        assert!(bad_years.parse(today()).unwrap_err().message_for("practice_years").is_some());
        let valid = {
            let first17 = "22080219800101001";
            format!("{first17}{}", crate::id_number::check_char(first17.as_bytes()) as char)
        };
        let wrong_check = format!("{}{}", &valid[..17], if valid.ends_with('0') { '1' } else { '0' });
        let good_id = PersonInput { id_number: Some(valid), ..volunteer.clone() };
        assert!(good_id.parse(today()).unwrap().id_number.is_some());
        let bad_id = PersonInput { id_number: Some(wrong_check), ..volunteer };
        let msg = bad_id.parse(today()).unwrap_err();
        assert!(msg.message_for("id_number").unwrap().contains("校验位"));
    }

    #[test]
    fn json_numbers_and_texts_both_reach_the_parser() {
        let p: PersonInput = serde_json::from_str(
            r#"{"type":"volunteer","name":"甲","region":"220802100201","practice_years":5,"specialties":["调解"]}"#,
        )
        .unwrap();
        assert_eq!(p.practice_years.as_deref(), Some("5"));
        assert_eq!(p.specialties, vec!["调解"]);
        let p: PersonInput = serde_json::from_str(r#"{"practice_years":"5","specialties":"调解、普法"}"#).unwrap();
        assert_eq!(p.specialties, vec!["调解、普法"]);
    }

    #[test]
    fn appointments_go_to_villages() {
        let a = AppointmentInput { village: "220802100000".into(), since: "2026-01-01".into(), until: None };
        assert!(a.parse().unwrap_err().message_for("village").is_some());
        let a = AppointmentInput {
            village: "220802100201".into(),
            since: "2026-01-01".into(),
            until: Some("2025-01-01".into()),
        };
        assert!(a.parse().unwrap_err().message_for("until").is_some());
    }

    #[test]
    fn regions_form_trees() {
        let r = |code: &str, name: &str| {
            let code = DivisionCode::parse("c", code).unwrap();
            Region { code, name: name.into(), level: code.level(), parent: code.parent() }
        };
        let trees = region_tree(vec![
            r("220802100201", "红星村"),
            r("220802", "洮北区"),
            r("220802100000", "平台镇"),
            r("220802101000", "平安镇"),
        ]);
        assert_eq!(trees.len(), 1);
        assert_eq!(trees[0].region.name, "洮北区");
        assert_eq!(trees[0].children.len(), 2);
        assert_eq!(trees[0].children[0].children[0].region.name, "红星村");
        assert_eq!(trees[0].size(), 4);
    }

    #[test]
    fn dates_parse_with_chinese_messages() {
        assert_eq!(parse_date("d", "日期", "2026/2/3").unwrap(), NaiveDate::from_ymd_opt(2026, 2, 3).unwrap());
        assert!(parse_date("d", "日期", "2026-02-30").unwrap_err().message.contains("不是有效日期"));
    }
}
