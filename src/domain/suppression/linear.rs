//! The equations over the hidden counts, reduced (Gauss–Jordan), to find how hidden counts
//! can move together without changing anything published.
//!
//! Each equation `total − Σ parts = (published values)` is a row over the unknown nodes.
//! After elimination, each free column gives a direction of the null space: move it by one
//! and every pivot that depends on it by minus its coefficient. `system.rs` turns such a
//! direction into a witness (another data set that every published count agrees with) after
//! checking it exactly in integers, so the modular arithmetic here (modulo the prime
//! 2^61 − 1, so coefficients never grow) can only miss a witness, never invent one.
//!
//! Rows are sparse and eliminated shortest first, pivoting on the column in fewest rows, so
//! a row with one unknown (a count given away by one equation) is settled at once and tree-
//! shaped parts of the system cause no fill-in.

use super::system::Equation;
use rustc_hash::FxHashSet;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

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

/// The equations over the unknowns in reduced row echelon form: each pivot column appears in
/// its own row only, so a row reads "pivot = constant − Σ coefficient · free column".
pub(super) struct Reduced {
    rows: Vec<Row>,
    /// The row whose pivot each column is.
    pivot_row: Vec<Option<usize>>,
    /// The rows each column appears in.
    in_rows: Vec<FxHashSet<usize>>,
}

/// A coefficient read back as a small integer (|v| ≤ 64), if it is one.
fn small(v: u64) -> Option<i64> {
    const MAX: u64 = 64;
    if v <= MAX {
        Some(v as i64)
    } else if P - v <= MAX {
        Some(-((P - v) as i64))
    } else {
        None
    }
}

impl Reduced {
    /// Eliminates the `unknown` nodes (of `n`) from `equations`.
    pub(super) fn new(n: usize, unknown: &[bool], equations: &[Equation]) -> Reduced {
        let mut rows: Vec<Row> = equations
            .iter()
            .map(|eq| row_of(eq, unknown))
            .filter(|r| !r.is_empty())
            .collect();
        let mut in_rows: Vec<FxHashSet<usize>> = vec![FxHashSet::default(); n];
        for (r, row) in rows.iter().enumerate() {
            for &(c, _) in row {
                in_rows[c].insert(r);
            }
        }
        let mut pivot_row = vec![None; n];
        let mut is_pivot_row = vec![false; rows.len()];
        let mut heap: BinaryHeap<Reverse<(usize, usize)>> = rows
            .iter()
            .enumerate()
            .map(|(r, row)| Reverse((row.len(), r)))
            .collect();
        while let Some(Reverse((len, r))) = heap.pop() {
            if is_pivot_row[r] || rows[r].len() != len || rows[r].is_empty() {
                continue; // stale entry, or a row that turned out dependent
            }
            // Pivot on the column of this row that the fewest other rows share.
            let Some(&(col, v)) = rows[r].iter().min_by_key(|&&(c, _)| (in_rows[c].len(), c))
            else {
                continue;
            };
            is_pivot_row[r] = true;
            pivot_row[col] = Some(r);
            // Scale the pivot to 1, so that the other coefficients read as small integers.
            let inv = inverse(v);
            let pivot: Row = rows[r].iter().map(|&(c, x)| (c, mul(x, inv))).collect();
            rows[r] = Vec::new();
            let others: Vec<usize> = in_rows[col].iter().copied().filter(|&o| o != r).collect();
            for o in others {
                let Some(&(_, x)) = rows[o].iter().find(|&&(c, _)| c == col) else {
                    continue;
                };
                let after = combine(&rows[o], x, &pivot);
                for &(c, _) in &rows[o] {
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
        Reduced {
            rows,
            pivot_row,
            in_rows,
        }
    }

    /// Whether unknown `col` is fixed by the equations alone (its row holds no free column).
    pub(super) fn determined(&self, col: usize) -> bool {
        self.pivot_row
            .get(col)
            .copied()
            .flatten()
            .is_some_and(|r| self.rows[r].len() == 1)
    }

    /// The free columns that `col` depends on (itself, when it is free).
    pub(super) fn freedoms(&self, col: usize) -> Vec<usize> {
        match self.pivot_row.get(col).copied().flatten() {
            Some(r) => self.rows[r]
                .iter()
                .map(|&(c, _)| c)
                .filter(|&c| c != col)
                .collect(),
            None => vec![col],
        }
    }

    /// The direction in which the unknowns can move together when free column `free` moves by
    /// one (a vector of the null space), if its coefficients are small integers: `free` +1,
    /// each pivot that depends on it −coefficient.
    pub(super) fn direction(&self, free: usize) -> Option<Vec<(usize, i64)>> {
        if self.pivot_row.get(free).copied().flatten().is_some() {
            return None;
        }
        let mut out = vec![(free, 1)];
        for &r in self.in_rows.get(free)? {
            let row = &self.rows[r];
            let pivot = self.pivot_row_col(r)?;
            let (_, a) = row.iter().find(|&&(c, _)| c == free)?;
            out.push((pivot, -small(*a)?));
        }
        Some(out)
    }

    /// The pivot column of row `r`: the one column of the row that is a pivot.
    fn pivot_row_col(&self, r: usize) -> Option<usize> {
        self.rows[r]
            .iter()
            .map(|&(c, _)| c)
            .find(|&c| self.pivot_row[c] == Some(r))
    }
}
