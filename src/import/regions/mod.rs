//! A region file for `tipline regions import`: the next reorganisation, loaded without a release.
//!
//! The file has the columns of `seed/son-la-communes-2025.csv` — `code,name,kind,
//! former_district,lao_border` — and lists every commune and ward (`kind` `xa`/`phuong`, or
//! `commune`/`ward`). It may also add reporting areas (`kind` `former_district`, whose
//! `former_district` column names the province or is empty). The file is the whole new list:
//!
//! - a row whose code matches an active unit updates it (rename, move, kind, border flag);
//! - a row with a new code adds a unit (codes of retired units are not matched: codes were
//!   reused across the 2025 reform for different units, so a code alone never joins old and
//!   new);
//! - an active commune or ward missing from the file is retired (`active = false`), never
//!   deleted: tips, schools, facts and staff scopes keep naming it;
//! - former districts missing from the file stay: they are the plan's reporting areas.
//!
//! A file with an unknown parent, a duplicate code, a cycle, a missing column, or a unit whose
//! retirement would leave schools on a unit nobody can pick, is refused as a whole with the
//! line. Owns parsing and planning only (pure): `Store::apply_region_plan` writes the plan.

mod plan;
#[cfg(test)]
mod tests;

pub use plan::plan_import;

use crate::domain::RegionKind;
use std::collections::HashMap;

/// The columns a region file must have (in any order; others are ignored).
pub const COLUMNS: [&str; 5] = ["code", "name", "kind", "former_district", "lao_border"];

/// More rows than any province has units.
pub const MAX_ROWS: usize = 10_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegionFileError {
    #[error("line {line}: {message}")]
    Line { line: u64, message: String },
    #[error("{0}")]
    File(String),
}

fn at(line: u64, message: impl Into<String>) -> RegionFileError {
    RegionFileError::Line {
        line,
        message: message.into(),
    }
}

/// One row of the file, checked on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionRow {
    pub line: u64,
    pub code: String,
    pub name: String,
    pub kind: RegionKind,
    /// The `former_district` column: a parent's code or name.
    pub parent: String,
    pub border_area: bool,
}

/// Reads and checks each row: header, lengths, kinds, border values, duplicate codes.
pub fn parse_regions(bytes: &[u8]) -> Result<Vec<RegionRow>, RegionFileError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(bytes);
    let csv_error = |e: csv::Error| {
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        at(
            line,
            format!("not a readable CSV line (save as \"CSV UTF-8\", comma-separated): {e}"),
        )
    };
    let header = reader.headers().map_err(csv_error)?.clone();
    let mut index = HashMap::new();
    for column in COLUMNS {
        let Some(i) = header.iter().position(|h| h == column) else {
            return Err(at(
                1,
                format!(
                    "missing column {column:?}: the header must name {}",
                    COLUMNS.join(",")
                ),
            ));
        };
        index.insert(column, i);
    }
    let field = |record: &csv::StringRecord, column: &str| -> String {
        index
            .get(column)
            .and_then(|&i| record.get(i))
            .unwrap_or("")
            .to_owned()
    };
    let mut rows: Vec<RegionRow> = Vec::new();
    let mut codes: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if rows.len() >= MAX_ROWS {
            return Err(at(line, format!("more than {MAX_ROWS} rows")));
        }
        let code = field(&record, "code");
        if code.is_empty() || code.len() > 16 || code.chars().any(char::is_whitespace) {
            return Err(at(line, "code must be 1 to 16 characters without spaces"));
        }
        let name = field(&record, "name");
        if name.is_empty() || name.chars().count() > 200 {
            return Err(at(line, "name must be 1 to 200 characters"));
        }
        let kind_text = field(&record, "kind");
        let kind = match kind_text.to_lowercase().as_str() {
            "xa" | "xã" | "commune" => RegionKind::Commune,
            "phuong" | "phường" | "ward" => RegionKind::Ward,
            "former_district" => RegionKind::FormerDistrict,
            _ => {
                return Err(at(
                    line,
                    format!(
                        "unknown kind {kind_text:?}: use xa, phuong (or commune, ward), or \
                         former_district"
                    ),
                ));
            }
        };
        let border_text = field(&record, "lao_border");
        // 'unconfirmed' counts as border: a possible border case should reach the border guard
        // until the province confirms the list (seed/README.md).
        let border_area = match border_text.to_lowercase().as_str() {
            "yes" | "unconfirmed" => true,
            "no" => false,
            _ => {
                return Err(at(
                    line,
                    format!("lao_border is {border_text:?}: use yes, no or unconfirmed"),
                ));
            }
        };
        let parent = field(&record, "former_district");
        if kind.is_unit() && parent.is_empty() {
            return Err(at(line, "a commune or ward needs its former_district"));
        }
        if let Some(first) = codes.insert(code.clone(), line) {
            return Err(at(
                line,
                format!("duplicate code {code:?} (also on line {first})"),
            ));
        }
        rows.push(RegionRow {
            line,
            code,
            name,
            kind,
            parent,
            border_area,
        });
    }
    if rows.is_empty() {
        return Err(RegionFileError::File(
            "no regions in the file: a header and one line per commune or ward are needed".into(),
        ));
    }
    Ok(rows)
}
