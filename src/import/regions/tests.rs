//! Tests of region files: parsing, planning, and that the shipped file and migration 0002 agree.

use super::*;
use crate::domain::School;
use crate::domain::{Directory, Region};

const SHIPPED_CSV: &str = include_str!("../../../seed/son-la-communes-2025.csv");
const SAMPLE_SCHOOLS_CSV: &str = include_str!("../../../seed/schools-sample.csv");
const MIGRATION_SQLITE: &str = include_str!("../../../migrations/sqlite/0002_regions_2025.sql");
const MIGRATION_POSTGRES: &str = include_str!("../../../migrations/postgres/0002_regions_2025.sql");

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
    let renamed =
        shipped_rows_with(|l| Some(l.replace("03646,Phường Tô Hiệu,", "03646,Phường Tô Hiệu 2,")));
    assert!(plan_import(&dir, &parse_regions(renamed.as_bytes()).unwrap()).is_ok());
}
