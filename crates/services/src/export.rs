//! Excel (.xlsx) exports of the directories. Personal data appears masked, as on
//! screen; each export is audited.

use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission};
use gongdao_domain::network::{Institution, Person, PersonalData};
use gongdao_domain::privacy::ExportReason;
use gongdao_store::{institutions, people};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::audit::Event;
use crate::network::{InstitutionQuery, PersonQuery};
use crate::privacy::PersonalExport;
use crate::{ServiceError, Services};

/// Exports stop here; a larger directory should be filtered first.
pub const MAX_EXPORT_ROWS: u64 = 100_000;

/// One column: its Chinese header, width in characters, and how a row fills it.
struct Column<T> {
    header: &'static str,
    width: f64,
    value: fn(&T) -> String,
}

fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn institution_columns() -> Vec<Column<Institution>> {
    vec![
        Column { header: "编号", width: 8.0, value: |i| i.id.to_string() },
        Column { header: "机构名称", width: 36.0, value: |i| i.name.clone() },
        Column { header: "机构类型", width: 18.0, value: |i| i.kind.label().to_string() },
        Column { header: "所在区划", width: 14.0, value: |i| i.region_name.clone() },
        Column { header: "区划代码", width: 15.0, value: |i| i.region.to_string() },
        Column { header: "地址", width: 30.0, value: |i| opt(&i.address) },
        Column { header: "电话", width: 15.0, value: |i| opt(&i.phone) },
        Column { header: "办公时间", width: 28.0, value: |i| opt(&i.opening_hours) },
        Column {
            header: "服务项目",
            width: 40.0,
            value: |i| i.services.iter().map(|s| s.label()).collect::<Vec<_>>().join("、"),
        },
        Column { header: "绿色通道", width: 9.0, value: |i| yes_no(i.green_channel) },
        Column { header: "示范级别", width: 11.0, value: |i| i.demonstration_level.label().to_string() },
        Column {
            header: "设立单位",
            width: 12.0,
            value: |i| i.host.map(|h| h.label().to_string()).unwrap_or_default(),
        },
    ]
}

/// A row of a people sheet: the person, and with an unmasked export their data.
trait PersonRow: Send + 'static {
    fn person(&self) -> &Person;
}

impl PersonRow for Person {
    fn person(&self) -> &Person {
        self
    }
}

impl PersonRow for (Person, PersonalData) {
    fn person(&self) -> &Person {
        &self.0
    }
}

fn person_columns<T: PersonRow>() -> Vec<Column<T>> {
    vec![
        Column { header: "编号", width: 8.0, value: |p| p.person().id.to_string() },
        Column { header: "姓名", width: 10.0, value: |p| p.person().name.clone() },
        Column { header: "人员类型", width: 18.0, value: |p| p.person().kind.label().to_string() },
        Column {
            header: "性别",
            width: 6.0,
            value: |p| p.person().gender.map(|g| g.label().to_string()).unwrap_or_default(),
        },
        Column { header: "所属机构", width: 30.0, value: |p| opt(&p.person().institution_name) },
        Column { header: "所在区划", width: 14.0, value: |p| p.person().region_name.clone() },
        Column { header: "执业证号", width: 20.0, value: |p| opt(&p.person().licence_no) },
        Column {
            header: "从业年限",
            width: 9.0,
            value: |p| p.person().practice_years.map(|y| y.to_string()).unwrap_or_default(),
        },
        Column { header: "业务专长", width: 26.0, value: |p| p.person().specialties.join("、") },
        Column { header: "资格状态", width: 11.0, value: |p| p.person().certification.label().to_string() },
        Column {
            header: "任职方式",
            width: 9.0,
            value: |p| p.person().employment.map(|e| e.label().to_string()).unwrap_or_default(),
        },
        Column { header: "在岗", width: 6.0, value: |p| yes_no(p.person().active) },
        Column { header: "手机（脱敏）", width: 14.0, value: |p| opt(&p.person().phone_masked) },
    ]
}

/// The people's columns with the ID number and phone in full instead of the masked phone.
fn person_columns_in_clear() -> Vec<Column<(Person, PersonalData)>> {
    let mut columns: Vec<Column<(Person, PersonalData)>> =
        person_columns().into_iter().filter(|c| c.header != "手机（脱敏）").collect();
    columns.push(Column { header: "身份证号码", width: 21.0, value: |(_, d)| opt(&d.id_number) });
    columns.push(Column { header: "手机", width: 14.0, value: |(_, d)| opt(&d.phone) });
    columns
}

/// Writes a sheet's frame and cells: the title line, the headers with their widths, the
/// rows, frozen headers and a filter over them.
fn write_table(
    sheet: &mut Worksheet,
    title: &str,
    headers: &[(&str, f64)],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<(), XlsxError> {
    let title_format = Format::new().set_bold().set_font_size(14);
    let header = Format::new().set_bold().set_background_color(Color::RGB(0xDDEBF7)).set_border(FormatBorder::Thin);
    sheet.write_string_with_format(0, 0, title, &title_format)?;
    for (c, (name, width)) in headers.iter().enumerate() {
        let c = c as u16;
        sheet.write_string_with_format(1, c, *name, &header)?;
        sheet.set_column_width(c, *width)?;
    }
    let mut last_row = 1;
    for (r, row) in rows.enumerate() {
        last_row = r as u32 + 2;
        for (c, value) in row.into_iter().enumerate() {
            sheet.write_string(last_row, c as u16, value)?;
        }
    }
    sheet.set_freeze_panes(2, 0)?;
    sheet.autofilter(1, 0, last_row, headers.len().max(1) as u16 - 1)?;
    Ok(())
}

fn workbook<T>(sheet_name: &str, title: &str, columns: &[Column<T>], rows: &[T]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name)?;
    let headers: Vec<(&str, f64)> = columns.iter().map(|c| (c.header, c.width)).collect();
    write_table(sheet, title, &headers, rows.iter().map(|row| columns.iter().map(|c| (c.value)(row)).collect()))?;
    book.save_to_buffer()
}

/// One sheet of a workbook of several (a package): text cells under named columns.
pub(crate) struct TextSheet {
    pub name: &'static str,
    pub title: String,
    /// (header, width in characters).
    pub columns: Vec<(&'static str, f64)>,
    pub rows: Vec<Vec<String>>,
}

/// A workbook of several sheets, built on a blocking thread like every export.
pub(crate) async fn text_workbook(sheets: Vec<TextSheet>) -> Result<Vec<u8>, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let mut book = Workbook::new();
        for s in sheets {
            let sheet = book.add_worksheet();
            sheet.set_name(s.name)?;
            write_table(sheet, &s.title, &s.columns, s.rows.into_iter())?;
        }
        book.save_to_buffer()
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("export task: {e}")))?
    .map_err(xlsx_error)
}

fn xlsx_error(e: XlsxError) -> ServiceError {
    ServiceError::Internal(format!("xlsx: {e}"))
}

/// Builds the workbook on a blocking thread: a sheet of 100,000 rows takes seconds of
/// CPU, which would otherwise stall every request sharing the async worker.
async fn workbook_off_thread<T: Send + 'static>(
    sheet_name: &'static str,
    title: String,
    columns: Vec<Column<T>>,
    rows: Vec<T>,
) -> Result<Vec<u8>, ServiceError> {
    tokio::task::spawn_blocking(move || workbook(sheet_name, &title, &columns, &rows))
        .await
        .map_err(|e| ServiceError::Internal(format!("export task: {e}")))?
        .map_err(xlsx_error)
}

/// A sheet of three text columns (statistics: what, how many, what share).
pub(crate) async fn three_columns(
    sheet_name: &'static str,
    title: String,
    headers: [&'static str; 3],
    rows: Vec<(String, String, String)>,
) -> Result<Vec<u8>, ServiceError> {
    let columns = vec![
        Column { header: headers[0], width: 36.0, value: |r: &(String, String, String)| r.0.clone() },
        Column { header: headers[1], width: 18.0, value: |r: &(String, String, String)| r.1.clone() },
        Column { header: headers[2], width: 12.0, value: |r: &(String, String, String)| r.2.clone() },
    ];
    workbook_off_thread(sheet_name, title, columns, rows).await
}

impl Services {
    pub(crate) async fn audit_export(
        &self,
        actor: &Actor,
        object: AuditObject,
        what: &str,
        rows: usize,
        personal: Option<&ExportReason>,
    ) -> Result<(), ServiceError> {
        let tx = self.store().begin().await?;
        let (summary, changes) = match personal {
            None => (format!("导出{what}（{rows}条）"), None),
            Some(reason) => (
                format!("导出{what}（{rows}条，含完整身份证号码和电话），理由：{}", reason.as_str()),
                Some(serde_json::json!({"personal": true, "reason": reason.as_str(), "rows": rows})),
            ),
        };
        let mut event = Event::new(AuditAction::Export, object, "-", actor.scope.root, summary);
        if let Some(changes) = changes {
            event = event.changes(changes);
        }
        self.audit(&tx, actor, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A sheet's title line: what it is and when it was exported, in China time.
    pub(crate) fn export_title(&self, what: &str) -> String {
        format!("{what}（导出时间 {}）", gongdao_domain::calendar::china_local(self.now()).format("%Y-%m-%d %H:%M"))
    }

    /// The institution directory (filtered as on screen) as an .xlsx file.
    pub async fn export_institutions(&self, actor: &Actor, query: &InstitutionQuery) -> Result<Vec<u8>, ServiceError> {
        actor.require(Permission::ExportNetwork)?;
        let filter = query.parse()?;
        let rows = institutions::list_all(self.store().reader(), actor.scope, &filter, MAX_EXPORT_ROWS).await?;
        let n = rows.len();
        let bytes = workbook_off_thread("机构名录", self.export_title("机构名录"), institution_columns(), rows).await?;
        self.audit_export(actor, AuditObject::Institution, "机构名录", n, None).await?;
        Ok(bytes)
    }

    /// The people directory as an .xlsx file, personal data masked — or, for a role
    /// that may see it and with a reason (audited), ID numbers and phones in full.
    pub async fn export_people(
        &self,
        actor: &Actor,
        query: &PersonQuery,
        personal: &PersonalExport,
    ) -> Result<Vec<u8>, ServiceError> {
        actor.require(Permission::ExportNetwork)?;
        let filter = query.parse()?;
        let reason = personal.parse(actor)?;
        let reader = self.store().reader();
        let rows = people::list_all(reader, actor.scope, &filter, MAX_EXPORT_ROWS).await?;
        let n = rows.len();
        let bytes = match &reason {
            None => workbook_off_thread("人员名录", self.export_title("人员名录"), person_columns(), rows).await?,
            Some(_) => {
                let ids: Vec<i64> = rows.iter().map(|p| p.id.0).collect();
                let mut clear = people::personal_data_many(reader, self.cipher(), actor.scope, &ids).await?;
                let rows: Vec<(Person, PersonalData)> = rows
                    .into_iter()
                    .map(|p| {
                        let data = clear.remove(&p.id.0).unwrap_or_default();
                        (p, data)
                    })
                    .collect();
                let title = self.export_title("人员名录（含完整个人信息，注意保密）");
                workbook_off_thread("人员名录", title, person_columns_in_clear(), rows).await?
            }
        };
        self.audit_export(actor, AuditObject::Person, "人员名录", n, reason.as_ref()).await?;
        Ok(bytes)
    }
}
