//! Tests of `suppression`: the R21 properties over random trees and tables, and a brute-force
//! attacker that tries every assignment of the hidden cells consistent with what is shown.

#![allow(clippy::needless_range_loop)] // nodes are indices into several vectors

use super::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

/// A random tree from a spec: node 0 is the root; each entry hangs under one of the totals so
/// far (chosen by `pick`) and is a total or a leaf with `count`. Every node is published.
pub(super) fn tree(spec: &[(usize, u64, bool)]) -> System {
    let mut parent = vec![None];
    let mut own = vec![0u64];
    let mut is_total = vec![true];
    let mut totals = vec![0usize];
    for &(pick, count, total) in spec {
        let id = parent.len();
        parent.push(Some(totals[pick % totals.len()]));
        own.push(if total { 0 } else { count });
        is_total.push(total);
        if total {
            totals.push(id);
        }
    }
    let mut count = own.clone();
    for i in (1..parent.len()).rev() {
        if let Some(p) = parent[i] {
            count[p] += count[i];
        }
    }
    let mut sys = System::new();
    for &c in &count {
        sys.node(c, true);
    }
    for &t in &totals {
        let kids: Vec<usize> = (0..parent.len())
            .filter(|&i| parent[i] == Some(t))
            .collect();
        sys.equation(t, kids);
    }
    sys
}

pub(super) fn spec(
    max_nodes: usize,
    max_count: u64,
) -> impl Strategy<Value = Vec<(usize, u64, bool)>> {
    prop::collection::vec(
        (0usize..8, 0..=max_count, prop::bool::weighted(0.25)),
        1..max_nodes,
    )
}

/// A table of `cells` (rows × columns) with its row totals, column totals and grand total:
/// the shape of "months × communes" with "each month's province total" and "each commune's
/// half year". Returns the system and the cell nodes.
fn table(cells: &[Vec<u64>]) -> (System, Vec<Vec<usize>>) {
    let mut sys = System::new();
    let cols = cells.first().map_or(0, Vec::len);
    let ids: Vec<Vec<usize>> = cells
        .iter()
        .map(|row| row.iter().map(|&c| sys.node(c, true)).collect())
        .collect();
    let rows: Vec<usize> = cells
        .iter()
        .map(|r| sys.node(r.iter().sum(), true))
        .collect();
    let columns: Vec<usize> = (0..cols)
        .map(|j| sys.node(cells.iter().map(|r| r[j]).sum(), true))
        .collect();
    let grand = sys.node(cells.iter().flatten().sum(), true);
    for (i, row) in ids.iter().enumerate() {
        sys.equation(rows[i], row.clone());
    }
    for j in 0..cols {
        sys.equation(columns[j], ids.iter().map(|r| r[j]).collect());
    }
    sys.equation(grand, rows);
    sys.equation(grand, columns);
    (sys, ids)
}

/// Every value each node can take for an attacker who sees the shown counts and knows the
/// equations: tries every assignment
/// of the hidden leaves (nodes that are no equation's total) up to `bound`, derives the
/// totals, and keeps the assignments that agree with everything shown.
pub(super) fn brute_force(sys: &System, suppressed: &[bool], bound: u64) -> Vec<BTreeSet<u64>> {
    let n = sys.len();
    let is_total: Vec<bool> = (0..n)
        .map(|i| sys.equations().iter().any(|e| e.total == i))
        .collect();
    let shown = |i: usize| sys.is_published(i) && !suppressed[i];
    let unknown: Vec<usize> = (0..n).filter(|&i| !is_total[i] && !shown(i)).collect();
    let mut values: Vec<u64> = (0..n).map(|i| sys.count(i)).collect();
    let mut seen = vec![BTreeSet::new(); n];
    let mut stack = vec![0u64; unknown.len()];
    loop {
        for (slot, &leaf) in unknown.iter().enumerate() {
            values[leaf] = stack[slot];
        }
        // Totals from parts, repeated until every total has a value (equations are acyclic).
        for _ in 0..n {
            for e in sys.equations() {
                values[e.total] = e.parts.iter().map(|&p| values[p]).sum();
            }
        }
        let agrees = sys
            .equations()
            .iter()
            .all(|e| values[e.total] == e.parts.iter().map(|&p| values[p]).sum::<u64>())
            && (0..n).all(|i| !shown(i) || values[i] == sys.count(i));
        if agrees {
            for i in 0..n {
                seen[i].insert(values[i]);
            }
        }
        // Next assignment (odometer).
        let mut slot = 0;
        loop {
            if slot == stack.len() {
                return seen;
            }
            stack[slot] += 1;
            if stack[slot] <= bound {
                break;
            }
            stack[slot] = 0;
            slot += 1;
        }
    }
}

fn hidden_in(eq: &Equation, suppressed: &[bool]) -> usize {
    eq.nodes().filter(|&e| suppressed[e]).count()
}

fn assert_safe(sys: &System, suppressed: &[bool], k: u64, bound: u64) -> Result<(), TestCaseError> {
    let possible = brute_force(sys, suppressed, bound);
    for i in 0..sys.len() {
        prop_assert!(possible[i].contains(&sys.count(i)), "the truth is possible");
        let small = sys.count(i) > 0 && sys.count(i) < k;
        if suppressed[i] || (!sys.is_published(i) && small) {
            prop_assert!(
                possible[i].len() >= 2,
                "node {i} (true {}) pinned to {:?}; suppressed {:?}",
                sys.count(i),
                possible[i],
                suppressed
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_published_count_is_zero_or_at_least_k(s in spec(14, 30), k in 3u64..12) {
        let sys = tree(&s);
        prop_assert!(sys.is_consistent());
        let suppressed = sys.protect(k);
        for i in 0..sys.len() {
            let c = sys.count(i);
            prop_assert!(suppressed[i] || c == 0 || c >= k, "node {i} = {c} published at k={k}");
        }
    }

    #[test]
    fn no_total_with_its_cells_has_exactly_one_suppressed_entry(s in spec(14, 30), k in 3u64..12) {
        let sys = tree(&s);
        let suppressed = sys.protect(k);
        for eq in sys.equations() {
            prop_assert_ne!(hidden_in(eq, &suppressed), 1, "equation {:?}", eq);
        }
    }

    #[test]
    fn no_row_or_column_of_a_table_has_exactly_one_suppressed_entry(
        cells in prop::collection::vec(prop::collection::vec(0u64..25, 4), 1..6),
        k in 3u64..12,
    ) {
        let (sys, _) = table(&cells);
        let suppressed = sys.protect(k);
        for eq in sys.equations() {
            prop_assert_ne!(hidden_in(eq, &suppressed), 1, "equation {:?}", eq);
        }
        prop_assert!(none_linearly_determined(&sys, &suppressed));
    }
}

proptest! {
    // The solver is exponential: small systems, small counts, fewer cases.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn a_brute_force_attacker_cannot_pin_any_suppressed_cell_of_a_tree(
        s in spec(9, 7), k in 2u64..6,
    ) {
        let sys = tree(&s);
        let suppressed = sys.protect(k);
        let bound = (0..sys.len()).map(|i| sys.count(i)).max().unwrap_or(0) + 1;
        let possible = brute_force(&sys, &suppressed, bound);
        for i in 0..sys.len() {
            prop_assert!(possible[i].contains(&sys.count(i)));
            if suppressed[i] {
                prop_assert!(possible[i].len() >= 2, "node {i} pinned: {:?}", possible[i]);
            }
        }
    }

    #[test]
    fn a_brute_force_attacker_cannot_pin_any_suppressed_cell_of_a_table(
        cells in prop::collection::vec(prop::collection::vec(0u64..3, 3), 2..=3),
    ) {
        // k = 3 with counts below 3: every non-zero cell is small, the hard case.
        let (sys, _) = table(&cells);
        let suppressed = sys.protect(3);
        assert_safe(&sys, &suppressed, 3, 3)?;
    }
}

#[test]
fn two_ones_under_a_published_total_hide_each_other() {
    // 1 + 1 + 20 = 22: the hidden pair adds up to 2, which 0 + 2 and 2 + 0 also do (a
    // suppressed count may be 0), so neither is pinned and the 20 stays.
    let sys = tree(&[(0, 1, false), (0, 1, false), (0, 20, false)]);
    let suppressed = sys.protect(11);
    assert_eq!(suppressed, [false, true, true, false]);
    // A lone 1 beside a 0: the 0 is the cheapest complement.
    let sys = tree(&[(0, 1, false), (0, 0, false), (0, 20, false)]);
    assert_eq!(sys.protect(11), [false, true, true, false]);
}

#[test]
fn a_lone_small_cell_takes_the_smallest_other_cell_with_it() {
    let sys = tree(&[(0, 3, false), (0, 12, false), (0, 40, false)]);
    assert_eq!(sys.protect(11), [false, true, true, false]);
}

/// The review's finding: a month hidden in one table, its five sibling months published, and
/// the half year published in the report. Protected alone, the month table gives the month
/// away; protected as one system, it does not.
#[test]
fn a_month_cannot_be_recovered_from_the_half_year_and_its_siblings() {
    let months = [14u64, 3, 20, 12, 18, 25];
    let mut sys = System::new();
    let ids: Vec<usize> = months.iter().map(|&m| sys.node(m, true)).collect();
    let half = sys.node(months.iter().sum(), true);
    sys.equation(half, ids.clone());
    let suppressed = sys.protect(11);
    assert!(suppressed[ids[1]]);
    assert!(suppressed.iter().filter(|&&s| s).count() >= 2);
    assert!(sys.pinned(&suppressed).iter().all(|p| !p));
}

/// Two cycles of hidden cells joined by one: every line holds two hidden cells, yet the
/// joining cell is the sum of one side's equations. Only the linear check sees it.
#[test]
fn the_linear_check_finds_a_cell_no_single_equation_gives_away() {
    // Rows r0..r3 and columns c0..c3 of a table whose margins are all published; hidden
    // cells (r0,c0) (r0,c1) (r1,c0) (r1,c1) form one cycle, (r2,c2) (r2,c3) (r3,c2) (r3,c3)
    // another, and (r1,c2) joins them.
    const HIDDEN: [(usize, usize); 9] = [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
        (2, 2),
        (2, 3),
        (3, 2),
        (3, 3),
        (1, 2),
    ];
    let mut cells = vec![vec![20u64; 4]; 4];
    for (r, c) in HIDDEN {
        cells[r][c] = 12;
    }
    let (sys, ids) = table(&cells);
    let mut suppressed = vec![false; sys.len()];
    for (r, c) in HIDDEN {
        suppressed[ids[r][c]] = true;
    }
    for eq in sys.equations() {
        assert_ne!(hidden_in(eq, &suppressed), 1);
    }
    let pinned = sys.pinned(&suppressed);
    assert!(pinned[ids[1][2]], "the bridge is determined");
    assert!(!pinned[ids[0][0]], "cells on a cycle are not");
    let protected = sys.protect(11);
    assert!(
        sys.pinned(&protected)
            .iter()
            .zip(&protected)
            .all(|(p, s)| !(p & s))
    );
}

#[test]
fn an_unpublished_small_aggregate_is_protected_too() {
    // A quarter no table shows (3 + 4 = 7 < 11) inside a published half year whose other
    // quarter is the sum of published months: the quarter must not be worked out.
    let mut sys = System::new();
    let m = [3u64, 4, 0, 12, 12, 12].map(|c| sys.node(c, true));
    let q1 = sys.node(7, false);
    let q2 = sys.node(36, false);
    let h1 = sys.node(43, true);
    sys.equation(q1, m[..3].to_vec());
    sys.equation(q2, m[3..].to_vec());
    sys.equation(h1, vec![q1, q2]);
    let suppressed = sys.protect(11);
    let pinned = sys.pinned(&suppressed);
    assert!(!pinned[q1], "suppressed {suppressed:?}");
}

#[test]
fn small_schools_are_pooled() {
    let (listed, count, members) = pool(vec![("a", 12), ("b", 3), ("c", 0), ("d", 11)], 11);
    assert_eq!(listed, vec![("a", 12), ("d", 11)]);
    assert_eq!((count, members), (3, 2));
}

/// Found by the property below: the fresh witness search of `pinned` missed a witness the
/// protection had found with fewer cells hidden (a 2 × 2 rectangle through two hidden zeros).
/// The cells are not pinned: the rectangle is a witness, and no linear combination of the
/// shown counts gives them.
#[test]
fn hidden_zeros_with_a_rectangle_witness_are_not_pinned() {
    let cells = vec![
        vec![5, 0, 0, 13],
        vec![11, 1, 0, 1],
        vec![0, 5, 1, 11],
        vec![5, 0, 0, 11],
        vec![11, 11, 11, 5],
    ];
    let (sys, ids) = table(&cells);
    let suppressed = sys.protect(3);
    assert!(none_linearly_determined(&sys, &suppressed));
    // (1,2) +1, (2,2) −1, (1,3) −1, (2,3) +1: rows and columns keep their sums.
    let rectangle = vec![
        (ids[1][2], 1),
        (ids[2][2], -1),
        (ids[1][3], -1),
        (ids[2][3], 1),
    ];
    assert!(rectangle.iter().all(|&(c, _)| suppressed[c]));
    assert!(sys.is_witness(&rectangle, ids[1][2]));
}

/// Whether no hidden count follows from the shown ones by the equations (exactly, over the
/// rationals: the attacker's linear algebra, whatever the witness search finds).
fn none_linearly_determined(sys: &System, suppressed: &[bool]) -> bool {
    let reduced = super::linear::Reduced::new(sys.len(), suppressed, sys.equations());
    (0..sys.len()).all(|i| !suppressed[i] || !reduced.determined(i))
}
