//! Directory data from CSV: the shipped regions and sample schools, and real school lists.
//!
//! `seed/regions.csv` holds Sơn La and its 12 district-level units; `seed/schools-sample.csv` is
//! a SAMPLE list so that the form works out of the box — operators replace it with
//! `tipline schools import FILE.csv`.
//!
//! Owns reading and checking the CSV (header, lengths, levels, duplicate codes, region ids),
//! reporting problems by line. It must not write to the database: callers hand the checked
//! rows to `Store::import_schools` or `Store::seed_directory_if_empty`.

use crate::domain::{Region, SchoolLevel};
use crate::store::NewSchool;
use serde::Deserialize;

const REGIONS_CSV: &str = include_str!("../../seed/regions.csv");
const SAMPLE_SCHOOLS_CSV: &str = include_str!("../../seed/schools-sample.csv");

const EXPECTED_HEADER: &str = "code,name,level,region_id";

/// Most schools a single import accepts: a province has a few thousand.
pub const MAX_IMPORT_ROWS: usize = 50_000;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("line {line}: {message}")]
    Row { line: u64, message: String },
    #[error("not a readable CSV file: save it as \"CSV UTF-8\", comma-separated")]
    Csv(#[from] csv::Error),
    #[error("more than {MAX_IMPORT_ROWS} rows")]
    TooMany,
    #[error("the first line must be the header {EXPECTED_HEADER} (found {0:?})")]
    Header(String),
    #[error("no schools in the file: a header and one line per school are needed")]
    Empty,
}

#[derive(Deserialize)]
struct RegionRow {
    id: i64,
    name: String,
    parent_id: Option<i64>,
    border_area: u8,
}

#[derive(Deserialize)]
struct SchoolRow {
    code: String,
    name: String,
    level: String,
    region_id: i64,
}

/// The shipped region tree.
pub fn shipped_regions() -> Result<Vec<Region>, SeedError> {
    let mut reader = csv::Reader::from_reader(REGIONS_CSV.as_bytes());
    reader
        .deserialize::<RegionRow>()
        .map(|row| {
            let row = row?;
            Ok(Region {
                id: row.id,
                name: row.name,
                parent_id: row.parent_id,
                border_area: row.border_area == 1,
            })
        })
        .collect()
}

/// The shipped sample schools, flagged as samples.
pub fn sample_schools() -> Result<Vec<NewSchool>, SeedError> {
    parse_schools(SAMPLE_SCHOOLS_CSV.as_bytes(), true, |_| true)
}

/// Parses a school CSV with the header `code,name,level,region_id`. `region_exists` checks
/// each region id so that a typo is reported with its line instead of failing the import.
pub fn parse_schools(
    csv_bytes: &[u8],
    sample: bool,
    region_exists: impl Fn(i64) -> bool,
) -> Result<Vec<NewSchool>, SeedError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_bytes);
    let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    if header.join(",") != EXPECTED_HEADER {
        return Err(SeedError::Header(header.join(",")));
    }
    let mut schools = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in reader.deserialize::<SchoolRow>() {
        let row = row?;
        let line = schools.len() as u64 + 2;
        let fail = |message: String| SeedError::Row { line, message };
        if schools.len() >= MAX_IMPORT_ROWS {
            return Err(SeedError::TooMany);
        }
        if row.code.is_empty() || row.code.chars().count() > 64 {
            return Err(fail("code must be 1 to 64 characters".into()));
        }
        if row.name.is_empty() || row.name.chars().count() > 200 {
            return Err(fail("name must be 1 to 200 characters".into()));
        }
        let level = SchoolLevel::from_code(&row.level).ok_or_else(|| {
            let known: Vec<&str> = SchoolLevel::ALL.iter().map(|l| l.code()).collect();
            fail(format!(
                "unknown level {:?}; use one of {}",
                row.level,
                known.join(", ")
            ))
        })?;
        if !region_exists(row.region_id) {
            return Err(fail(format!(
                "region_id {} is not a district (or a commune within one)",
                row.region_id
            )));
        }
        if !seen.insert(row.code.clone()) {
            return Err(fail(format!("duplicate code {:?}", row.code)));
        }
        schools.push(NewSchool {
            code: row.code,
            name: row.name,
            level,
            region_id: row.region_id,
            sample,
        });
    }
    if schools.is_empty() {
        return Err(SeedError::Empty);
    }
    Ok(schools)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_data_has_the_twelve_districts_of_son_la() {
        let regions = shipped_regions().unwrap();
        let province = regions.iter().find(|r| r.parent_id.is_none()).unwrap();
        assert_eq!(province.name, "Tỉnh Sơn La");
        let districts = regions
            .iter()
            .filter(|r| r.parent_id == Some(province.id))
            .count();
        assert_eq!(districts, 12);
        let ids: Vec<i64> = regions.iter().map(|r| r.id).collect();
        let samples = sample_schools().unwrap();
        assert!(!samples.is_empty());
        assert!(
            samples
                .iter()
                .all(|s| s.sample && ids.contains(&s.region_id))
        );
    }

    #[test]
    fn empty_files_and_wrong_headers_are_refused() {
        assert!(matches!(
            parse_schools(b"", false, |_| true),
            Err(SeedError::Header(_))
        ));
        let header_only = b"code,name,level,region_id\n";
        assert!(matches!(
            parse_schools(header_only, false, |_| true),
            Err(SeedError::Empty)
        ));
        let semicolons = b"code;name;level;region_id\nA;B;primary;116\n";
        let err = parse_schools(semicolons, false, |_| true).unwrap_err();
        assert!(err.to_string().contains("code,name,level,region_id"));
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let csv = "code,name,level,region_id\nA1,School A,primary,116\nA2,School B,castle,116\n";
        let err = parse_schools(csv.as_bytes(), false, |_| true).unwrap_err();
        assert_eq!(err.to_string().split(':').next(), Some("line 3"));
        let csv = "code,name,level,region_id\nA1,School A,primary,999\n";
        assert!(parse_schools(csv.as_bytes(), false, |id| id == 116).is_err());
    }
}
