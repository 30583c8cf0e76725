//! The official documents of a legal aid case (司发通〔2013〕34号 formats, SF/T 0024-2017
//! §8): each generated from the case, with its own number derived from the case number,
//! as title, addressee, paragraphs and the issuing body with the seal's place. The same
//! [`OfficialDocument`] feeds the printable page and the PDF.

use chrono::NaiveDate;

use crate::calendar::{china_day, last_day_text};
use crate::legal_aid::case::{Decision, LegalAidCase};
use crate::legal_aid::{Hardship, LAW};

crate::code_enum! {
    /// 法律援助文书
    pub enum DocumentKind: "文书" {
        Application => ("application", "法律援助申请登记表"),
        Materials => ("materials", "补充材料通知书"),
        Decision => ("decision", "法律援助决定书"),
        Assignment => ("assignment", "指派通知书"),
        Letter => ("letter", "法律援助公函"),
        Closing => ("closing", "结案报告"),
    }
}

pub use crate::document::OfficialDocument;

fn date_text(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// The document's own number: the case number with the document's word (决, 指, 补, 函, 结).
fn number(case_number: &str, word: &str) -> String {
    case_number.replacen("法援字", &format!("法援{word}字"), 1)
}

/// The document of `kind` for the case, or why it does not exist yet.
pub fn document(c: &LegalAidCase, kind: DocumentKind, today: NaiveDate) -> Result<OfficialDocument, String> {
    let issuer = c.centre_name.clone();
    let matter = c.matter.map(|m| m.label()).unwrap_or(c.case_type.label());
    let on = |t: Option<chrono::DateTime<chrono::Utc>>| date_text(t.map(china_day).unwrap_or(today));
    let doc = |title: &str,
               number: String,
               addressee: String,
               rows: Vec<(String, String)>,
               paragraphs: Vec<String>,
               date: String| {
        OfficialDocument {
            title: title.into(),
            number,
            addressee,
            rows,
            paragraphs,
            issuer: issuer.clone(),
            date,
            scan: None,
        }
    };
    match kind {
        DocumentKind::Application => {
            let hardship = match c.hardship {
                Hardship::NotRequired => "不受经济困难条件限制".to_string(),
                Hardship::Exempt => "免予核查经济困难状况".to_string(),
                _ => format!("经济困难状况：{}", c.verification.label()),
            };
            Ok(doc(
                "法律援助申请登记表",
                c.number.clone(),
                String::new(),
                vec![
                    ("申请人".into(), c.applicant_name.clone()),
                    ("身份证号码".into(), c.applicant_id_masked.clone().unwrap_or_default()),
                    ("联系电话".into(), c.applicant_phone_masked.clone().unwrap_or_default()),
                    ("住所地".into(), c.region_name.clone()),
                    ("案件类型".into(), c.case_type.label().into()),
                    ("申请事项".into(), matter.into()),
                    ("对方当事人".into(), c.opponent.clone().unwrap_or_default()),
                    ("申请渠道".into(), c.channel.label().into()),
                    ("经济状况".into(), hardship),
                    ("收到申请时间".into(), on(Some(c.received_at))),
                ],
                vec![
                    format!("案情及申请理由：{}", c.facts),
                    "申请人承诺以上所填内容真实，如有虚假，愿承担相应法律责任（法律援助法第四十一条）。".into(),
                    "申请人（签名）：　　　　　　　　".into(),
                ],
                on(Some(c.received_at)),
            ))
        }
        DocumentKind::Materials => {
            let list = c.materials_list.clone().ok_or("该案件没有补充材料通知")?;
            Ok(doc(
                "补充材料通知书",
                number(&c.number, "补"),
                format!("{}：", c.applicant_name),
                vec![],
                vec![
                    format!(
                        "你于{}提出的法律援助申请，经审查，申请材料尚不齐全。依据《中华人民共和国{LAW}》第四十三条第二款，现一次性告知你补充以下材料：",
                        on(Some(c.received_at))
                    ),
                    list,
                    "请在收到本通知后及时补充。补充材料所需时间不计入审查期限；未按要求补充的，视为撤回申请。".into(),
                ],
                on(c.events
                    .iter()
                    .rev()
                    .find(|e| e.action == crate::legal_aid::case::Action::RequestMaterials)
                    .map(|e| e.at)),
            ))
        }
        DocumentKind::Decision => {
            let decision = c.decision.ok_or("该案件尚未作出决定")?;
            let reason = c.decision_reason.clone().unwrap_or_default();
            let (title, body) = match decision {
                Decision::Grant => (
                    "给予法律援助决定书",
                    vec![
                        format!(
                            "你于{}提出的法律援助申请（{}），经审查，符合《中华人民共和国{LAW}》规定的法律援助条件，决定给予法律援助。{}",
                            on(Some(c.received_at)),
                            matter,
                            reason
                        ),
                        format!(
                            "本机构将依据{LAW}第四十三条自本决定作出之日起三日内指派法律援助人员为你提供法律援助。受援人应当向法律援助人员如实陈述与法律援助事项有关的情况，及时提供证据材料，协助、配合办理法律援助事项（第五十五条）。"
                        ),
                    ],
                ),
                Decision::Refuse => (
                    "不予法律援助决定书",
                    vec![
                        format!(
                            "你于{}提出的法律援助申请（{}），经审查，决定不予法律援助。理由：{}",
                            on(Some(c.received_at)),
                            matter,
                            reason
                        ),
                        format!(
                            "如对本决定有异议，可以自收到本决定书之日起向设立本机构的司法行政部门提出，司法行政部门应当自收到异议之日起五日内进行审查（{LAW}第四十九条）。"
                        ),
                    ],
                ),
            };
            Ok(doc(title, number(&c.number, "决"), format!("{}：", c.applicant_name), vec![], body, on(c.decided_at)))
        }
        DocumentKind::Assignment => {
            let person = c.assignee_name.clone().ok_or("该案件尚未指派")?;
            let unit = c.assignee_institution_name.clone().unwrap_or_default();
            Ok(doc(
                "指派通知书",
                number(&c.number, "指"),
                format!("{}：", if unit.is_empty() { person.clone() } else { unit.clone() }),
                vec![],
                vec![
                    format!(
                        "本机构决定为{}（{}）提供法律援助，现指派{}{}承办。",
                        c.applicant_name,
                        matter,
                        if unit.is_empty() { "" } else { "你单位" },
                        person
                    ),
                    format!(
                        "请于{}前与受援人签订委托协议和授权委托书（《办理法律援助案件程序规定》第二十七条），依法履行职责，并在案件办理结束后及时提交结案材料（{LAW}第五十条）。",
                        c.agreement_due.map(|d| last_day_text(china_day(d))).unwrap_or_default()
                    ),
                ],
                on(c.assigned_at),
            ))
        }
        DocumentKind::Letter => {
            let person = c.assignee_name.clone().ok_or("该案件尚未指派")?;
            let organ = c.notice_from.clone().unwrap_or_else(|| "有关办案机关".into());
            Ok(doc(
                "法律援助公函",
                number(&c.number, "函"),
                format!("{organ}："),
                vec![],
                vec![format!(
                    "根据《中华人民共和国{LAW}》的规定，本机构决定为{}提供法律援助，指派{}{}担任其{}，特此函告。",
                    c.applicant_name,
                    c.assignee_institution_name.clone().unwrap_or_default(),
                    person,
                    if c.case_type.is_criminal_defence() { "辩护人" } else { "代理人" }
                )],
                on(c.assigned_at),
            ))
        }
        DocumentKind::Closing => {
            let report = c.closing_report.clone().ok_or("该案件尚未提交结案报告")?;
            Ok(doc(
                "法律援助案件结案报告",
                number(&c.number, "结"),
                String::new(),
                vec![
                    ("受援人".into(), c.applicant_name.clone()),
                    ("案件类型".into(), c.case_type.label().into()),
                    ("援助事项".into(), matter.into()),
                    ("承办人".into(), c.assignee_name.clone().unwrap_or_default()),
                    ("承办单位".into(), c.assignee_institution_name.clone().unwrap_or_default()),
                    ("指派日期".into(), on(c.assigned_at)),
                    ("结案审查评分".into(), c.review_score.map(|s| s.to_string()).unwrap_or_else(|| "待审查".into())),
                ],
                vec![format!("办理情况及结果：{report}")],
                on(c.closing_submitted_at),
            ))
        }
    }
}
