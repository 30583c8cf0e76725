//! The third-party assessment package (第三方评估, plan 六(十七)): a period's
//! evaluations, bad-review rectifications, social supervisors' visits and the figures of
//! the integrity archives, handed to an outside assessor as one workbook of several
//! sheets and a printable summary. Both come from one [`Assessment`], so the paper and
//! the file never say different things. The period is in whole months, as the figures
//! are kept; the rater is never named (国办发〔2019〕51号).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use gongdao_domain::audit::AuditObject;
use gongdao_domain::auth::{Actor, Permission};
use gongdao_domain::evaluation::Evaluation;
use gongdao_domain::evaluation::rectification::{Rectification, Visit};
use gongdao_store::Page;
use gongdao_store::evaluation::{self as store, EvaluationFilter, RectFilter};

use super::{EvaluationFigures, FigureRow};
use crate::archive::ArchiveLine;
use crate::export::{MAX_EXPORT_ROWS, TextSheet, text_workbook};
use crate::{ServiceError, Services};

/// What an assessor is handed for a period.
#[derive(Clone, Debug)]
pub struct Assessment {
    pub from: NaiveDate,
    /// The last day of the period.
    pub to: NaiveDate,
    pub figures: EvaluationFigures,
    pub tasks: TaskSummary,
    pub visits: Vec<Visit>,
    pub archives: Vec<ArchiveLine>,
}

/// The rectification tasks opened in the period, by where they stand.
pub use gongdao_store::evaluation::TaskCounts as TaskSummary;

impl Assessment {
    /// Archives over the institutions and workers that must have one.
    pub fn archive_coverage(&self) -> Option<f64> {
        let n = self.archives.len();
        (n > 0).then(|| self.archives.iter().filter(|a| a.archived).count() as f64 / n as f64)
    }

    pub fn incomplete_archives(&self) -> usize {
        self.archives.iter().filter(|a| a.archived && !a.missing.is_empty()).count()
    }

    /// The mean credit score of the archives scored, rounded.
    pub fn average_credit(&self) -> Option<i64> {
        let scores: Vec<i64> = self.archives.iter().filter_map(|a| a.score).collect();
        (!scores.is_empty()).then(|| (scores.iter().sum::<i64>() as f64 / scores.len() as f64).round() as i64)
    }

    /// How many archives fall in each credit grade, in the order the grades first appear
    /// from the best score down.
    pub fn grades(&self) -> Vec<(String, usize)> {
        let mut scored: Vec<&ArchiveLine> = self.archives.iter().filter(|a| a.score.is_some()).collect();
        scored.sort_by_key(|a| std::cmp::Reverse(a.score));
        let mut out: Vec<(String, usize)> = Vec::new();
        for a in scored {
            match out.iter_mut().find(|(g, _)| *g == a.grade) {
                Some((_, n)) => *n += 1,
                None => out.push((a.grade.clone(), 1)),
            }
        }
        out
    }

    pub fn period_text(&self) -> String {
        format!("{}年{}月至{}年{}月", self.from.year(), self.from.month(), self.to.year(), self.to.month())
    }
}

/// A rate as the package prints it.
pub fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "无数据".into(), |r| format!("{:.1}%", r * 100.0))
}

/// The first day of `from`'s month and the last of `to`'s, and the instants that bound
/// them in China time.
fn whole_months(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate, DateTime<Utc>, DateTime<Utc>) {
    let first = from.with_day(1).unwrap_or(from);
    let next = to.with_day(1).and_then(|d| d.checked_add_months(chrono::Months::new(1))).unwrap_or(to);
    let last = next.pred_opt().unwrap_or(to);
    let at = |d: NaiveDate| gongdao_domain::calendar::from_china_local(d.and_hms_opt(0, 0, 0).expect("midnight"));
    (first, last, at(first), at(next))
}

/// A figures row as the package's tables show it, under [`FIGURE_COLUMNS`].
pub fn figure_cells(r: &FigureRow) -> Vec<String> {
    vec![
        r.label.clone(),
        r.completed.to_string(),
        (r.rated + r.excluded).to_string(),
        percent(r.participation),
        r.rated.to_string(),
        percent(r.satisfaction),
        r.average.map_or_else(String::new, |a| format!("{a:.2}")),
        r.bad.to_string(),
        percent(r.on_time_rate()),
        percent(r.call_back_rate()),
        r.excluded.to_string(),
    ]
}

pub const FIGURE_COLUMNS: [(&str, f64); 11] = [
    ("名称", 30.0),
    ("办结服务", 10.0),
    ("评价", 8.0),
    ("参评率", 9.0),
    ("计入统计", 9.0),
    ("满意率", 9.0),
    ("平均分", 8.0),
    ("差评", 7.0),
    ("差评按时整改率", 14.0),
    ("实名差评回访率", 14.0),
    ("申诉成立", 9.0),
];

impl Services {
    /// The package's content for a period (whole months): the figures, every task
    /// opened, every visit made, every archive's line.
    pub async fn assessment(&self, actor: &Actor, from: NaiveDate, to: NaiveDate) -> Result<Assessment, ServiceError> {
        actor.require(Permission::SuperviseEvaluations)?;
        let (first, last, start, end) = whole_months(from, to);
        let figures = self.evaluation_figures(actor, first, last).await?;
        let reader = self.store().reader();
        let today = self.today();
        let tasks = store::task_counts(reader, actor.scope, (start, end), today).await?;
        let visits = store::visits(reader, self.cipher(), actor.scope, MAX_EXPORT_ROWS)
            .await?
            .into_iter()
            .filter(|v| (first..=last).contains(&v.visited_on))
            .collect();
        let archives = self.archive_lines(actor, true).await?;
        Ok(Assessment { from: first, to: last, figures, tasks, visits, archives })
    }

    /// The package as one workbook: 概况, the figures by month, township, institution
    /// and channel, every evaluation (up to [`MAX_EXPORT_ROWS`]), every task, every
    /// visit, every archive. Audited as an export.
    pub async fn export_assessment(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<u8>, ServiceError> {
        let a = self.assessment(actor, from, to).await?;
        let (_, _, start, end) = whole_months(a.from, a.to);
        let reader = self.store().reader();
        let book = self.rules().await?;
        let rules = book.installation().evaluation.clone();
        let label = move |code: &str| rules.reason_label(code);
        let filter = EvaluationFilter { period: Some((start, end)), ..Default::default() };
        let all = Page { limit: MAX_EXPORT_ROWS, offset: 0 };
        let (evaluations, total) = store::list(reader, self.cipher(), actor.scope, &filter, all, &label).await?;
        let filter = RectFilter { opened: Some((start, end)), ..Default::default() };
        let (tasks, _) = store::rectifications(reader, self.cipher(), actor.scope, &filter, self.today(), all).await?;
        let period = a.period_text();
        let title = |what: &str| self.export_title(&format!("{period}{what}"));
        let figures = |name: &'static str, what: &str, rows: &[FigureRow]| TextSheet {
            name,
            title: title(what),
            columns: FIGURE_COLUMNS.to_vec(),
            rows: rows.iter().map(figure_cells).collect(),
        };
        let mut summary = summary_rows(&a);
        if total > evaluations.len() as u64 {
            summary.push(vec![
                "评价明细".into(),
                format!("仅列出最近 {} 条（共 {total} 条）", evaluations.len()),
                String::new(),
            ]);
        }
        let sheets = vec![
            TextSheet {
                name: "概况",
                title: title("服务评价第三方评估材料"),
                columns: vec![("项目", 30.0), ("数值", 24.0), ("说明", 40.0)],
                rows: summary,
            },
            figures("按月", "服务评价按月统计", &a.figures.by_month),
            figures("按乡镇", "服务评价按乡镇（街道）统计", &a.figures.by_township),
            figures("按机构", "服务评价按服务机构统计", &a.figures.by_institution),
            figures("按渠道", "服务评价按服务渠道统计", &a.figures.by_channel),
            TextSheet {
                name: "评价明细",
                title: title("评价明细（不含评价人信息）"),
                columns: vec![
                    ("评价时间", 17.0),
                    ("服务类型", 14.0),
                    ("服务编号", 24.0),
                    ("渠道", 12.0),
                    ("乡镇（街道）", 14.0),
                    ("服务机构", 28.0),
                    ("办理人", 10.0),
                    ("评价", 10.0),
                    ("差评原因", 24.0),
                    ("意见建议", 40.0),
                    ("整改任务", 9.0),
                    ("申诉成立", 9.0),
                ],
                rows: evaluations.iter().map(evaluation_cells).collect(),
            },
            TextSheet {
                name: "整改台账",
                title: title("差评和监督走访整改台账"),
                columns: vec![
                    ("任务编号", 9.0),
                    ("来源", 10.0),
                    ("服务机构", 28.0),
                    ("乡镇（街道）", 14.0),
                    ("事由", 40.0),
                    ("状态", 10.0),
                    ("整改期限", 12.0),
                    ("按期反馈", 9.0),
                    ("实名回访", 9.0),
                    ("申诉", 7.0),
                    ("开始时间", 17.0),
                    ("办结时间", 17.0),
                ],
                rows: tasks.iter().map(task_cells).collect(),
            },
            TextSheet {
                name: "监督走访",
                title: title("社会监督员走访记录"),
                columns: vec![
                    ("走访日期", 12.0),
                    ("服务机构", 28.0),
                    ("监督员", 10.0),
                    ("发现的问题", 50.0),
                    ("整改任务", 9.0),
                ],
                rows: a
                    .visits
                    .iter()
                    .map(|v| {
                        vec![
                            v.visited_on.to_string(),
                            v.institution_name.clone(),
                            v.supervisor_name.clone(),
                            v.findings.clone(),
                            v.rectification_id.map(|i| i.to_string()).unwrap_or_default(),
                        ]
                    })
                    .collect(),
            },
            TextSheet {
                name: "诚信档案",
                title: title("诚信档案（一机构一档、一人员一档）"),
                columns: vec![
                    ("类别", 8.0),
                    ("名称", 28.0),
                    ("类型", 16.0),
                    ("所在区划", 14.0),
                    ("建档", 6.0),
                    ("有效条目", 9.0),
                    ("表彰奖励", 9.0),
                    ("投诉", 6.0),
                    ("在期处分", 9.0),
                    ("法律援助办结", 12.0),
                    ("值班法律帮助", 12.0),
                    ("满意率", 9.0),
                    ("信用分", 8.0),
                    ("信用等级", 10.0),
                    ("缺少的内容", 30.0),
                ],
                rows: a.archives.iter().map(archive_cells).collect(),
            },
        ];
        let rows = evaluations.len() + tasks.len() + a.visits.len() + a.archives.len();
        let bytes = text_workbook(sheets).await?;
        self.audit_export(actor, AuditObject::Evaluation, &format!("第三方评估材料（{period}）"), rows, None).await?;
        Ok(bytes)
    }
}

/// The 概况 sheet: the same lines as the printed summary.
pub fn summary_rows(a: &Assessment) -> Vec<Vec<String>> {
    let t = &a.figures.total;
    let s = &a.tasks;
    let line = |what: &str, value: String, note: String| vec![what.to_string(), value, note];
    vec![
        line("评估期间", a.period_text(), format!("{} 至 {}", a.from, a.to)),
        line("办结服务（件）", t.completed.to_string(), "每件办结的服务都发出评价邀请（一次一评）".into()),
        line("评价（条）", (t.rated + t.excluded).to_string(), format!("参评率 {}", percent(t.participation))),
        line("满意率", percent(t.satisfaction), format!("计入统计 {} 条，其中差评 {} 条", t.rated, t.bad)),
        line("平均分（5分制）", t.average.map_or_else(|| "无数据".into(), |v| format!("{v:.2}")), String::new()),
        line(
            "差评按时整改率",
            percent(t.on_time_rate()),
            format!("{}/{} 条在整改期限内反馈", t.rectified_on_time, t.rectified_on_time + t.rectified_late),
        ),
        line("实名差评回访率", percent(t.call_back_rate()), format!("{}/{} 条已回访", t.called_back, t.call_back_owed)),
        line("申诉成立、不计入统计（条）", t.excluded.to_string(), "保留记录".into()),
        line(
            "期内开始的整改任务（件）",
            s.opened.to_string(),
            format!(
                "差评 {}，监督走访 {}；已办结 {}，在办 {}（超期 {}）",
                s.from_reviews, s.from_visits, s.closed, s.open, s.overdue
            ),
        ),
        line("社会监督员走访（次）", a.visits.len().to_string(), String::new()),
        line("诚信档案覆盖率", percent(a.archive_coverage()), format!("应建档 {} 个机构和人员", a.archives.len())),
        line("档案内容不全（个）", a.incomplete_archives().to_string(), "缺执业许可或上一年度考核".into()),
        line(
            "平均信用分",
            a.average_credit().map_or_else(|| "无数据".into(), |v| v.to_string()),
            a.grades().iter().map(|(g, n)| format!("{g} {n}")).collect::<Vec<_>>().join("，"),
        ),
    ]
}

fn yes(b: bool) -> String {
    if b { "是" } else { "" }.to_string()
}

fn evaluation_cells(e: &Evaluation) -> Vec<String> {
    vec![
        gongdao_domain::calendar::china_local(e.created_at).format("%Y-%m-%d %H:%M").to_string(),
        e.service_kind.label().to_string(),
        e.service_number.clone(),
        e.channel.label().to_string(),
        e.region_name.clone(),
        e.institution_name.clone(),
        e.served_by_name.clone(),
        e.level_label.clone(),
        e.reasons.join("、"),
        e.comment.clone().unwrap_or_default(),
        e.rectification_id.map(|i| i.to_string()).unwrap_or_default(),
        yes(e.excluded),
    ]
}

fn task_cells(t: &Rectification) -> Vec<String> {
    let time = |at: DateTime<Utc>| gongdao_domain::calendar::china_local(at).format("%Y-%m-%d %H:%M").to_string();
    vec![
        t.id.to_string(),
        t.source.label().to_string(),
        t.institution_name.clone(),
        t.region_name.clone(),
        t.subject.clone(),
        t.status_label.clone(),
        t.due_on.to_string(),
        match t.on_time {
            Some(true) => "是".into(),
            Some(false) => "否".into(),
            None if t.overdue => "已超期".into(),
            None => String::new(),
        },
        yes(t.real_name),
        yes(t.appealed),
        time(t.opened_at),
        t.closed_at.map(time).unwrap_or_default(),
    ]
}

fn archive_cells(l: &ArchiveLine) -> Vec<String> {
    vec![
        l.kind.label().to_string(),
        l.name.clone(),
        l.type_label.clone(),
        l.region_name.clone(),
        if l.archived { "是" } else { "否" }.into(),
        l.entries.to_string(),
        l.rewards.to_string(),
        l.complaints.to_string(),
        l.sanctions_in_force.to_string(),
        l.legal_aid_cases.to_string(),
        l.duty_services.to_string(),
        percent(l.satisfaction),
        l.score.map(|s| s.to_string()).unwrap_or_default(),
        l.grade.clone(),
        l.missing.join("、"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_whole_months_in_china_time() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let (first, last, start, end) = whole_months(d(2026, 3, 17), d(2026, 12, 7));
        assert_eq!((first, last), (d(2026, 3, 1), d(2026, 12, 31)));
        // Midnight in China is 16:00 UTC the day before.
        assert_eq!(start.to_rfc3339(), "2026-02-28T16:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-12-31T16:00:00+00:00");
        let (_, last, _, _) = whole_months(d(2024, 2, 1), d(2024, 2, 10));
        assert_eq!(last, d(2024, 2, 29), "a leap February");
    }
}
