//! The settings of each part: statistics, staff sign-in, keys and limits, with their defaults.
//! What they mean is documented on each field; `Config::validate` checks them together.

use serde::Deserialize;

/// Published statistics (SECURITY.md P4, R21).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatsSettings {
    /// Counts below this are never published ("<11"); at least `domain::suppression::MIN_K`.
    pub k: u64,
    /// How many seconds old the counters behind a published table may be while the server
    /// protects newer ones in the background; 0: every request after a change waits for the
    /// latest (a read and a protection: over 100 ms at a million tips a year). Otherwise from
    /// `MIN_STATS_LAG_SECONDS` (the refresher runs each second) to `MAX_STATS_LAG_SECONDS`.
    pub max_lag_seconds: u64,
}

/// The shortest `[stats] max_lag_seconds` allowed besides 0: the refresher reads a year again
/// when half of it has passed, at its next round of one second, so that no request waits.
pub const MIN_STATS_LAG_SECONDS: u64 = 3;
/// The longest `[stats] max_lag_seconds` allowed.
pub const MAX_STATS_LAG_SECONDS: u64 = 300;

impl Default for StatsSettings {
    fn default() -> Self {
        StatsSettings {
            k: crate::domain::suppression::DEFAULT_K,
            max_lag_seconds: 5,
        }
    }
}

/// Staff sign-in and sessions (SECURITY.md R5–R10).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaffSettings {
    /// Minutes without a request after which a session ends.
    pub session_idle_minutes: u64,
    /// Hours after sign-in after which a session ends whatever happens.
    pub session_absolute_hours: u64,
    /// Sign-in attempts per account per minute; other accounts are not affected.
    pub login_attempts_per_minute: u32,
    /// Password hashes computed at once (each takes ~19 MiB and ~30 ms).
    pub password_hash_concurrency: usize,
    /// Sends the session cookie without `Secure` and without the `__Host-` prefix, for
    /// plain-HTTP development on another machine only. Browsers treat `localhost` as secure,
    /// so local development needs no change.
    pub insecure_cookies: bool,
}

impl Default for StaffSettings {
    fn default() -> Self {
        StaffSettings {
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            login_attempts_per_minute: 5,
            password_hash_concurrency: 2,
            insecure_cookies: false,
        }
    }
}

/// When a key-encryption key has wrapped enough data keys (SECURITY.md R16). AES-GCM with
/// random 96-bit nonces stays within its safety bound for 2^32 encryptions under one key; both
/// thresholds sit well below that.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeySettings {
    /// Past this many wraps, `keys check` and every start warn loudly: rotate soon (2^31).
    pub wrap_warn: u64,
    /// Past this many, the key wraps no more: new tips are refused until `keys rotate` (3·2^30).
    pub wrap_limit: u64,
}

impl Default for KeySettings {
    fn default() -> Self {
        KeySettings {
            wrap_warn: 1 << 31,
            wrap_limit: 3 << 30,
        }
    }
}

/// The lowest `[limits] min_send_rate_bytes_per_second`: at 0 a silent request would keep its
/// connection until the request timeout.
pub const MIN_SEND_RATE: u32 = 1;
/// The highest: the slowest 2G uplinks send about 2 KB/s, so a floor above that cuts off the
/// phones a tip line must serve.
pub const MAX_SEND_RATE: u32 = 2_048;
/// The longest `[limits] send_rate_window_seconds`: a stalled request keeps its slot that long.
pub const MAX_SEND_RATE_WINDOW_SECONDS: u64 = 300;

/// Rate and size limits. Defaults suit a province; see README for the reasoning.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Tips one client (IPv4 address or IPv6 /64) may store in a burst.
    pub submit_burst: u32,
    /// Seconds for one more tip to be allowed after the burst (one token per this many seconds).
    pub submit_refill_seconds: u64,
    /// Posts to the tip form and API one client may make in a burst (district steps and
    /// refused forms included), and the seconds per further post.
    pub form_post_burst: u32,
    pub form_post_refill_seconds: u64,
    /// An IPv6 /48 may store this many times one client's tips: enough for a school or a
    /// village behind one network, not for one holder of many /64s to pose as many clients.
    pub ipv6_network_factor: u32,
    /// Follow-up attempts one client may make in a burst, and the refill period.
    pub followup_burst: u32,
    pub followup_refill_seconds: u64,
    /// Tips accepted per second from everyone together, and the burst above that.
    pub global_submit_per_second: u32,
    pub global_submit_burst: u32,
    /// Follow-up attempts per second from everyone together.
    pub global_followup_per_second: u32,
    /// Most clients tracked at once by each limiter (bucketed beyond that).
    pub tracked_clients: u32,
    /// Open connections at once; more wait in the kernel's listen queue.
    pub max_connections: usize,
    /// Open connections one client (IPv4 address or IPv6 /64) may hold; more are refused at
    /// once. Generous, for carrier NAT (a whole town's phones can share one IPv4 address), but
    /// well under `max_connections`, so that one client cannot hold the rest out. Trusted
    /// proxies are not capped (every client behind them shares their address).
    pub max_connections_per_client: usize,
    /// Seconds a response may take to leave once writing began: a client that does not read
    /// its answers loses its connection after this (slow readers, SECURITY.md R34).
    pub write_timeout_seconds: u64,
    /// The slowest a client may send a request (headers and body), in bytes per second,
    /// averaged over `send_rate_window_seconds`; a slower one loses its connection (slow
    /// senders, SECURITY.md R23, R34). Counted only while the server waits for the request's
    /// bytes: not while idle between requests (the header timeout's job), nor while a handler
    /// works.
    ///
    /// 256 B/s because tips come from cheap phones on 2G: GPRS/EDGE sends 2–10 KB/s upstream,
    /// and a congested cell or a cell change stops it for seconds at a time. A phone averaging
    /// an eighth of the slowest of those over 20 s is never cut off by this floor, however long
    /// its upload (a 3 MB photo takes minutes on 2G: `request_timeout_seconds`, which bounds a
    /// whole request, must allow for that once photos are accepted). Meanwhile every connection
    /// an attacker holds costs it 256 B/s, and one that sends nothing loses its slot after the
    /// window.
    pub min_send_rate_bytes_per_second: u32,
    /// The window over which that rate is averaged, in seconds; also the grace a new request
    /// gets, and the longest pause forgiven after a run at a good rate. 20 s covers the pauses
    /// of a 2G uplink (a few seconds) many times over, and stays under the request timeout.
    pub send_rate_window_seconds: u64,
    /// Length of that listen queue (the kernel may cap it at `net.core.somaxconn`).
    pub listen_backlog: u32,
    /// Seconds a client may take to send the request headers (slowloris guard).
    pub header_read_timeout_seconds: u64,
    /// Seconds for a whole request.
    pub request_timeout_seconds: u64,
    /// Submissions waiting for the group-commit writer before new ones get 503.
    pub write_queue: usize,
    /// Most tips written in one transaction.
    pub write_batch: usize,
    /// Most messages (both sides together) on one tip: a receipt holder cannot fill the disk.
    pub max_messages_per_tip: u32,
    /// Milliseconds a write waits for a database lock before answering 503 + Retry-After.
    pub database_busy_timeout_ms: u64,
    /// SQLite: new tips and replies get 503 while the database's filesystem has fewer free
    /// megabytes than this, so a flood cannot fill the disk (0: no floor).
    pub min_free_disk_mb: u64,
    /// SQLite: seconds between checkpoints that empty the WAL, which holds the last commits in
    /// their order (SECURITY.md R37; 0: only SQLite's own checkpoints, which leave it there).
    pub wal_checkpoint_seconds: u64,
    /// SQLite: minutes between rebuilds (`VACUUM`) that erase the arrival order rows keep inside
    /// a page (0: never), and the largest file, in megabytes, rebuilt on that schedule.
    pub order_rebuild_minutes: u64,
    pub order_rebuild_max_mb: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            submit_burst: 10,
            submit_refill_seconds: 30,
            form_post_burst: 60,
            ipv6_network_factor: 16,
            form_post_refill_seconds: 2,
            followup_burst: 20,
            followup_refill_seconds: 3,
            global_submit_per_second: 200,
            global_submit_burst: 2_000,
            global_followup_per_second: 500,
            tracked_clients: 65_536,
            max_connections: 2_048,
            max_connections_per_client: 256,
            write_timeout_seconds: 20,
            min_send_rate_bytes_per_second: 256,
            send_rate_window_seconds: 20,
            listen_backlog: 1_024,
            header_read_timeout_seconds: 10,
            request_timeout_seconds: 30,
            write_queue: 4_096,
            write_batch: 100,
            max_messages_per_tip: 200,
            database_busy_timeout_ms: 5_000,
            min_free_disk_mb: 64,
            wal_checkpoint_seconds: 2,
            order_rebuild_minutes: 60,
            order_rebuild_max_mb: 64,
        }
    }
}
