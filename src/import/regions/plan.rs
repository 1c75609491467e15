//! Planning a region import: the writes that turn the current tree into the one a file
//! describes, or the first reason to refuse the whole file. Pure: no I/O.

use super::{RegionFileError, RegionRow, at};
use crate::domain::{Directory, Region, RegionKind};
use crate::store::{RegionPlan, RegionWrite};
use std::collections::{HashMap, HashSet};

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
