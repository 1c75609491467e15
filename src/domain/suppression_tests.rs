//! Tests of `suppression`: the R21 properties over random frames, and a brute-force attacker
//! that tries every assignment of the suppressed cells consistent with what is published.

#![allow(clippy::needless_range_loop)] // nodes are indices into several vectors

use super::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

/// Builds a random tree: node 0 is the root total; each further node hangs under one of the
/// totals so far (chosen by `pick`) and is a total or a leaf with `count`.
fn build(spec: &[(usize, u64, bool)]) -> Frame {
    let mut frame = Frame::new();
    let mut totals = vec![frame.total(None)];
    for &(pick, count, is_total) in spec {
        let parent = totals[pick % totals.len()];
        if is_total {
            totals.push(frame.total(Some(parent)));
        } else {
            frame.leaf(Some(parent), count);
        }
    }
    frame
}

fn spec(max_nodes: usize, max_count: u64) -> impl Strategy<Value = Vec<(usize, u64, bool)>> {
    prop::collection::vec(
        (0usize..8, 0..=max_count, prop::bool::weighted(0.25)),
        1..max_nodes,
    )
}

/// Every value each node can take, for an attacker who sees the published counts and knows
/// that a suppressed count is at least 1: tries every assignment of the suppressed leaves
/// (up to the smallest published total above them), derives the totals and keeps the
/// assignments that agree with everything published.
fn brute_force(frame: &Frame, suppressed: &[bool]) -> Vec<BTreeSet<u64>> {
    let n = frame.len();
    let leaves: Vec<usize> = (0..n).filter(|&i| frame.children(i).is_empty()).collect();
    let unknown: Vec<usize> = leaves.iter().copied().filter(|&i| suppressed[i]).collect();
    let grand: u64 = (0..n)
        .filter(|&i| frame.parent(i).is_none())
        .map(|i| frame.count(i))
        .sum();
    let bound = |leaf: usize| {
        let mut bound = grand + 2;
        let mut up = frame.parent(leaf);
        while let Some(p) = up {
            if !suppressed[p] {
                bound = bound.min(frame.count(p));
            }
            up = frame.parent(p);
        }
        bound
    };
    let bounds: Vec<u64> = unknown.iter().map(|&l| bound(l)).collect();
    let mut seen = vec![BTreeSet::new(); n];
    let mut values: Vec<u64> = (0..n).map(|i| frame.count(i)).collect();
    search(
        frame,
        suppressed,
        &unknown,
        &bounds,
        0,
        &mut values,
        &mut seen,
    );
    seen
}

fn search(
    frame: &Frame,
    suppressed: &[bool],
    unknown: &[usize],
    bounds: &[u64],
    at: usize,
    values: &mut [u64],
    seen: &mut [BTreeSet<u64>],
) {
    let n = frame.len();
    // Totals from the leaves as assigned so far (unassigned unknown leaves count 0).
    let mut totals = values.to_vec();
    for i in (0..n).rev() {
        if !frame.children(i).is_empty() {
            totals[i] = frame.children(i).iter().map(|&c| totals[c]).sum();
        }
    }
    // Prune: a published total is already exceeded.
    if (0..n).any(|i| !suppressed[i] && totals[i] > frame.count(i)) {
        return;
    }
    if at == unknown.len() {
        let consistent = (0..n).all(|i| {
            if suppressed[i] {
                totals[i] >= 1
            } else {
                totals[i] == frame.count(i)
            }
        });
        if consistent {
            for i in 0..n {
                seen[i].insert(totals[i]);
            }
        }
        return;
    }
    for v in 1..=bounds[at] {
        values[unknown[at]] = v;
        search(frame, suppressed, unknown, bounds, at + 1, values, seen);
    }
    values[unknown[at]] = 0;
}

fn unknowns_in(eq: &(usize, Vec<usize>), suppressed: &[bool]) -> usize {
    std::iter::once(eq.0)
        .chain(eq.1.iter().copied())
        .filter(|&e| suppressed[e])
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_published_count_is_zero_or_at_least_k(s in spec(14, 30), k in 3u64..12) {
        let frame = build(&s);
        let suppressed = frame.protect(k);
        for i in 0..frame.len() {
            let c = frame.count(i);
            prop_assert!(suppressed[i] || c == 0 || c >= k, "node {i} = {c} published at k={k}");
            prop_assert!(!suppressed[i] || c > 0, "a zero was suppressed");
        }
    }

    #[test]
    fn no_total_with_its_cells_has_exactly_one_suppressed_entry(s in spec(14, 30), k in 3u64..12) {
        let frame = build(&s);
        let suppressed = frame.protect(k);
        for eq in frame.equations() {
            prop_assert_ne!(unknowns_in(&eq, &suppressed), 1, "equation {:?}", eq);
        }
    }

    #[test]
    fn links_between_trees_never_hold_exactly_one_suppressed_entry(
        a in prop::collection::vec(0u64..25, 1..6),
        b in prop::collection::vec(0u64..25, 1..6),
        k in 3u64..12,
    ) {
        // Two breakdowns of the same total (by category, by channel), linked at the root.
        let mut frame = Frame::new();
        let ra = frame.total(None);
        for &c in &a { frame.leaf(Some(ra), c); }
        let rb = frame.total(None);
        let sum_a: u64 = a.iter().sum();
        let sum_b: u64 = b.iter().sum();
        // Make both add up to the same total, as they do in the data.
        for &c in &b { frame.leaf(Some(rb), c); }
        if sum_a > sum_b { frame.leaf(Some(rb), sum_a - sum_b); }
        if sum_b > sum_a { frame.leaf(Some(ra), sum_b - sum_a); }
        frame.link(ra, frame.children(rb).to_vec());
        frame.link(rb, frame.children(ra).to_vec());
        let suppressed = frame.protect(k);
        for eq in frame.equations() {
            prop_assert_ne!(unknowns_in(&eq, &suppressed), 1, "equation {:?}", eq);
        }
    }
}

proptest! {
    // The solver is exponential: small trees, small counts, fewer cases.
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn a_brute_force_attacker_cannot_pin_any_suppressed_cell(s in spec(9, 7), k in 2u64..6) {
        let frame = build(&s);
        let suppressed = frame.protect(k);
        let possible = brute_force(&frame, &suppressed);
        for i in 0..frame.len() {
            prop_assert!(possible[i].contains(&frame.count(i)), "the truth is possible");
            if suppressed[i] {
                prop_assert!(
                    possible[i].len() >= 2,
                    "node {i} (true {}) pinned to {:?}; counts {:?} suppressed {:?}",
                    frame.count(i), possible[i],
                    (0..frame.len()).map(|j| frame.count(j)).collect::<Vec<_>>(), suppressed
                );
            }
        }
    }

    #[test]
    fn ranges_are_exactly_what_the_attacker_can_work_out(s in spec(9, 7), k in 2u64..6) {
        let frame = build(&s);
        let suppressed = frame.protect(k);
        let possible = brute_force(&frame, &suppressed);
        let ranges = frame.ranges(&suppressed);
        for i in 0..frame.len() {
            let lo = possible[i].iter().next().copied();
            prop_assert_eq!(Some(ranges[i].lo), lo, "lower bound of node {}", i);
            if let Some(hi) = ranges[i].hi {
                prop_assert_eq!(Some(hi), possible[i].iter().next_back().copied());
            }
        }
    }
}

#[test]
fn two_ones_under_a_published_total_get_a_complement() {
    // 1 + 1 + 20 = 22: with the 1s alone suppressed, each would have to be 1.
    let mut frame = Frame::new();
    let root = frame.total(None);
    let a = frame.leaf(Some(root), 1);
    let b = frame.leaf(Some(root), 1);
    let c = frame.leaf(Some(root), 20);
    let suppressed = frame.protect(11);
    assert!(suppressed[a] && suppressed[b]);
    assert!(suppressed[c], "the 20 hides how the 22 splits");
    assert!(!suppressed[root]);
}

#[test]
fn a_lone_small_cell_takes_the_smallest_other_cell_with_it() {
    let mut frame = Frame::new();
    let root = frame.total(None);
    let small = frame.leaf(Some(root), 3);
    let mid = frame.leaf(Some(root), 12);
    let big = frame.leaf(Some(root), 40);
    let zero = frame.leaf(Some(root), 0);
    let suppressed = frame.protect(11);
    assert_eq!(
        [small, mid, big, zero, root].map(|i| suppressed[i]),
        [true, true, false, false, false]
    );
}

#[test]
fn a_district_hidden_as_a_complement_hides_one_of_its_communes_too() {
    let mut frame = Frame::new();
    let province = frame.total(None);
    let d1 = frame.total(Some(province));
    let d2 = frame.total(Some(province));
    frame.leaf(Some(d1), 5);
    frame.leaf(Some(d1), 30);
    let c21 = frame.leaf(Some(d2), 14);
    let c22 = frame.leaf(Some(d2), 15);
    let suppressed = frame.protect(11);
    let ranges = frame.ranges(&suppressed);
    for i in 0..frame.len() {
        assert!(!suppressed[i] || !ranges[i].is_point(), "node {i} pinned");
    }
    assert!(!suppressed[province]);
    let _ = (d2, c21, c22);
}

#[test]
fn small_schools_are_pooled() {
    let (listed, count, members) = pool(vec![("a", 12), ("b", 3), ("c", 0), ("d", 11)], 11);
    assert_eq!(listed, vec![("a", 12), ("d", 11)]);
    assert_eq!((count, members), (3, 2));
}
