//! Which unknown counts any linear combination of the equations determines.
//!
//! Each equation `total − Σ parts = (published values)` is a row over the unknown nodes. An
//! unknown is determined exactly when its unit vector lies in the row space; after
//! Gauss–Jordan elimination that is a pivot whose row holds no other unknown. The arithmetic
//! is modulo the prime 2^61 − 1, so coefficients never grow. A rank that drops only modulo
//! the prime could make us call a count determined that is not (more suppression, never
//! less); the opposite needs the prime to divide a determinant of the system, which for
//! 0/±1 rows of this size is not a practical event.
//!
//! Rows are sparse and eliminated shortest first, pivoting on the column in fewest rows, so
//! a row with one unknown (a count given away by one equation) is settled at once and tree-
//! shaped parts of the system cause no fill-in.

use super::system::Equation;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

const P: u64 = (1 << 61) - 1;

fn mul(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(P)) as u64
}

fn sub(a: u64, b: u64) -> u64 {
    if a >= b { a - b } else { a + P - b }
}

fn inverse(a: u64) -> u64 {
    // Fermat: a^(P−2).
    let (mut base, mut exp, mut acc) = (a, P - 2, 1u64);
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul(acc, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    acc
}

/// A sparse row: (column, coefficient ≠ 0), sorted by column.
type Row = Vec<(usize, u64)>;

/// `row − f · pivot`, dropping zeros.
fn combine(row: &Row, f: u64, pivot: &Row) -> Row {
    let mut out = Vec::with_capacity(row.len() + pivot.len());
    let (mut i, mut j) = (0, 0);
    while i < row.len() || j < pivot.len() {
        let (c, v) = match (row.get(i), pivot.get(j)) {
            (Some(&(a, x)), Some(&(b, y))) if a == b => {
                i += 1;
                j += 1;
                (a, sub(x, mul(f, y)))
            }
            (Some(&(a, x)), Some(&(b, _))) if a < b => {
                i += 1;
                (a, x)
            }
            (Some(&(a, x)), None) => {
                i += 1;
                (a, x)
            }
            (_, Some(&(b, y))) => {
                j += 1;
                (b, sub(0, mul(f, y)))
            }
            (None, None) => break,
        };
        if v != 0 {
            out.push((c, v));
        }
    }
    out
}

/// The row of `eq` over the unknown nodes (published, known counts drop out).
fn row_of(eq: &Equation, unknown: &[bool]) -> Row {
    let mut row: Row = eq
        .nodes()
        .enumerate()
        .filter(|&(_, node)| unknown.get(node).copied().unwrap_or(false))
        .map(|(i, node)| (node, if i == 0 { 1 } else { P - 1 }))
        .collect();
    row.sort_unstable_by_key(|&(c, _)| c);
    row
}

/// For each of `n` nodes: whether it is unknown and yet determined by the equations.
pub(super) fn determined(n: usize, unknown: &[bool], equations: &[Equation]) -> Vec<bool> {
    let mut rows: Vec<Row> = equations
        .iter()
        .map(|eq| row_of(eq, unknown))
        .filter(|r| !r.is_empty())
        .collect();
    let mut in_rows: Vec<HashSet<usize>> = vec![HashSet::new(); n];
    for (r, row) in rows.iter().enumerate() {
        for &(c, _) in row {
            in_rows[c].insert(r);
        }
    }
    let mut is_pivot_row = vec![false; rows.len()];
    let mut heap: BinaryHeap<Reverse<(usize, usize)>> = rows
        .iter()
        .enumerate()
        .map(|(r, row)| Reverse((row.len(), r)))
        .collect();
    while let Some(Reverse((len, r))) = heap.pop() {
        if is_pivot_row[r] || rows[r].len() != len {
            continue; // stale entry: the row changed since
        }
        if rows[r].is_empty() {
            continue; // a dependent row
        }
        // Pivot on the column of this row that the fewest other rows share.
        let Some(&(col, v)) = rows[r].iter().min_by_key(|&&(c, _)| (in_rows[c].len(), c)) else {
            continue;
        };
        is_pivot_row[r] = true;
        let inv = inverse(v);
        let pivot = std::mem::take(&mut rows[r]);
        let others: Vec<usize> = in_rows[col].iter().copied().filter(|&o| o != r).collect();
        for o in others {
            let Some(&(_, x)) = rows[o].iter().find(|&&(c, _)| c == col) else {
                continue;
            };
            let before: Vec<usize> = rows[o].iter().map(|&(c, _)| c).collect();
            let after = combine(&rows[o], mul(x, inv), &pivot);
            for c in before {
                in_rows[c].remove(&o);
            }
            for &(c, _) in &after {
                in_rows[c].insert(o);
            }
            rows[o] = after;
            if !is_pivot_row[o] {
                heap.push(Reverse((rows[o].len(), o)));
            }
        }
        rows[r] = pivot;
    }
    let mut out = vec![false; n];
    for (r, row) in rows.iter().enumerate() {
        if is_pivot_row[r] && row.len() == 1 {
            out[row[0].0] = true;
        }
    }
    out
}
