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

use crate::domain::{Directory, Region, RegionKind};
use crate::store::{RegionPlan, RegionWrite};
use std::collections::{HashMap, HashSet};

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

/// Strips a district's kind from its name, so that `TP Sơn La`, `Thành phố Sơn La` and
/// `Sơn La` name the same former district. Communes and wards keep their `Xã`/`Phường`, so
/// `Xã Mường La` never matches `Huyện Mường La`.
fn name_key(name: &str) -> String {
    let name = name.trim();
    let bare = [
        "Thành phố ",
        "Thị xã ",
        "Huyện ",
        "TP ",
        "TX ",
        "TP. ",
        "TX. ",
    ]
    .iter()
    .find_map(|p| name.strip_prefix(p))
    .unwrap_or(name);
    bare.trim().to_lowercase()
}

fn rank(kind: RegionKind) -> u8 {
    match kind {
        RegionKind::Province => 0,
        RegionKind::FormerDistrict => 1,
        RegionKind::Commune | RegionKind::Ward => 2,
    }
}

/// Works out the writes that turn `current` (all regions, with its active schools) into the
/// tree the file describes, or the first reason to refuse the whole file.
pub fn plan_import(current: &Directory, rows: &[RegionRow]) -> Result<RegionPlan, RegionFileError> {
    let existing = current.regions();
    let max_id = existing.iter().map(|r| r.id).max().unwrap_or(0);
    // Ids of regions added by an import start above 1000, as migration 0002's units do (1001
    // on), clear of the old district codes used as the former districts' ids.
    let mut next_id = max_id.max(1000);
    // The tree after the import, by id; `line` says which file row set each one.
    let mut merged: HashMap<i64, Region> = existing.iter().map(|r| (r.id, r.clone())).collect();
    let mut line_of: HashMap<i64, u64> = HashMap::new();
    let mut from_file: Vec<(i64, &RegionRow)> = Vec::new();
    for row in rows {
        let matched = existing
            .iter()
            .find(|r| r.active && r.code == row.code && r.kind != RegionKind::Province);
        let id = match matched {
            Some(region) => {
                let compatible =
                    region.kind == row.kind || (region.kind.is_unit() && row.kind.is_unit());
                if !compatible {
                    return Err(at(
                        row.line,
                        format!(
                            "code {:?} is the {} {:?}, which cannot become a {}",
                            row.code,
                            region.kind.code(),
                            region.name,
                            row.kind.code()
                        ),
                    ));
                }
                region.id
            }
            None => {
                next_id += 1;
                next_id
            }
        };
        merged.insert(
            id,
            Region {
                id,
                code: row.code.clone(),
                name: row.name.clone(),
                kind: row.kind,
                parent_id: None,
                border_area: row.border_area,
                active: true,
            },
        );
        line_of.insert(id, row.line);
        from_file.push((id, row));
    }
    // Active units the file leaves out are retired.
    let listed: HashSet<i64> = from_file.iter().map(|(id, _)| *id).collect();
    let retiring: Vec<i64> = existing
        .iter()
        .filter(|r| r.active && r.kind.is_unit() && !listed.contains(&r.id))
        .map(|r| r.id)
        .collect();
    for id in &retiring {
        if let Some(region) = merged.get_mut(id) {
            region.active = false;
        }
    }
    // Parents: by code, then by name, among the regions active after the import.
    let province = existing
        .iter()
        .find(|r| r.kind == RegionKind::Province && r.parent_id.is_none())
        .map(|r| r.id);
    for (id, row) in &from_file {
        let parent_id = if row.parent.is_empty() {
            // Only former districts may leave it empty: they sit under the province.
            province.ok_or_else(|| at(row.line, "there is no province to put this under"))?
        } else {
            let candidates: Vec<&Region> = merged
                .values()
                .filter(|r| r.active && r.id != *id)
                .collect();
            let by_code: Vec<i64> = candidates
                .iter()
                .filter(|r| r.code == row.parent)
                .map(|r| r.id)
                .collect();
            let found = if by_code.is_empty() {
                let key = name_key(&row.parent);
                candidates
                    .iter()
                    .filter(|r| r.kind != RegionKind::Commune && r.kind != RegionKind::Ward)
                    .filter(|r| name_key(&r.name) == key)
                    .map(|r| r.id)
                    .collect()
            } else {
                by_code
            };
            match found.as_slice() {
                [one] => *one,
                [] => {
                    return Err(at(
                        row.line,
                        format!(
                            "unknown parent {:?}: no former district has that code or name",
                            row.parent
                        ),
                    ));
                }
                _ => {
                    return Err(at(
                        row.line,
                        format!(
                            "parent {:?} names more than one region; use its code",
                            row.parent
                        ),
                    ));
                }
            }
        };
        if let Some(region) = merged.get_mut(id) {
            region.parent_id = Some(parent_id);
        }
    }
    // A cycle: walking up from a file row comes back to it before reaching the top.
    for (id, row) in &from_file {
        let mut seen = HashSet::from([*id]);
        let mut current = merged.get(id).and_then(|r| r.parent_id);
        while let Some(parent) = current {
            if !seen.insert(parent) {
                return Err(at(
                    row.line,
                    format!("{:?} would lie below itself (a cycle of parents)", row.code),
                ));
            }
            current = merged.get(&parent).and_then(|r| r.parent_id);
        }
    }
    // Kinds: commune/ward under a former district, former district under the province.
    for (id, row) in &from_file {
        let parent_kind = merged
            .get(id)
            .and_then(|r| r.parent_id)
            .and_then(|p| merged.get(&p))
            .map(|p| p.kind);
        let wanted = if row.kind.is_unit() {
            RegionKind::FormerDistrict
        } else {
            RegionKind::Province
        };
        if parent_kind != Some(wanted) {
            return Err(at(
                row.line,
                format!(
                    "the parent {:?} of a {} must be a {}",
                    row.parent,
                    row.kind.code(),
                    wanted.code()
                ),
            ));
        }
    }
    // Retiring a unit that schools belong to would leave them where nobody can pick them.
    for id in &retiring {
        let schools = current
            .schools()
            .iter()
            .filter(|s| s.region_id == *id)
            .count();
        if schools > 0 {
            let unit = &merged[id];
            return Err(RegionFileError::File(format!(
                "{} {:?} ({}) is not in the file, but {schools} school(s) belong to it: add it \
                 back, or first move its schools with `tipline schools import`",
                unit.kind.code(),
                unit.name,
                unit.code
            )));
        }
    }
    // A former district is a border area when any of its active units is; one in the file
    // keeps its own flag as well.
    let district_ids: Vec<i64> = merged
        .values()
        .filter(|r| r.kind == RegionKind::FormerDistrict)
        .map(|r| r.id)
        .collect();
    for district in district_ids {
        let any_unit = merged.values().any(|u| {
            u.active && u.kind.is_unit() && u.parent_id == Some(district) && u.border_area
        });
        let own = line_of.contains_key(&district) && merged[&district].border_area;
        if let Some(region) = merged.get_mut(&district) {
            region.border_area = any_unit || own;
        }
    }

    let before: HashMap<i64, &Region> = existing.iter().map(|r| (r.id, r)).collect();
    let mut plan = RegionPlan {
        snapshot: (existing.len() as i64, max_id),
        ..RegionPlan::default()
    };
    let mut ids: Vec<i64> = merged.keys().copied().collect();
    ids.sort_by_key(|id| {
        (
            rank(merged[id].kind),
            line_of.get(id).copied().unwrap_or(0),
            *id,
        )
    });
    let name_of = |id: Option<i64>| {
        id.and_then(|p| merged.get(&p))
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    for id in ids {
        let after = &merged[&id];
        let label = format!("{} {} {:?}", after.kind.code(), after.code, after.name);
        let Some(old) = before.get(&id) else {
            plan.changes.push(format!(
                "add {label} under {:?}{}",
                name_of(after.parent_id),
                if after.border_area { " (border)" } else { "" }
            ));
            plan.added += 1;
            plan.writes.push(RegionWrite {
                region: after.clone(),
                new: true,
            });
            continue;
        };
        if *old == after {
            continue;
        }
        if old.active && !after.active {
            plan.changes.push(format!(
                "retire {label} (kept for the records that name it)"
            ));
            plan.retired += 1;
        }
        if old.name != after.name {
            plan.changes.push(format!(
                "rename {} {:?} to {:?}",
                old.code, old.name, after.name
            ));
        }
        if old.kind != after.kind {
            plan.changes.push(format!(
                "{label}: {} becomes {}",
                old.kind.code(),
                after.kind.code()
            ));
        }
        if old.parent_id != after.parent_id {
            plan.changes.push(format!(
                "move {label} from {:?} to {:?}",
                name_of(old.parent_id),
                name_of(after.parent_id)
            ));
        }
        if old.border_area != after.border_area {
            plan.changes.push(format!(
                "{label}: border area {}",
                if after.border_area { "on" } else { "off" }
            ));
        }
        plan.writes.push(RegionWrite {
            region: after.clone(),
            new: false,
        });
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::School;

    const SHIPPED_CSV: &str = include_str!("../../seed/son-la-communes-2025.csv");
    const SAMPLE_SCHOOLS_CSV: &str = include_str!("../../seed/schools-sample.csv");
    const MIGRATION_SQLITE: &str = include_str!("../../migrations/sqlite/0002_regions_2025.sql");
    const MIGRATION_POSTGRES: &str =
        include_str!("../../migrations/postgres/0002_regions_2025.sql");

    /// The tree of the previous release: the province and its 12 districts.
    fn previous_release() -> Vec<Region> {
        let mut regions = vec![Region {
            id: 14,
            code: "14".into(),
            name: "Tỉnh Sơn La".into(),
            kind: RegionKind::Province,
            parent_id: None,
            border_area: false,
            active: true,
        }];
        for (id, name) in SHIPPED_DISTRICTS {
            regions.push(Region {
                id: *id,
                code: id.to_string(),
                name: (*name).into(),
                kind: RegionKind::FormerDistrict,
                parent_id: Some(14),
                border_area: false,
                active: true,
            });
        }
        regions
    }

    const SHIPPED_DISTRICTS: &[(i64, &str)] = &[
        (116, "Thành phố Sơn La"),
        (118, "Huyện Quỳnh Nhai"),
        (119, "Huyện Thuận Châu"),
        (120, "Huyện Mường La"),
        (121, "Huyện Bắc Yên"),
        (122, "Huyện Phù Yên"),
        (123, "Huyện Mộc Châu"),
        (124, "Huyện Yên Châu"),
        (125, "Huyện Mai Sơn"),
        (126, "Huyện Sông Mã"),
        (127, "Huyện Sốp Cộp"),
        (128, "Huyện Vân Hồ"),
    ];

    /// The shipped tree as migration 0002 writes it: units get ids from 1001 in file order.
    fn shipped() -> Directory {
        let rows = parse_regions(SHIPPED_CSV.as_bytes()).unwrap();
        let mut regions = previous_release();
        let plan = plan_import(&Directory::new(regions.clone(), vec![]), &rows).unwrap();
        for write in plan.writes {
            regions.retain(|r| r.id != write.region.id);
            regions.push(write.region);
        }
        regions.sort_by_key(|r| r.id);
        Directory::new(regions, vec![])
    }

    fn sql_bool(postgres: bool, v: bool) -> &'static str {
        match (postgres, v) {
            (true, true) => "TRUE",
            (true, false) => "FALSE",
            (false, true) => "1",
            (false, false) => "0",
        }
    }

    #[test]
    fn the_shipped_file_gives_75_units_8_wards_under_12_former_districts() {
        let dir = shipped();
        let units: Vec<&Region> = dir.regions().iter().filter(|r| r.kind.is_unit()).collect();
        assert_eq!(units.len(), 75);
        assert_eq!(
            units.iter().filter(|r| r.kind == RegionKind::Ward).count(),
            8
        );
        assert_eq!(dir.units_by_district().len(), 12);
        assert_eq!(
            units.first().map(|u| u.id),
            Some(1001),
            "ids from 1001 in file order"
        );
        let flagged: Vec<&str> = dir
            .districts()
            .iter()
            .filter(|d| d.border_area)
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(
            flagged,
            [
                "Huyện Mộc Châu",
                "Huyện Yên Châu",
                "Huyện Mai Sơn",
                "Huyện Sông Mã",
                "Huyện Sốp Cộp",
                "Huyện Vân Hồ"
            ],
            "the six former border districts, and not Thuận Châu"
        );
        assert!(
            units
                .iter()
                .filter(|u| u.parent_id == Some(119))
                .all(|u| !u.border_area)
        );
    }

    /// Migration 0002 carries the shipped tree as SQL. It must say exactly what the data file
    /// says: this rebuilds every row and the sample schools' moves from the seed files.
    #[test]
    fn migration_0002_matches_the_shipped_files_on_both_backends() {
        let dir = shipped();
        let mut regions: Vec<&Region> = dir.regions().iter().collect();
        regions.sort_by_key(|r| r.id);
        for (sql, postgres) in [(MIGRATION_SQLITE, false), (MIGRATION_POSTGRES, true)] {
            for r in &regions {
                let parent = r.parent_id.map_or("NULL".to_string(), |p| p.to_string());
                let row = format!(
                    "({}, '{}', '{}', '{}', {}, {})",
                    r.id,
                    r.code,
                    r.name,
                    r.kind.code(),
                    parent,
                    sql_bool(postgres, r.border_area)
                );
                assert!(sql.contains(&row), "migration 0002 lacks {row}");
            }
            let values = sql.matches("\n(").count();
            assert_eq!(values, regions.len(), "no rows beyond the data file");
            let mut reader = csv::Reader::from_reader(SAMPLE_SCHOOLS_CSV.as_bytes());
            for record in reader.records() {
                let record = record.unwrap();
                let update = format!(
                    "WHERE code = '{}' AND kind IN ('commune', 'ward'))\n    WHERE code = '{}' AND sample;",
                    &record[3], &record[0]
                );
                assert!(sql.contains(&update), "migration 0002 lacks {update}");
            }
        }
    }

    fn school(id: i64, region_id: i64) -> School {
        School {
            id,
            code: format!("S{id}"),
            name: format!("School {id}"),
            level: "primary".into(),
            region_id,
            sample: false,
        }
    }

    const HEADER: &str = "code,name,kind,former_district,lao_border\n";

    fn shipped_rows_with(edit: impl Fn(&str) -> Option<String>) -> String {
        let mut out = String::from(HEADER);
        for line in SHIPPED_CSV.lines().skip(1) {
            if let Some(line) = edit(line) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }

    #[test]
    fn reimporting_the_shipped_file_changes_nothing() {
        let rows = parse_regions(SHIPPED_CSV.as_bytes()).unwrap();
        let plan = plan_import(&shipped(), &rows).unwrap();
        assert!(plan.changes.is_empty(), "{:?}", plan.changes);
        assert!(plan.writes.is_empty());
    }

    #[test]
    fn an_import_adds_renames_moves_and_retires_units() {
        let csv = shipped_rows_with(|line| {
            if line.starts_with("03646,") {
                Some("03646,Phường Tô Hiệu Mới,phuong,TP Sơn La,no".into())
            } else if line.starts_with("03664,") {
                None
            } else if line.starts_with("03688,") {
                Some("03688,Xã Mường Chiên,xa,Thuận Châu,no".into())
            } else {
                Some(line.into())
            }
        }) + "09999,Xã Mới,xa,125,yes\n";
        let rows = parse_regions(csv.as_bytes()).unwrap();
        let plan = plan_import(&shipped(), &rows).unwrap();
        let text = plan.changes.join("\n");
        assert!(
            text.contains("rename 03646 \"Phường Tô Hiệu\" to \"Phường Tô Hiệu Mới\""),
            "{text}"
        );
        assert!(text.contains("retire ward 03664"), "{text}");
        assert!(text.contains("move commune 03688"), "{text}");
        assert!(
            text.contains("add commune 09999 \"Xã Mới\" under \"Huyện Mai Sơn\""),
            "{text}"
        );
        assert_eq!((plan.added, plan.retired), (1, 1));
        let added = plan.writes.iter().find(|w| w.new).unwrap();
        assert_eq!(added.region.id, 1076, "after the largest id");
        let retired = plan
            .writes
            .iter()
            .find(|w| w.region.code == "03664")
            .unwrap();
        assert!(
            !retired.region.active && !retired.new,
            "retired, never deleted"
        );
    }

    #[test]
    fn a_new_former_district_can_come_with_its_units() {
        let csv = shipped_rows_with(|l| Some(l.into()))
            + "200,Khu mới,former_district,14,no\n09998,Xã Biên,xa,Khu mới,yes\n";
        let plan = plan_import(&shipped(), &parse_regions(csv.as_bytes()).unwrap()).unwrap();
        let district = plan.writes.iter().find(|w| w.region.code == "200").unwrap();
        assert!(district.region.border_area, "flagged because its unit is");
        let first_unit = plan
            .writes
            .iter()
            .position(|w| w.region.code == "09998")
            .unwrap();
        let district_at = plan
            .writes
            .iter()
            .position(|w| w.region.code == "200")
            .unwrap();
        assert!(district_at < first_unit, "parents are written first");
    }

    fn refusal(csv: &str, dir: &Directory) -> String {
        match parse_regions(csv.as_bytes()).and_then(|rows| plan_import(dir, &rows)) {
            Ok(plan) => panic!("accepted: {:?}", plan.changes),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn bad_files_are_refused_with_the_line() {
        let dir = shipped();
        let keep = |l: &str| Some(l.to_string());
        let unknown_parent = shipped_rows_with(keep) + "09999,Xã Mới,xa,Huyện Không Có,no\n";
        assert!(refusal(&unknown_parent, &dir).starts_with("line 77: unknown parent"));
        let duplicate = shipped_rows_with(keep) + "03646,Phường Khác,phuong,TP Sơn La,no\n";
        let message = refusal(&duplicate, &dir);
        assert!(message.starts_with("line 77: duplicate code"), "{message}");
        assert!(message.contains("line 2"), "{message}");
        let cycle = shipped_rows_with(keep)
            + "201,Khu A,former_district,202,no\n202,Khu B,former_district,201,no\n";
        assert!(
            refusal(&cycle, &dir).contains("cycle"),
            "{}",
            refusal(&cycle, &dir)
        );
        let commune_under_commune = shipped_rows_with(keep) + "09999,Xã Mới,xa,03646,no\n";
        assert!(refusal(&commune_under_commune, &dir).contains("must be a former_district"));
        let missing_column = "code,name,kind,lao_border\n03646,Phường Tô Hiệu,phuong,no\n";
        let message = refusal(missing_column, &dir);
        assert!(
            message.starts_with("line 1: missing column \"former_district\""),
            "{message}"
        );
        let bad_border = shipped_rows_with(keep) + "09999,Xã Mới,xa,125,maybe\n";
        assert!(refusal(&bad_border, &dir).starts_with("line 77: lao_border"));
        assert!(refusal(HEADER, &dir).contains("no regions"));
    }

    #[test]
    fn retiring_a_unit_with_schools_is_refused() {
        let shipped = shipped();
        let tô_hiệu = shipped.unit_by_code("03646").unwrap().id;
        let dir = Directory::new(shipped.regions().to_vec(), vec![school(1, tô_hiệu)]);
        let without = shipped_rows_with(|l| (!l.starts_with("03646,")).then(|| l.to_string()));
        let message = refusal(&without, &dir);
        assert!(
            message.contains("Phường Tô Hiệu") && message.contains("1 school"),
            "{message}"
        );
        // A renamed unit keeps its schools: that is fine.
        let renamed = shipped_rows_with(|l| {
            Some(l.replace("03646,Phường Tô Hiệu,", "03646,Phường Tô Hiệu 2,"))
        });
        assert!(plan_import(&dir, &parse_regions(renamed.as_bytes()).unwrap()).is_ok());
    }
}
