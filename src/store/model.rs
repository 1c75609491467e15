//! Rows as the store reads and writes them: sealed bytes and content-free metadata only.

use crate::domain::{Author, Category, Channel, Day, Month, Region, SchoolLevel, Status};

/// A tip ready to store: content sealed, receipt reduced to its lookup HMAC.
#[derive(Debug, Clone)]
pub struct SealedTip {
    pub id: String,
    pub lookup_id: [u8; 32],
    pub kek_id: String,
    pub wrapped_dek: Vec<u8>,
    /// Sealed JSON of body, location hint and the exact time of receipt.
    pub content: Vec<u8>,
    pub category: Category,
    pub region_id: Option<i64>,
    pub school_id: Option<i64>,
    pub urgent: bool,
    pub involves_school_staff: bool,
    pub channel: Channel,
    /// Clear-text times: the month (for facts) and the local day (for the law's deadlines),
    /// never finer (SECURITY.md P1).
    pub month: Month,
    pub received: Day,
    /// The resend entry written with the tip, when the form carried a one-time token (R38).
    pub resend: Option<SealedResend>,
    /// Photos sent with the tip form, sealed with the tip's data key: written in the tip's own
    /// transaction, so that a receipt shown means the photos are on disk too.
    pub photos: Vec<SealedPhoto>,
}

/// What is kept for an hour of a tip form's one-time token: its HMAC and the receipt sealed
/// under a key only the token gives (SECURITY.md R38).
#[derive(Debug, Clone)]
pub struct SealedResend {
    pub token_mac: [u8; 32],
    pub sealed_receipt: Vec<u8>,
    /// Unix seconds, rounded up to ten minutes.
    pub expires_at: i64,
    /// Now, in unix seconds: an expired entry for the same token may be replaced. Not stored.
    pub now: i64,
}

#[derive(Debug, Clone)]
pub struct StoredTip {
    pub id: String,
    pub wrapped_dek: Vec<u8>,
    pub content: Vec<u8>,
    pub status: Status,
    pub category: Category,
    /// The short result staff chose for the tipster when closing (`acted_on`, …).
    pub tipster_result: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SealedMessage {
    pub id: String,
    pub tip_id: String,
    pub author: Author,
    /// Sealed JSON of body and time.
    pub body: Vec<u8>,
}

/// A photo sealed with its tip's data key, padded to a size bucket (`vault::seal_photo`).
#[derive(Clone)]
pub struct SealedPhoto {
    pub id: String,
    pub tip_id: String,
    pub body: Vec<u8>,
}

/// Sealed bytes only, but the length of a log line is no place for them either.
impl std::fmt::Debug for SealedPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedPhoto")
            .field("id", &self.id)
            .field("tip_id", &self.tip_id)
            .field("body", &self.body.len())
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub id: String,
    pub author: Author,
    pub body: Vec<u8>,
}

/// A school as imported from CSV or the shipped sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchool {
    pub code: String,
    pub name: String,
    pub level: SchoolLevel,
    pub region_id: i64,
    pub sample: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub inserted: u64,
    pub updated: u64,
    pub samples_retired: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCounts {
    pub regions: i64,
    pub schools: i64,
    pub tips: i64,
    pub messages: i64,
    pub tip_facts: i64,
}

/// A content-free statistics fact, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub tip_id: String,
    pub month: String,
    pub region_id: Option<i64>,
    pub school_id: Option<i64>,
    pub category: String,
    pub channel: String,
    pub urgent: bool,
}

/// One row to write: the region as it should be after the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionWrite {
    pub region: Region,
    /// Inserted rather than updated.
    pub new: bool,
}

/// What a region import would do (`import::regions::plan_import`), worked out against the tree
/// as it was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionPlan {
    /// Parents before children.
    pub writes: Vec<RegionWrite>,
    /// One line per change, for a person.
    pub changes: Vec<String>,
    /// The number of regions and the largest id the plan was made against: the store refuses
    /// the plan if another import changed the tree in between.
    pub snapshot: (i64, i64),
    pub added: usize,
    pub retired: usize,
}
