//! Tests of exact counts (`System::disclose`, issue 18): shown whatever their size, kept by
//! every witness, and what they give away by themselves does not withhold the rest.

use super::System;
use super::tests::{brute_force, spec, tree};
use proptest::prelude::*;

/// P = D1 + D2; D1 = c1 + c2; D2 = c3 + c4: a province of two districts of two communes.
fn province(communes: [u64; 4]) -> (System, [usize; 3], [usize; 4]) {
    let mut sys = System::new();
    let c = communes.map(|n| sys.node(n, true));
    let d1 = sys.node(communes[0] + communes[1], true);
    let d2 = sys.node(communes[2] + communes[3], true);
    let p = sys.node(communes.iter().sum(), true);
    sys.equation(d1, vec![c[0], c[1]]);
    sys.equation(d2, vec![c[2], c[3]]);
    sys.equation(p, vec![d1, d2]);
    for d in [p, d1, d2] {
        sys.disclose(d);
    }
    (sys, [p, d1, d2], c)
}

#[test]
fn disclosed_small_totals_are_shown_and_their_small_parts_are_not_pinned() {
    let (sys, totals, communes) = province([1, 0, 2, 1]);
    let suppressed = sys.protect(11);
    for t in totals {
        assert!(
            !suppressed[t],
            "a disclosed count is shown whatever its size"
        );
    }
    for c in communes {
        assert!(suppressed[c], "commune {c} is below k or a complement");
    }
    let possible = brute_force(&sys, &suppressed, 4);
    for c in communes {
        assert!(possible[c].len() >= 2, "commune {c}: {:?}", possible[c]);
    }
}

#[test]
fn a_witness_never_moves_a_disclosed_count() {
    // D1 = 1 is disclosed; c1 = 1 beside c2 = 0 is a witness pair (0 + 1), but the move
    // c1 − 1, c3 + 1 would change D1 and D2: only moves inside a district are witnesses.
    let (sys, [_, d1, d2], [c1, _, c3, _]) = province([1, 0, 12, 15]);
    assert!(!sys.is_witness(&[(c1, -1), (c3, 1), (d1, -1), (d2, 1)], c1));
    assert!(sys.is_exact(d1) && sys.is_exact(d2));
}

#[test]
fn a_count_the_disclosed_ones_pin_stays_hidden_and_does_not_withhold_the_rest() {
    // Each commune has one school and both have a case: the district's disclosed 2 pins
    // both. No complement can help; the unrelated table beside them is still published.
    let mut sys = System::new();
    let c1 = sys.node(1, true);
    let c2 = sys.node(1, true);
    sys.bound(c1, 0, Some(1));
    sys.bound(c2, 0, Some(1));
    let d = sys.node(2, true);
    sys.equation(d, vec![c1, c2]);
    sys.disclose(d);
    let (a, b) = (sys.node(20, true), sys.node(30, true));
    let t = sys.node(50, true);
    sys.equation(t, vec![a, b]);
    let suppressed = sys.protect(11);
    assert!(suppressed[c1] && suppressed[c2], "still shown as below k");
    assert!(!suppressed[d]);
    assert!(
        !suppressed[a] && !suppressed[b] && !suppressed[t],
        "{suppressed:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// With the root of a random tree disclosed: it is shown, every other shown count is 0
    /// or at least k, and a brute-force attacker pins no suppressed count that the root
    /// does not pin by itself (with everything else hidden).
    #[test]
    fn a_brute_force_attacker_pins_nothing_the_disclosed_root_does_not(
        // The attacker here tries every value of every leaf (and then of the leaves hidden
        // only by the protection): small trees, small counts.
        s in spec(7, 4), k in 2u64..5,
    ) {
        let mut sys = tree(&s);
        sys.disclose(0);
        let suppressed = sys.protect(k);
        prop_assert!(!suppressed[0]);
        let bound = (0..sys.len()).map(|i| sys.count(i)).max().unwrap_or(0) + 1;
        let everything: Vec<bool> = (0..sys.len()).map(|i| !sys.is_exact(i)).collect();
        let alone = brute_force(&sys, &everything, bound);
        let possible = brute_force(&sys, &suppressed, bound);
        for i in 1..sys.len() {
            let c = sys.count(i);
            prop_assert!(suppressed[i] || c == 0 || c >= k, "node {i} = {c} shown at k={k}");
            prop_assert!(possible[i].contains(&c));
            if suppressed[i] && alone[i].len() >= 2 {
                prop_assert!(possible[i].len() >= 2, "node {i} pinned: {:?}", possible[i]);
            }
        }
    }
}
