//! Line charts drawn on the server as SVG (the dashboard's trends and monthly work): no
//! script, no internet, they print, and the browser draws their Chinese labels with the
//! page's own fonts. Chart crates lay text out with font files of their own, which a
//! district's server may not have for Chinese; a few lines of lines and labels need none.

use std::fmt::Write as _;

/// One line of a chart.
pub struct Series<'a> {
    pub label: &'a str,
    pub colour: &'static str,
    /// One value a month (None: no figure, the line breaks).
    pub values: Vec<Option<f64>>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A round upper bound of the axis: 1, 2 or 5 times a power of ten, at least `max`.
fn nice_top(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|t| *t >= max).unwrap_or(10.0 * power)
}

fn figure(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}

/// A month label: “3月”, with the year on January and on the first month shown.
fn month_label(month: &str, first: bool) -> String {
    let (year, m) = month.split_once('-').unwrap_or((month, ""));
    let m = m.trim_start_matches('0');
    if first || m == "1" { format!("{}年{m}月", &year[year.len().saturating_sub(2)..]) } else { format!("{m}月") }
}

/// A chart of several lines over months, with a legend, gridlines and a tooltip on each
/// point. `fixed_top` pins the axis (100 for per cents).
pub fn line_chart(title: &str, months: &[String], series: &[Series<'_>], unit: &str, fixed_top: Option<f64>) -> String {
    let (width, height, left, right, top, bottom) = (680.0, 260.0, 48.0, 16.0, 34.0, 36.0);
    let max = series.iter().flat_map(|s| s.values.iter().flatten()).copied().fold(0.0, f64::max);
    let y_top = fixed_top.unwrap_or_else(|| nice_top(max));
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let step = if months.len() > 1 { plot_w / (months.len() - 1) as f64 } else { 0.0 };
    let x = |i: usize| left + step * i as f64;
    let y = |v: f64| top + plot_h - (v / y_top).min(1.0) * plot_h;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart line-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{}" style="width:100%;height:auto">"#,
        escape(title)
    );
    for g in 0..=4 {
        let v = y_top * g as f64 / 4.0;
        let yy = y(v);
        let _ = write!(
            svg,
            r##"<line x1="{left}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#e1e5eb"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" fill="#5f6b7a">{}</text>"##,
            width - right,
            left - 6.0,
            yy + 4.0,
            figure(v)
        );
    }
    let every = months.len().div_ceil(12).max(1);
    for (i, m) in months.iter().enumerate() {
        if i % every == 0 || i + 1 == months.len() {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#1f2933">{}</text>"##,
                x(i),
                height - bottom + 18.0,
                month_label(m, i == 0)
            );
        }
    }
    let mut legend_x = left;
    for s in series {
        let _ = write!(
            svg,
            r##"<rect x="{legend_x:.1}" y="8" width="14" height="14" rx="3" fill="{}"/><text x="{:.1}" y="20" font-size="13" fill="#1f2933">{}</text>"##,
            s.colour,
            legend_x + 19.0,
            escape(s.label)
        );
        legend_x += 30.0 + 14.0 * s.label.chars().count() as f64;
        let mut path = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(path, "{}{:.1},{:.1} ", if pen_down { "L" } else { "M" }, x(i), y(*v));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(svg, r#"<path d="{}" fill="none" stroke="{}" stroke-width="2.5"/>"#, path.trim_end(), s.colour);
        for (i, v) in s.values.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"><title>{} {}：{} {}</title></circle>"#,
                    x(i),
                    y(*v),
                    s.colour,
                    escape(s.label),
                    escape(&month_label(&months[i], true)),
                    figure(*v),
                    escape(unit)
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A small trend of one indicator's monthly values with its target as a dashed line.
pub fn sparkline(label: &str, points: &[(String, Option<f64>)], target: Option<f64>, percent: bool) -> String {
    let (width, height, pad) = (220.0, 54.0, 6.0);
    let max = points.iter().filter_map(|p| p.1).chain(target).fold(0.0, f64::max);
    let y_top = if percent { 100.0 } else { nice_top(max) };
    let step = if points.len() > 1 { (width - 2.0 * pad) / (points.len() - 1) as f64 } else { 0.0 };
    let y = |v: f64| height - pad - (v / y_top).min(1.0) * (height - 2.0 * pad);
    let mut svg = format!(
        r#"<svg class="sparkline" viewBox="0 0 {width} {height}" role="img" aria-label="{}的月度走势" style="width:100%;max-width:260px;height:auto">"#,
        escape(label)
    );
    if let Some(t) = target {
        let _ = write!(
            svg,
            r##"<line x1="{pad}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#b26a00" stroke-dasharray="4 3"><title>目标 {}</title></line>"##,
            y(t),
            width - pad,
            y(t),
            figure(t)
        );
    }
    let mut path = String::new();
    let mut pen_down = false;
    for (i, (_, v)) in points.iter().enumerate() {
        match v {
            Some(v) => {
                let _ = write!(path, "{}{:.1},{:.1} ", if pen_down { "L" } else { "M" }, pad + step * i as f64, y(*v));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let _ = write!(svg, r##"<path d="{}" fill="none" stroke="#1d4f91" stroke-width="2"/>"##, path.trim_end());
    for (i, (m, v)) in points.iter().enumerate() {
        if let Some(v) = v {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="#1d4f91"><title>{}：{}</title></circle>"##,
                pad + step * i as f64,
                y(*v),
                escape(&month_label(m, true)),
                figure(*v)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_figures() {
        assert_eq!(nice_top(0.0), 1.0);
        assert_eq!(nice_top(7.0), 10.0);
        assert_eq!(nice_top(130.0), 200.0);
        assert_eq!(nice_top(4_100.0), 5_000.0);
    }

    #[test]
    fn a_missing_month_breaks_the_line_and_labels_are_escaped() {
        let months: Vec<String> = ["2026-11", "2026-12", "2027-01"].iter().map(|m| m.to_string()).collect();
        let s = Series { label: "咨询<量>", colour: "#123456", values: vec![Some(3.0), None, Some(5.0)] };
        let svg = line_chart("t", &months, &[s], "件", None);
        // Two separate moves, no line across the gap.
        assert_eq!(svg.matches('M').count(), 2, "{svg}");
        assert!(svg.contains("咨询&lt;量&gt;") && !svg.contains("咨询<量>"));
        assert!(svg.contains("26年11月") && svg.contains("27年1月") && svg.contains(">12月<"));
    }
}
