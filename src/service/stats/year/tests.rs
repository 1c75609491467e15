//! Tests of the protected year (R21 across products): the system adds up, and an attacker
//! who reads several products and subtracts one from another (an independent solver, over
//! equations written here from what each product means) pins no hidden count.

use super::*;
use crate::domain::{Region, RegionKind, School};
use crate::store::stats::YearRow;
use proptest::prelude::*;

const PROVINCE: i64 = 1;
const DISTRICTS: [i64; 2] = [10, 20];
const UNITS: [[i64; 2]; 2] = [[11, 12], [21, 22]];

fn region(id: i64, kind: RegionKind, parent: Option<i64>) -> Region {
    Region {
        id,
        code: id.to_string(),
        name: format!("r{id}"),
        kind,
        parent_id: parent,
        border_area: false,
        active: true,
    }
}

/// A province of two former districts of two communes each, one school per commune.
fn directory() -> Directory {
    let mut regions = vec![region(PROVINCE, RegionKind::Province, None)];
    for (d, units) in DISTRICTS.iter().zip(UNITS) {
        regions.push(region(*d, RegionKind::FormerDistrict, Some(PROVINCE)));
        for u in units {
            regions.push(region(u, RegionKind::Commune, Some(*d)));
        }
    }
    let schools = UNITS
        .iter()
        .flatten()
        .map(|&u| School {
            id: 100 + u,
            code: format!("s{u}"),
            name: format!("school {u}"),
            level: "thcs".into(),
            region_id: u,
            sample: false,
        })
        .collect();
    Directory::new(regions, schools)
}

/// One random tip: month, region index, category, channel, outcome (9 = open), timeliness,
/// and whether it names its commune's school.
type Tip = (u8, usize, usize, usize, usize, u8, u8, bool);

fn tips(max: usize) -> impl Strategy<Value = Vec<Tip>> {
    prop::collection::vec(
        (
            1u8..=12,
            0usize..6,
            0usize..3,
            0usize..2,
            prop::sample::select(vec![0usize, 3, 4, 9, 9]),
            0u8..3,
            0u8..3,
            any::<bool>(),
        ),
        0..max,
    )
}

/// The counter rows these tips leave, as the store would read them.
fn counts(tips: &[Tip]) -> YearCounts {
    use crate::domain::workflow::Outcome;
    use crate::domain::{Category, Channel, Code};
    let places = [11, 12, 21, 22, 10, 0];
    let mut c = YearCounts::default();
    let push = |rows: &mut Vec<YearRow>, month, id, a: &str, b: &str| match rows
        .iter_mut()
        .find(|r| r.month == month && r.id == id && r.a == a && r.b == b)
    {
        Some(r) => r.n += 1,
        None => rows.push(YearRow {
            month,
            id,
            a: a.into(),
            b: b.into(),
            n: 1,
        }),
    };
    for &(m, r, cat, ch, out, cl, de, named) in tips {
        let id = places[r];
        // A tip is decided exactly when it closes.
        let de = if out == 9 { 2 } else { de % 2 };
        // And classified before, or as, it closes.
        let cl = if out == 9 { cl } else { cl % 2 };
        let cat = Category::ALL[cat].code();
        push(&mut c.region, m, id, cat, "");
        push(&mut c.region, m, id, "", Channel::ALL[ch].code());
        let outcome = Outcome::all().get(out).map_or("", |o| o.code());
        push(&mut c.outcome, m, id, outcome, "");
        push(&mut c.timeliness, m, id, &cl.to_string(), "");
        push(&mut c.timeliness, m, id, "", &de.to_string());
        if named && id > 10 && id % 10 != 0 {
            let confirmed = Outcome::all()
                .get(out)
                .is_some_and(|o| o.is_confirmed_case());
            push(
                &mut c.school,
                m,
                100 + id,
                if confirmed { "1" } else { "0" },
                "",
            );
        }
    }
    c
}

/// An attacker's dense solver: which hidden cells the published ones determine, through
/// `equations` (each `total = Σ parts`, over cell keys). Independent of `linear.rs`.
fn attack(frame: &YearFrame, equations: &[(Key, Vec<Key>)]) -> Vec<Key> {
    let mut unknown: Vec<Key> = Vec::new();
    for (total, parts) in equations {
        for key in std::iter::once(total).chain(parts) {
            let hidden = frame.cell(*key).is_none_or(|c| c.suppressed);
            if hidden && !unknown.contains(key) {
                unknown.push(*key);
            }
        }
    }
    let col = |k: &Key| unknown.iter().position(|u| u == k);
    let mut rows: Vec<Vec<f64>> = equations
        .iter()
        .map(|(total, parts)| {
            let mut row = vec![0.0; unknown.len()];
            if let Some(c) = col(total) {
                row[c] += 1.0;
            }
            for p in parts {
                if let Some(c) = col(p) {
                    row[c] -= 1.0;
                }
            }
            row
        })
        .collect();
    // Gauss–Jordan with partial pivoting.
    let mut pivot_of_row = Vec::new();
    let mut r = 0;
    for c in 0..unknown.len() {
        let Some(best) =
            (r..rows.len()).max_by(|&a, &b| rows[a][c].abs().total_cmp(&rows[b][c].abs()))
        else {
            break;
        };
        if rows[best][c].abs() < 1e-9 {
            continue;
        }
        rows.swap(r, best);
        let p = rows[r][c];
        for x in rows[r].iter_mut() {
            *x /= p;
        }
        for o in 0..rows.len() {
            if o != r && rows[o][c].abs() > 1e-12 {
                let f = rows[o][c];
                let pivot = rows[r].clone();
                for (x, y) in rows[o].iter_mut().zip(pivot) {
                    *x -= f * y;
                }
            }
        }
        pivot_of_row.push(c);
        r += 1;
    }
    pivot_of_row
        .iter()
        .enumerate()
        .filter(|&(row, &c)| {
            rows[row]
                .iter()
                .enumerate()
                .all(|(j, x)| j == c || x.abs() < 1e-9)
        })
        .map(|(_, &c)| unknown[c])
        .collect()
}

/// What the review's attacker writes down: every place's tips as the sum of its months in
/// each half year and in the year (`region-month` against the report), each region tree, the
/// province's months by category against the report's halves by category, and the quarterly
/// tables (channels, timeliness, outcomes) against the report's halves and year.
fn review_equations(dir: &Directory) -> Vec<(Key, Vec<Key>)> {
    use crate::service::stats::frame::RegionTree;
    let tree = RegionTree::of(dir);
    let mut eqs = Vec::new();
    let places = tree.places();
    let times: Vec<Time> = (1..=12)
        .map(Time::Month)
        .chain([Time::Half(1), Time::Half(2), Time::Year])
        .collect();
    for &t in &times {
        for (total, parts) in tree.equations() {
            eqs.push((
                (t, total, Attr::All),
                parts.iter().map(|&p| (t, p, Attr::All)).collect(),
            ));
        }
    }
    for &place in &places {
        for h in 1..=2u8 {
            let months = Time::Half(h)
                .months()
                .map(|m| (Time::Month(m), place, Attr::All));
            eqs.push(((Time::Half(h), place, Attr::All), months.collect()));
        }
    }
    let province = Place::Region(tree.province);
    for c in 0..3 {
        for h in 1..=2u8 {
            let months = Time::Half(h)
                .months()
                .map(|m| (Time::Month(m), province, Attr::Category(c)));
            eqs.push((
                (Time::Half(h), province, Attr::Category(c)),
                months.collect(),
            ));
        }
    }
    // `channel-quarter` and the timeliness table against the report's halves, at the
    // province; `region-outcome-quarter` against them at every place; and the year as the
    // sum of its halves for all of these.
    let quarters = |h: u8| [Time::Quarter(h * 2 - 1), Time::Quarter(h * 2)];
    let mut by_quarter: Vec<(Place, Attr)> = Vec::new();
    for ch in 0..2 {
        by_quarter.push((province, Attr::Channel(ch)));
    }
    for b in 0..2 {
        by_quarter.push((province, Attr::Classified(b)));
        by_quarter.push((province, Attr::Decided(b)));
    }
    for &place in &places {
        for o in [0usize, 3, 4] {
            by_quarter.push((place, Attr::Outcome(o)));
        }
    }
    for (place, attr) in by_quarter {
        for h in 1..=2u8 {
            let parts = quarters(h).map(|q| (q, place, attr)).to_vec();
            eqs.push(((Time::Half(h), place, attr), parts));
        }
        let halves = vec![(Time::Half(1), place, attr), (Time::Half(2), place, attr)];
        eqs.push(((Time::Year, place, attr), halves));
    }
    eqs
}

proptest! {
    // A year is some ten thousand cells: few cases, each a whole year.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn every_equation_of_a_year_holds(t in tips(120)) {
        let dir = directory();
        let tree = crate::service::stats::frame::RegionTree::of(&dir);
        let tally = Tally::of(&counts(&t), &tree);
        let built = build::Builder::new(&tally, &tree, &dir, 11).products();
        prop_assert!(built.system.is_consistent());
    }

    /// The same counts are always protected the same way: two different patterns of the
    /// same numbers (after a restart, or on another server) could be combined to narrow a
    /// hidden count, though nothing changed.
    #[test]
    fn the_same_counts_are_protected_the_same_way(t in tips(150), k in 5u64..12) {
        let dir = directory();
        let first = YearFrame::build(2026, &counts(&t), &dir, k);
        let second = YearFrame::build(2026, &counts(&t), &dir, k);
        prop_assert_eq!(first.size(), second.size());
        for &key in first.index.keys() {
            prop_assert_eq!(first.cell(key), second.cell(key), "{:?}", key);
        }
    }

    #[test]
    fn no_hidden_count_falls_to_the_reviews_subtraction(t in tips(150), k in 5u64..12) {
        let dir = directory();
        let frame = YearFrame::build(2026, &counts(&t), &dir, k);
        let eqs = review_equations(&dir);
        for key in attack(&frame, &eqs) {
            let cell = frame.cell(key);
            prop_assert!(
                cell.is_none_or(|c| !c.suppressed),
                "suppressed {key:?} is determined by the other products"
            );
        }
        // Every published count is 0 or at least k, but the schools with a case at the
        // province and former districts, published exactly (and always).
        for (&key, &node) in &frame.index {
            if frame.system.is_exact(node) {
                let disclosed = matches!(key, (_, Place::Region(r), Attr::Schools) if r < 100);
                prop_assert!(disclosed || !frame.system.is_published(node), "{key:?}");
                prop_assert!(frame.cell(key).is_none_or(|c| c.count.is_some()), "{key:?}");
                continue;
            }
            if let Some(Cell { count: Some(n), .. }) = frame.cell(key) {
                prop_assert!(n == 0 || n >= k, "{key:?} = {n} (node {node})");
            }
        }
    }
}

/// The attacker is not toothless: with each product protected on its own (here: only the
/// small cells hidden, as the month table alone would), it does recover a month.
#[test]
fn the_attacker_recovers_a_month_from_separately_protected_products() {
    let dir = directory();
    // Commune 11: 20 tips in each month but March, which has 3.
    let mut t: Vec<Tip> = Vec::new();
    for m in 1..=6u8 {
        let n = if m == 3 { 3 } else { 20 };
        t.extend((0..n).map(|_| (m, 0, 0, 0, 9, 2, 2, false)));
    }
    let mut frame = YearFrame::build(2026, &counts(&t), &dir, 11);
    let march = (Time::Month(3), Place::Region(11), Attr::All);
    assert!(frame.cell(march).is_some_and(|c| c.suppressed));
    // Protected jointly, the attacker learns nothing.
    assert!(!attack(&frame, &review_equations(&dir)).contains(&march));
    // Undo every complement: only counts below k stay hidden.
    for node in 0..frame.system.len() {
        let c = frame.system.count(node);
        frame.suppressed[node] = c > 0 && c < 11;
    }
    assert!(attack(&frame, &review_equations(&dir)).contains(&march));
}

/// The open tips split into those not classified yet and those classified (never published):
/// an attacker who knows that a tip is classified before it closes gains nothing a witness
/// may not also respect.
#[test]
fn the_open_tips_are_the_unclassified_and_the_classified_ones() {
    // (month, place, category, channel, outcome (9 open), classified, decided, named)
    let mut t: Vec<Tip> = Vec::new();
    t.extend(std::iter::repeat_n((2, 0, 0, 0, 9, 2, 2, false), 3));
    t.extend(std::iter::repeat_n((2, 0, 0, 0, 9, 1, 2, false), 4));
    t.extend(std::iter::repeat_n((2, 0, 0, 0, 0, 0, 1, false), 5));
    let dir = directory();
    let tree = crate::service::stats::frame::RegionTree::of(&dir);
    let tally = Tally::of(&counts(&t), &tree);
    let built = build::Builder::new(&tally, &tree, &dir, 11).products();
    let q1 = Time::Quarter(1);
    let province = Place::Region(tree.province);
    let count = |attr| built.system.count(built.index[&(q1, province, attr)]);
    assert_eq!(count(Attr::Outcome(open())), 7);
    assert_eq!(count(Attr::Classified(2)), 3);
    assert_eq!(count(Attr::OpenClassified), 4);
    assert!(
        built.system.is_consistent(),
        "open = unclassified + classified holds"
    );
}

/// A year's schools with a case are those of its halves less those in both: three unpublished
/// counts make that an equation, so no witness puts the year below a half or above their sum.
#[test]
fn a_years_schools_with_a_case_are_its_halves_less_those_in_both() {
    // (month, place, category, channel, outcome (3 confirmed use), classified, decided,
    // named): school 111 has cases in both halves, school 112 in the first only.
    let t: Vec<Tip> = vec![
        (2, 0, 0, 0, 3, 1, 1, true),
        (8, 0, 0, 0, 3, 1, 1, true),
        (3, 1, 0, 0, 3, 1, 1, true),
    ];
    let dir = directory();
    let tree = crate::service::stats::frame::RegionTree::of(&dir);
    let tally = Tally::of(&counts(&t), &tree);
    let built = build::Builder::new(&tally, &tree, &dir, 11).products();
    let province = Place::Region(tree.province);
    let count = |t, attr| built.system.count(built.index[&(t, province, attr)]);
    assert_eq!(count(Time::Half(1), Attr::Schools), 2);
    assert_eq!(count(Time::Half(2), Attr::Schools), 1);
    assert_eq!(count(Time::Year, Attr::Schools), 2);
    assert_eq!(count(Time::Year, Attr::SchoolsIn([true, true])), 1);
    assert_eq!(count(Time::Year, Attr::SchoolsIn([true, false])), 1);
    assert_eq!(count(Time::Year, Attr::SchoolsIn([false, true])), 0);
    assert!(built.system.is_consistent());
}

/// The schools with a case are published exactly at the province and the former districts
/// (issue 18), while a commune's stays protected, and the tips stay protected around them.
#[test]
fn schools_with_a_case_are_exact_above_the_communes() {
    // School 111 has a confirmed case in February; 14 other tips in commune 21.
    let mut t: Vec<Tip> = vec![(2, 0, 0, 0, 3, 1, 1, true)];
    t.extend(std::iter::repeat_n((3, 2, 1, 0, 9, 2, 2, false), 14));
    let dir = directory();
    let frame = YearFrame::build(2026, &counts(&t), &dir, 11);
    for time in [Time::Half(1), Time::Year] {
        for (place, n) in [(PROVINCE, 1), (DISTRICTS[0], 1), (DISTRICTS[1], 0)] {
            let cell = frame.cell((time, Place::Region(place), Attr::Schools));
            assert_eq!(cell.and_then(|c| c.count), Some(n), "{time:?} {place}");
        }
        let commune = frame.cell((time, Place::Region(11), Attr::Schools));
        assert!(
            commune.is_none_or(|c| c.suppressed),
            "{time:?}: {commune:?}"
        );
    }
    let h2 = frame.cell((Time::Half(2), Place::Region(PROVINCE), Attr::Schools));
    assert_eq!(h2.and_then(|c| c.count), Some(0));
    // The one confirmed tip is still below k wherever it is counted.
    let confirmed = (Time::Half(1), Place::Region(DISTRICTS[0]), Attr::Outcome(3));
    assert!(frame.cell(confirmed).is_none_or(|c| c.suppressed));
    assert!(
        attack(&frame, &review_equations(&dir))
            .iter()
            .all(|key| { frame.cell(*key).is_none_or(|c| !c.suppressed) })
    );
}
