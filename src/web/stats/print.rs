//! The indicator report as a printable A4 page: tables of every count as published, and two
//! charts (`chart`) with their numbers beside the bars.
//!
//! One body (`templates/staff/report_body.html`, shaped by `ReportView`) in two frames: the
//! staff page in the staff layout (`pages::report`), whose print stylesheet leaves out the
//! navigation, and a standalone document for `tipline report --format html`, which runs
//! without a server or a session and so carries its stylesheet inside it.

use super::chart::Chart;
use crate::domain::{Category, Lang};
use crate::i18n::Texts;
use crate::i18n::stats::StatsTexts;
use crate::service::stats::IndicatorReport;
use crate::service::stats::report::{Cell, Keyed, UnitReport};
use askama::Template;
use askama::filters::Safe;

/// What the report body shows, in one language.
pub struct ReportView<'a> {
    pub r: &'a IndicatorReport,
    pub t: &'static StatsTexts,
    pub lang: &'static str,
    pub note: String,
    pub charts: Vec<Chart>,
    pub categories: Vec<&'static str>,
    pub channels: Vec<&'static str>,
    pub outcomes: Vec<&'static str>,
    pub k: u64,
}

impl ReportView<'_> {
    pub fn cell(&self, c: &Cell) -> String {
        text_of(c.count, self.k)
    }

    pub fn keyed(&self, k: &Keyed) -> String {
        text_of(k.count, self.k)
    }

    pub fn pct(&self, share: &Option<f64>) -> String {
        share.map_or_else(|| "—".to_owned(), |s| format!("{:.1} %", s * 100.0))
    }

    /// A unit's drug-free rate with what it is made of: "96.15 % (25/26)".
    pub fn school_rate(&self, u: &UnitReport) -> String {
        match (u.drug_free_school_rate, u.drug_free_schools) {
            (Some(r), Some(free)) => {
                format!("{:.2} % ({free}/{})", r * 100.0, u.active_schools)
            }
            _ => "—".to_owned(),
        }
    }

    /// The province's rate, as `school_rate`.
    pub fn province_rate(&self) -> String {
        self.r
            .units
            .iter()
            .find(|u| u.level == "province")
            .map_or_else(|| "—".to_owned(), |u| self.school_rate(u))
    }

    pub fn met(&self, met: &Option<bool>) -> &'static str {
        match met {
            Some(true) => self.t.meets,
            Some(false) => self.t.misses,
            None => "—",
        }
    }

    /// The target as a percentage with one decimal (99.8).
    pub fn target(&self) -> String {
        format!("{:.1}", self.r.target * 100.0)
    }
}

fn text_of(v: Option<u64>, k: u64) -> String {
    v.map_or_else(|| format!("<{k}"), |n| n.to_string())
}

/// The report shaped for its body template.
pub fn report_view(report: &IndicatorReport, lang: Lang) -> ReportView<'_> {
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
    let target = report.target;
    let note = format!("95 % – 100 %; {} {:.1} %", t.target, target * 100.0);
    charts.push(
        Chart::new(t.chart_rates, note, rows, 1.0 - floor)
            .with_target((target - floor) / (1.0 - floor)),
    );
    ReportView {
        r: report,
        t,
        lang: lang.code(),
        note: t.suppression_note.replace("{k}", &k.to_string()),
        charts,
        categories: Category::ALL.iter().map(|c| main.category(*c)).collect(),
        channels: t.channels.to_vec(),
        outcomes: t.outcomes.to_vec(),
        k,
    }
}

/// The report as a document of its own, for the CLI: no navigation, no session, no server.
#[derive(Template)]
#[template(path = "staff/report_standalone.html")]
pub struct StandaloneReport<'a> {
    pub v: ReportView<'a>,
}

impl StandaloneReport<'_> {
    /// The staff stylesheet, inside the document: a file opened from disk or sent by mail
    /// has no server to fetch `/static/staff.css` from. A fixed text compiled in, never a
    /// value from a request, so it is marked safe by its type.
    pub fn css(&self) -> Safe<&'static str> {
        Safe(crate::web::staff::pages::STAFF_CSS)
    }
}

/// The standalone report rendered to text (`tipline report --format html`).
pub fn report_html(report: &IndicatorReport, lang: Lang) -> anyhow::Result<String> {
    let page = StandaloneReport {
        v: report_view(report, lang),
    };
    Ok(page.render()?)
}
