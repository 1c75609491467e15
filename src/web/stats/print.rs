//! The indicator report as a printable A4 page: tables of every count as published, and two
//! charts drawn here as inline SVG with their numbers beside the bars (no script, no inline
//! style: the CSP forbids both, so the SVG uses presentation attributes).

use crate::domain::{Category, Lang};
use crate::i18n::Texts;
use crate::i18n::stats::StatsTexts;
use crate::service::stats::report::{Cell, IndicatorReport, Keyed, TARGET};
use askama::Template;

/// One bar of a chart, laid out in SVG user units.
pub struct Bar {
    pub label: String,
    pub y: u32,
    pub text_y: u32,
    pub width: u32,
    pub value: String,
    pub value_x: u32,
}

pub struct Chart {
    pub title: String,
    pub height: u32,
    pub bars: Vec<Bar>,
    /// A reference line (the target), as its x.
    pub target_x: Option<u32>,
    pub note: String,
}

const LABEL_W: u32 = 200;
const BAR_MAX: u32 = 300;
const ROW_H: u32 = 22;

impl Chart {
    pub fn new(
        title: &str,
        note: String,
        rows: Vec<(String, Option<f64>, String)>,
        max: f64,
    ) -> Chart {
        let bars = rows
            .into_iter()
            .enumerate()
            .map(|(i, (label, value, text))| {
                let y = 4 + ROW_H * u32::try_from(i).unwrap_or(0);
                let width = value.map_or(0, |v| {
                    let w = if max > 0.0 { v / max } else { 0.0 };
                    (w.clamp(0.0, 1.0) * f64::from(BAR_MAX)).round() as u32
                });
                Bar {
                    label,
                    y,
                    text_y: y + 14,
                    width,
                    value: text,
                    value_x: LABEL_W + width + 6,
                }
            })
            .collect::<Vec<_>>();
        let rows = u32::try_from(bars.len()).unwrap_or(0);
        Chart {
            title: title.to_owned(),
            height: 8 + ROW_H * rows.max(1),
            bars,
            target_x: None,
            note,
        }
    }
}

#[derive(Template)]
#[template(path = "staff/report.html")]
pub struct ReportPage<'a> {
    pub r: &'a IndicatorReport,
    pub t: &'static StatsTexts,
    pub main: &'static Texts,
    pub note: String,
    pub charts: Vec<Chart>,
    pub categories: Vec<&'static str>,
    pub channels: Vec<&'static str>,
    pub outcomes: Vec<&'static str>,
    pub k: u64,
}

impl ReportPage<'_> {
    pub fn cell(&self, c: &Cell) -> String {
        c.count
            .map_or_else(|| format!("<{}", self.k), |n| n.to_string())
    }

    pub fn keyed(&self, k: &Keyed) -> String {
        k.count
            .map_or_else(|| format!("<{}", self.k), |n| n.to_string())
    }

    pub fn pct(&self, share: &Option<f64>) -> String {
        share.map_or_else(|| "—".to_owned(), |s| format!("{:.1} %", s * 100.0))
    }

    pub fn rate(&self, share: &Option<f64>) -> String {
        share.map_or_else(|| "—".to_owned(), |s| format!("{:.2} %", s * 100.0))
    }

    pub fn met(&self, met: &Option<bool>) -> &'static str {
        match met {
            Some(true) => self.t.meets,
            Some(false) => self.t.misses,
            None => "—",
        }
    }
}

fn text_of(v: Option<u64>, k: u64) -> String {
    v.map_or_else(|| format!("<{k}"), |n| n.to_string())
}

/// The page as HTML text (for the CLI, and behind the staff page).
pub fn report_page(report: &IndicatorReport, lang: Lang) -> ReportPage<'_> {
    let t = StatsTexts::of(lang);
    let main = Texts::of(lang);
    let k = report.k;
    let mut charts = Vec::new();
    if let Some(p) = report.units.first() {
        let max = p
            .by_category
            .iter()
            .filter_map(|c| c.count)
            .max()
            .unwrap_or(0) as f64;
        let rows = Category::ALL
            .iter()
            .zip(&p.by_category)
            .map(|(c, cell)| {
                let v = cell.count.map(|n| n as f64);
                (main.category(*c).to_owned(), v, text_of(cell.count, k))
            })
            .collect();
        charts.push(Chart::new(t.chart_categories, String::new(), rows, max));
    }
    // Rates sit just under 100 %: the axis runs from 95 % so that differences show; said so.
    let floor = 0.95;
    let rows: Vec<(String, Option<f64>, String)> = report
        .units
        .iter()
        .filter(|u| u.level == "province" || u.level == "former_district")
        .map(|u| {
            let v = u.drug_free_school_rate.map(|r| (r - floor).max(0.0));
            let text = u.drug_free_school_rate.map_or_else(
                || t.not_published.to_owned(),
                |r| format!("{:.2} %", r * 100.0),
            );
            (u.name.clone(), v, text)
        })
        .collect();
    let mut rates = Chart::new(
        t.chart_rates,
        format!("95 % – 100 %; {} {:.1} %", t.target, TARGET * 100.0),
        rows,
        1.0 - floor,
    );
    rates.target_x = Some(LABEL_W + ((TARGET - floor) / (1.0 - floor) * f64::from(BAR_MAX)) as u32);
    charts.push(rates);
    ReportPage {
        r: report,
        t,
        main,
        note: t.suppression_note.replace("{k}", &k.to_string()),
        charts,
        categories: Category::ALL.iter().map(|c| main.category(*c)).collect(),
        channels: t.channels.to_vec(),
        outcomes: t.outcomes.to_vec(),
        k,
    }
}

/// The page rendered to text.
pub fn report_html(report: &IndicatorReport, lang: Lang) -> anyhow::Result<String> {
    Ok(report_page(report, lang).render()?)
}
