//! School lists from CSV: the shipped sample schools and real lists.
//!
//! `seed/schools-sample.csv` is a SAMPLE list so that the form works out of the box —
//! operators replace it with `tipline schools import FILE.csv`. A school belongs to a commune or
//! ward, named by the unit's official code as the province's school list gives it.
//!
//! Owns reading and checking the CSV (header, lengths, levels, duplicate codes, unit codes),
//! reporting problems by line. It must not write to the database: callers hand the checked
//! rows to `Store::import_schools` or `Store::seed_sample_schools_if_none`.

use crate::domain::{Directory, SchoolLevel};
use crate::store::NewSchool;
use serde::Deserialize;

const SAMPLE_SCHOOLS_CSV: &str = include_str!("../../seed/schools-sample.csv");

const EXPECTED_HEADER: &str = "code,name,level,region_code";

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
struct SchoolRow {
    code: String,
    name: String,
    level: String,
    region_code: String,
}

/// The shipped sample schools, flagged as samples, placed in the units of `directory`.
pub fn sample_schools(directory: &Directory) -> Result<Vec<NewSchool>, SeedError> {
    parse_schools(SAMPLE_SCHOOLS_CSV.as_bytes(), true, unit_id(directory))
}

/// Finds an active commune or ward by its official code, for `parse_schools`.
pub fn unit_id(directory: &Directory) -> impl Fn(&str) -> Option<i64> + '_ {
    |code| directory.unit_by_code(code).map(|r| r.id)
}

/// Parses a school CSV with the header `code,name,level,region_code`. `unit` turns each unit
/// code into a region id (see `unit_id`), so that a typo is reported with its line instead of
/// failing the import.
pub fn parse_schools(
    csv_bytes: &[u8],
    sample: bool,
    unit: impl Fn(&str) -> Option<i64>,
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
        // Schools belong to a commune or ward, which the form offers; a school placed on a
        // former district or the province could be picked only by people who do not know
        // their commune.
        let Some(region_id) = unit(&row.region_code) else {
            return Err(fail(format!(
                "region_code {:?} is not the official code of a commune or ward (e.g. 03646)",
                row.region_code
            )));
        };
        if !seen.insert(row.code.clone()) {
            return Err(fail(format!("duplicate code {:?}", row.code)));
        }
        schools.push(NewSchool {
            code: row.code,
            name: row.name,
            level,
            region_id,
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
    fn sample_schools_name_units_of_the_shipped_tree() {
        let known = |code: &str| (code.len() == 5).then(|| code.parse::<i64>().unwrap_or(-1));
        let samples = parse_schools(SAMPLE_SCHOOLS_CSV.as_bytes(), true, known).unwrap();
        assert_eq!(samples.len(), 26);
        assert!(samples.iter().all(|s| s.sample && s.region_id > 3000));
    }

    #[test]
    fn empty_files_and_wrong_headers_are_refused() {
        let any = |_: &str| Some(1001);
        assert!(matches!(
            parse_schools(b"", false, any),
            Err(SeedError::Header(_))
        ));
        let header_only = b"code,name,level,region_code\n";
        assert!(matches!(
            parse_schools(header_only, false, any),
            Err(SeedError::Empty)
        ));
        let semicolons = b"code;name;level;region_code\nA;B;primary;03646\n";
        let err = parse_schools(semicolons, false, any).unwrap_err();
        assert!(err.to_string().contains("code,name,level,region_code"));
        let old_header = b"code,name,level,region_id\nA;B;primary;116\n";
        assert!(matches!(
            parse_schools(old_header, false, any),
            Err(SeedError::Header(_))
        ));
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let any = |_: &str| Some(1001);
        let csv =
            "code,name,level,region_code\nA1,School A,primary,03646\nA2,School B,castle,03646\n";
        let err = parse_schools(csv.as_bytes(), false, any).unwrap_err();
        assert_eq!(err.to_string().split(':').next(), Some("line 3"));
        let csv = "code,name,level,region_code\nA1,School A,primary,99999\n";
        let only = |code: &str| (code == "03646").then_some(1001);
        let err = parse_schools(csv.as_bytes(), false, only).unwrap_err();
        assert!(err.to_string().contains("99999"), "{err}");
    }
}
