//! One fixed table (`StatTable`) in the staff's words for `/staff/stats`: named columns in a
//! reading order (period, place, breakdown), region and school ids as their names, codes as
//! words, and a chart of the province's line (a head's: their school's).
//!
//! The numbers are the API's, unchanged: withheld counts show as `<k`. This module only
//! names and orders; which rows exist is `service::stats`'s decision.

use super::chart::Chart;
use crate::domain::workflow::Outcome;
use crate::domain::{Category, Code, Directory, Lang};
use crate::i18n::Texts;
use crate::i18n::stats::{DIMS, StatsTexts};
use crate::service::stats::{StatRow, StatTable, Subject};
use serde_json::Value;

/// The table as the page shows it.
pub struct ShownTable {
    /// Column names, the count's last.
    pub headers: Vec<String>,
    /// Each row: its cells (beside their column names, which phones show on each card) and
    /// its count as published.
    pub rows: Vec<ShownRow>,
    pub chart: Option<Chart>,
}

pub struct ShownRow {
    pub cells: Vec<(String, String)>,
    pub count: String,
}

/// Where a dimension goes: in `DIMS` order, unknown ones after.
fn rank(key: &str) -> usize {
    DIMS.iter().position(|d| *d == key).unwrap_or(DIMS.len())
}

/// A dimension's value in words.
fn value(key: &str, v: Option<&Value>, dir: &Directory, lang: Lang) -> String {
    let t = StatsTexts::of(lang);
    let id = v.and_then(Value::as_i64);
    match (key, v) {
        (_, None | Some(Value::Null)) => String::new(),
        (_, Some(Value::Bool(b))) => (if *b { t.yes } else { t.no }).to_owned(),
        ("region_id", _) => id
            .and_then(|id| dir.region(id))
            .map_or_else(|| show(v), |r| r.name.clone()),
        ("school_id", _) => id
            .and_then(|id| dir.school(id))
            .map_or_else(|| show(v), |s| s.name.clone()),
        ("category", Some(Value::String(code))) => Category::from_code(code)
            .map_or_else(|| code.clone(), |c| Texts::of(lang).category(c).to_owned()),
        ("channel", Some(Value::String(code))) => named(t.channel(code), code),
        ("outcome", Some(Value::String(code))) => named(
            Outcome::from_code(code).map_or("", |_| t.outcome(code)),
            code,
        ),
        ("measure", Some(Value::String(code))) => match code.as_str() {
            "classified_within_24h" => t.classified_24h.to_owned(),
            "decided_within_20_days" => t.decided_20d.to_owned(),
            _ => code.clone(),
        },
        _ => show(v),
    }
}

fn named(name: &str, code: &str) -> String {
    if name.is_empty() { code } else { name }.to_owned()
}

fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn count(row: &StatRow, k: u64) -> String {
    row.count.map_or_else(|| format!("<{k}"), |n| n.to_string())
}

/// Flags that qualify a row rather than fill a column of their own: a period's total, the part
/// of a district that named no commune, the pool of small schools, a head's own school that is
/// in that pool. As columns they were empty
/// on almost every row, and a phone showed them on every card.
const FLAGS: [&str; 4] = ["total", "unspecified", "pooled", "in_pool"];

/// Columns that name a place; a chart's bars are one place's line, so its labels leave them out.
const PLACES: [&str; 2] = ["region_id", "school_id"];

/// A row's cells, one per column, with its flags written into them: into the first empty
/// cell (a total's breakdown, a pool's school), else after the last place named.
fn cells(row: &StatRow, keys: &[&str], dir: &Directory, lang: Lang) -> Vec<String> {
    let t = StatsTexts::of(lang);
    let mut cells: Vec<String> = keys
        .iter()
        .map(|key| value(key, row.dim(key), dir, lang))
        .collect();
    for flag in FLAGS {
        if row.dim(flag) != Some(&Value::Bool(true)) {
            continue;
        }
        let words = t.dim(flag);
        let empty = keys
            .iter()
            .zip(&cells)
            .position(|(key, c)| c.is_empty() && !matches!(*key, "month" | "quarter"));
        let place = keys.iter().rposition(|key| PLACES.contains(key));
        match (empty, place) {
            (Some(i), _) => cells[i] = words.to_owned(),
            (None, Some(i)) => cells[i] = format!("{} — {words}", cells[i]),
            (None, None) => cells.push(words.to_owned()),
        }
    }
    cells.truncate(keys.len());
    cells
}

/// Shapes `result` for the page. `own_schools` are the schools of the viewer's scope (a
/// head's): where the table has their rows, the chart is their line.
pub fn shown(result: &StatTable, own_schools: &[i64], dir: &Directory, lang: Lang) -> ShownTable {
    let t = StatsTexts::of(lang);
    let k = result.k;
    let mut keys: Vec<&str> = Vec::new();
    for row in &result.rows {
        for key in row.dims.keys() {
            if !keys.contains(&key.as_str()) && !FLAGS.contains(&key.as_str()) {
                keys.push(key);
            }
        }
    }
    keys.sort_by_key(|key| rank(key));
    let mut headers: Vec<String> = keys.iter().map(|key| t.dim(key).to_owned()).collect();
    headers.push(t.count.to_owned());
    let rows: Vec<ShownRow> = result
        .rows
        .iter()
        .map(|r| ShownRow {
            cells: headers
                .iter()
                .cloned()
                .zip(cells(r, &keys, dir, lang))
                .collect(),
            count: count(r, k),
        })
        .collect();
    // The chart: the province's line, or a head's own school's where the table has it, one bar
    // per period; a table with a breakdown charts its periods' totals, not every cell.
    let totals = result.rows.iter().any(|r| r.dim("total").is_some());
    let own = |r: &StatRow| matches!(r.subject, Subject::School(id) if own_schools.contains(&id));
    let own_school = result.rows.iter().any(own);
    let mut line: Vec<(String, Option<f64>, String)> = result
        .rows
        .iter()
        .zip(&rows)
        .filter(|(r, _)| {
            if own_school {
                own(r)
            } else {
                r.subject == Subject::Province
            }
        })
        .filter(|(r, _)| r.dim("unspecified").is_none() && r.dim("pooled").is_none())
        .filter(|(r, _)| r.dim("total").is_some() == totals)
        .take(40)
        .map(|(r, shown)| {
            let label: Vec<&str> = keys
                .iter()
                .zip(&shown.cells)
                .filter(|(key, (_, v))| !PLACES.contains(key) && !v.is_empty())
                .map(|(_, (_, v))| v.as_str())
                .collect();
            (label.join(" · "), r.count.map(|n| n as f64), count(r, k))
        })
        .collect();
    // By period (labels start with it): rows added for a head's pooled school come last.
    line.sort_by(|a, b| a.0.cmp(&b.0));
    let max = line.iter().filter_map(|(_, v, _)| *v).fold(0.0, f64::max);
    let title = t.table(result.table.code());
    let chart = (!line.is_empty()).then(|| Chart::new(title, String::new(), line, max));
    ShownTable {
        headers,
        rows,
        chart,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::stats::TABLES;
    use crate::service::stats::Table;

    #[test]
    fn every_table_has_a_name_in_every_language() {
        let codes: Vec<&str> = Table::ALL.iter().map(|t| t.code()).collect();
        assert_eq!(codes, TABLES, "the names follow Table::ALL");
        for lang in [Lang::Vi, Lang::En] {
            for code in codes.iter().copied() {
                assert_ne!(StatsTexts::of(lang).table(code), code, "{lang:?} {code}");
            }
        }
        assert_eq!(StatsTexts::of(Lang::Vi).dim("no_such_dim"), "no_such_dim");
        assert_eq!(StatsTexts::of(Lang::Vi).dim("month"), "Tháng");
    }
}
