//! Every table a copy, backup or restore moves beyond regions and schools, described once: its
//! columns and their kinds, its key, and its SQL for reading a page and inserting rows as they
//! are. One paging loop (`transfer`) moves them all, so a column added by a migration is copied
//! by adding it here (the contract test compares every column of both ends).
//!
//! Sessions and resend entries are not copied: both are short-lived, and a restored
//! installation should start with every staff member logged out. The installation record and
//! its key fingerprints travel separately, at the end of `transfer::copy`, because a target
//! that already belongs to another installation must refuse them.

use super::StoreError;
use super::db::{DbRow, Sql, Val};

/// How a column is read and bound.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Col {
    Text,
    OptText,
    Bytes,
    Int,
    OptInt,
    Bool,
    OptBool,
}

/// One value of a copied row, exactly as stored.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell {
    Text(String),
    OptText(Option<String>),
    Bytes(Vec<u8>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    OptBool(Option<bool>),
}

impl Cell {
    pub(crate) fn val(&self) -> Val<'_> {
        match self {
            Cell::Text(v) => Val::Text(v),
            Cell::OptText(v) => Val::OptText(v.as_deref()),
            Cell::Bytes(v) => Val::Bytes(v),
            Cell::Int(v) => Val::Int(*v),
            Cell::OptInt(v) => Val::OptInt(*v),
            Cell::Bool(v) => Val::Bool(*v),
            Cell::OptBool(v) => Val::OptBool(*v),
        }
    }
}

/// A table as copies see it. The first `key_len` columns are its primary key, in order.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub(crate) cols: &'static [Col],
    pub(crate) key_len: usize,
    /// `… ORDER BY key LIMIT $1`
    pub(crate) first: Sql,
    /// `… WHERE (key) > ($1, …) ORDER BY key LIMIT $n`
    pub(crate) after: Sql,
    /// `INSERT … ON CONFLICT DO NOTHING`
    pub(crate) insert: Sql,
    pub(crate) count: Sql,
}

/// Tables no copy moves, on purpose (see the module comment), besides sqlx's own.
/// The statistics counters are not copied either: `transfer::copy` recounts them from the
/// copied facts, so a copy can never carry counters that disagree with its facts.
pub const NOT_COPIED: [&str; 9] = [
    "sessions",
    "resends",
    "installation",
    "key_fingerprints",
    "_sqlx_migrations",
    "stat_region",
    "stat_school",
    "stat_outcome",
    "stat_timeliness",
];

impl Table {
    /// How many columns the copy moves.
    pub fn column_count(&self) -> usize {
        self.cols.len()
    }

    pub(crate) fn decode(&self, row: &DbRow) -> Result<Vec<Cell>, StoreError> {
        self.cols
            .iter()
            .enumerate()
            .map(|(i, col)| {
                Ok(match col {
                    Col::Text => Cell::Text(row.at(i)?),
                    Col::OptText => Cell::OptText(row.at(i)?),
                    Col::Bytes => Cell::Bytes(row.at(i)?),
                    Col::Int => Cell::Int(row.at(i)?),
                    Col::OptInt => Cell::OptInt(row.at(i)?),
                    Col::Bool => Cell::Bool(row.at(i)?),
                    Col::OptBool => Cell::OptBool(row.at(i)?),
                })
            })
            .collect()
    }
}

use Col::*;

pub const STAFF: Table = Table {
    name: "staff",
    cols: &[Int, Text, Text, Text, Text, Bytes, Bytes, Int, Bool, Bool],
    key_len: 1,
    first: Sql::both(
        "SELECT id, username, role, password_hash, totp_kek_id, totp_wrapped_dek, totp_secret, \
         totp_last_step, disabled, must_enrol FROM staff ORDER BY id LIMIT $1",
    ),
    after: Sql::both(
        "SELECT id, username, role, password_hash, totp_kek_id, totp_wrapped_dek, totp_secret, \
         totp_last_step, disabled, must_enrol FROM staff WHERE id > $1 ORDER BY id LIMIT $2",
    ),
    insert: Sql::both(
        "INSERT INTO staff (id, username, role, password_hash, totp_kek_id, totp_wrapped_dek, \
         totp_secret, totp_last_step, disabled, must_enrol) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
    ),
    count: Sql::both("SELECT COUNT(*) FROM staff"),
};

pub const STAFF_SCOPE: Table = Table {
    name: "staff_scope",
    cols: &[Int, Text, Int],
    key_len: 3,
    first: Sql::both(
        "SELECT staff_id, kind, ref_id FROM staff_scope ORDER BY staff_id, kind, ref_id LIMIT $1",
    ),
    after: Sql::both(
        "SELECT staff_id, kind, ref_id FROM staff_scope \
         WHERE (staff_id, kind, ref_id) > ($1, $2, $3) ORDER BY staff_id, kind, ref_id LIMIT $4",
    ),
    insert: Sql::both(
        "INSERT INTO staff_scope (staff_id, kind, ref_id) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    ),
    count: Sql::both("SELECT COUNT(*) FROM staff_scope"),
};

pub const TIPS: Table = Table {
    name: "tips",
    cols: &[
        Text, Bytes, Text, Bytes, Bytes, Text, OptInt, OptInt, Bool, Bool, Text, Text, Text, Text,
        Text, OptInt, OptText, OptText, Int, OptText, Bool,
    ],
    key_len: 1,
    first: Sql::both(
        "SELECT id, lookup_id, kek_id, wrapped_dek, content, category, region_id, school_id, \
         urgent, involves_staff, channel, status, created_month, received_day, due_day, \
         assignee_id, outcome, tipster_result, extensions, closed_day, purged \
         FROM tips ORDER BY id LIMIT $1",
    ),
    after: Sql::both(
        "SELECT id, lookup_id, kek_id, wrapped_dek, content, category, region_id, school_id, \
         urgent, involves_staff, channel, status, created_month, received_day, due_day, \
         assignee_id, outcome, tipster_result, extensions, closed_day, purged \
         FROM tips WHERE id > $1 ORDER BY id LIMIT $2",
    ),
    insert: Sql::both(
        "INSERT INTO tips (id, lookup_id, kek_id, wrapped_dek, content, category, region_id, \
         school_id, urgent, involves_staff, channel, status, created_month, received_day, \
         due_day, assignee_id, outcome, tipster_result, extensions, closed_day, purged) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21) ON CONFLICT DO NOTHING",
    ),
    count: Sql::both("SELECT COUNT(*) FROM tips"),
};

pub const MESSAGES: Table = Table {
    name: "messages",
    cols: &[Text, Text, Text, Bytes],
    key_len: 1,
    first: Sql::both("SELECT id, tip_id, author, body FROM messages ORDER BY id LIMIT $1"),
    after: Sql::both(
        "SELECT id, tip_id, author, body FROM messages WHERE id > $1 ORDER BY id LIMIT $2",
    ),
    insert: Sql::both(
        "INSERT INTO messages (id, tip_id, author, body) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    ),
    count: Sql::both("SELECT COUNT(*) FROM messages"),
};

pub const PHOTOS: Table = Table {
    name: "photos",
    cols: &[Text, Text, Bytes],
    key_len: 1,
    first: Sql::both("SELECT id, tip_id, body FROM photos ORDER BY id LIMIT $1"),
    after: Sql::both("SELECT id, tip_id, body FROM photos WHERE id > $1 ORDER BY id LIMIT $2"),
    insert: Sql::both(
        "INSERT INTO photos (id, tip_id, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    ),
    count: Sql::both("SELECT COUNT(*) FROM photos"),
};

pub const NOTES: Table = Table {
    name: "notes",
    cols: &[Text, Text, Text, Bytes],
    key_len: 1,
    first: Sql::both("SELECT id, tip_id, kind, body FROM notes ORDER BY id LIMIT $1"),
    after: Sql::both("SELECT id, tip_id, kind, body FROM notes WHERE id > $1 ORDER BY id LIMIT $2"),
    insert: Sql::both(
        "INSERT INTO notes (id, tip_id, kind, body) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    ),
    count: Sql::both("SELECT COUNT(*) FROM notes"),
};

pub const TIP_FACTS: Table = Table {
    name: "tip_facts",
    cols: &[
        Text, Text, OptInt, OptInt, Text, Text, Bool, Text, OptText, OptBool, OptBool,
    ],
    key_len: 1,
    first: Sql::both(
        "SELECT tip_id, month, region_id, school_id, category, channel, urgent, status, outcome, \
         classified_on_time, decided_within_20_days FROM tip_facts ORDER BY tip_id LIMIT $1",
    ),
    after: Sql::both(
        "SELECT tip_id, month, region_id, school_id, category, channel, urgent, status, outcome, \
         classified_on_time, decided_within_20_days FROM tip_facts WHERE tip_id > $1 \
         ORDER BY tip_id LIMIT $2",
    ),
    insert: Sql::both(
        "INSERT INTO tip_facts (tip_id, month, region_id, school_id, category, channel, urgent, \
         status, outcome, classified_on_time, decided_within_20_days) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
    ),
    count: Sql::both("SELECT COUNT(*) FROM tip_facts"),
};

pub const AUDIT_EVENTS: Table = Table {
    name: "audit_events",
    cols: &[Int, Text, Text, Text, OptText, OptText, Bytes, Bytes],
    key_len: 1,
    first: Sql::both(
        "SELECT seq, at, actor, action, tip_id, subject, prev_hash, hash FROM audit_events \
         ORDER BY seq LIMIT $1",
    ),
    after: Sql::both(
        "SELECT seq, at, actor, action, tip_id, subject, prev_hash, hash FROM audit_events \
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    ),
    insert: Sql::both(
        "INSERT INTO audit_events (seq, at, actor, action, tip_id, subject, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    ),
    count: Sql::both("SELECT COUNT(*) FROM audit_events"),
};

pub const KEK_WRAPS: Table = Table {
    name: "kek_wraps",
    cols: &[Text, Int],
    key_len: 1,
    first: Sql::both("SELECT kek_id, wraps FROM kek_wraps ORDER BY kek_id LIMIT $1"),
    after: Sql::both(
        "SELECT kek_id, wraps FROM kek_wraps WHERE kek_id > $1 ORDER BY kek_id LIMIT $2",
    ),
    insert: Sql::both(
        "INSERT INTO kek_wraps (kek_id, wraps) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    ),
    count: Sql::both("SELECT COUNT(*) FROM kek_wraps"),
};

/// In an order that keeps foreign keys satisfied while inserting (staff before the tips
/// assigned to them, tips before their messages, photos and notes).
pub const COPIED: [Table; 9] = [
    STAFF,
    STAFF_SCOPE,
    TIPS,
    MESSAGES,
    PHOTOS,
    NOTES,
    TIP_FACTS,
    AUDIT_EVENTS,
    KEK_WRAPS,
];
