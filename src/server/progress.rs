//! Where one connection stands, and how far its client lags: the record that the minimum send
//! rate (`pace`) enforces and that eviction (`evict`) ranks connections by (SECURITY.md R23,
//! R34).
//!
//! A connection is in one of three phases. *Idle*: no request has begun (just accepted, or
//! between keep-alive requests); hyper's header read timeout bounds it. *Receiving*: bytes of a
//! request have arrived and the server still waits for the rest (headers or body); the send
//! rate floor applies. *Serving*: the request is in and the server's turn has come (handler
//! running, answer being written); the client is not to blame for the time it takes, except
//! for a response it does not read, which `write_deadline` bounds and which counts as stalled
//! here too.
//!
//! The floor is a budget of seconds, as in Apache's `mod_reqtimeout` `MinRate`: a request
//! starts with `window` seconds, spends them only while the server waits for its bytes, and
//! earns one second for each `floor` bytes, up to `window` again. So a client sending at the
//! floor or faster is never cut off, pauses up to `window` after a good run are forgiven, a
//! fast burst buys no more than `window` of later silence, and one sending at half the floor
//! is cut off after about `2 × window`. Time while the server does not ask for bytes (a
//! handler that has not started on the body) costs nothing.
//!
//! Times are parameters, so the arithmetic is tested without a clock. Nothing here knows an
//! address, and nothing here logs.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// The send rate floor: `bytes_per_second`, averaged over `window` (which is also the grace a
/// new request starts with).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendFloor {
    pub bytes_per_second: u32,
    pub window: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Receiving,
    Serving,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    /// Counts requests, so that a late signal about an earlier one changes nothing.
    seq: u64,
    /// When the connection last became idle.
    idle_since: Instant,
    /// When bytes last left for the client: an answer still leaving is not idleness.
    last_write: Instant,
    /// Receiving: seconds of waiting left, as of the last read or the start of the request.
    budget: Duration,
    /// Receiving: since when the server has been waiting for bytes that have not come.
    waiting_since: Option<Instant>,
    /// Since when a write has waited on a full socket without any byte leaving.
    write_blocked_since: Option<Instant>,
}

/// One connection's phase and lag, shared by its socket wrapper, its request and response
/// bodies, and the eviction registry.
#[derive(Debug)]
pub struct Progress {
    floor: SendFloor,
    state: Mutex<State>,
}

impl Progress {
    pub fn new(floor: SendFloor, now: Instant) -> Arc<Self> {
        Arc::new(Progress {
            floor,
            state: Mutex::new(State {
                phase: Phase::Idle,
                seq: 0,
                idle_since: now,
                last_write: now,
                budget: floor.window,
                waiting_since: None,
                write_blocked_since: None,
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state is a few plain values, valid after any panic: carry on rather than fail.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The seconds `bytes` earn at the floor.
    fn credit(&self, bytes: usize) -> Duration {
        let rate = f64::from(self.floor.bytes_per_second.max(1));
        Duration::from_secs_f64((bytes as f64 / rate).min(self.floor.window.as_secs_f64()))
    }

    /// `bytes` arrived from the client (0: end of stream).
    pub fn read(&self, bytes: usize, now: Instant) {
        let mut s = self.state();
        if bytes == 0 {
            s.waiting_since = None;
            return;
        }
        match s.phase {
            // The first bytes of a request: its budget starts full (the grace).
            Phase::Idle => {
                s.phase = Phase::Receiving;
                s.budget = self.floor.window;
                s.waiting_since = None;
            }
            Phase::Receiving => {
                if let Some(since) = s.waiting_since.take() {
                    s.budget = s
                        .budget
                        .saturating_sub(now.saturating_duration_since(since));
                }
            }
            // The next pipelined request, read while this one is served: no debt to settle.
            Phase::Serving => {
                s.waiting_since = None;
                return;
            }
        }
        s.budget = (s.budget + self.credit(bytes)).min(self.floor.window);
    }

    /// The server wants bytes and none are there: the instant past which the client has sent
    /// too slowly, or `None` when no request is being received (the header timeout governs an
    /// idle connection).
    pub fn read_pending(&self, now: Instant) -> Option<Instant> {
        let mut s = self.state();
        if s.phase != Phase::Receiving {
            return None;
        }
        let since = *s.waiting_since.get_or_insert(now);
        Some(since + s.budget)
    }

    /// A request's headers are in; `body_done` when it has no body left to receive. Returns
    /// the request's number for the signals that follow.
    pub fn request(&self, body_done: bool) -> u64 {
        let mut s = self.state();
        s.seq += 1;
        if body_done {
            s.phase = Phase::Serving;
            s.waiting_since = None;
        } else if s.phase != Phase::Receiving {
            // Parsed from bytes read earlier (pipelining): a fresh budget for its body.
            s.phase = Phase::Receiving;
            s.budget = self.floor.window;
            s.waiting_since = None;
        }
        s.seq
    }

    /// The number of the request being served, whose response is the next one (HTTP/1 serves
    /// one request at a time on a connection).
    pub fn current(&self) -> u64 {
        self.state().seq
    }

    /// The body of request `seq` has been received whole, or the handler dropped it.
    pub fn body_done(&self, seq: u64) {
        let mut s = self.state();
        if s.seq == seq && s.phase == Phase::Receiving {
            s.phase = Phase::Serving;
            s.waiting_since = None;
        }
    }

    /// The response to request `seq` has been handed to the socket: idle until the next.
    pub fn response_done(&self, seq: u64, now: Instant) {
        let mut s = self.state();
        if s.seq == seq {
            s.phase = Phase::Idle;
            s.idle_since = now;
            s.waiting_since = None;
        }
    }

    /// A write found the socket full.
    pub fn write_blocked(&self, now: Instant) {
        self.state().write_blocked_since.get_or_insert(now);
    }

    /// Bytes left for the client: whatever write waited is unblocked.
    pub fn wrote(&self, now: Instant) {
        let mut s = self.state();
        s.write_blocked_since = None;
        s.last_write = now;
    }

    /// How long the connection has been stalled by its client: idle for so long, a request
    /// that far behind the floor (the budget it has spent), or a response unread for so long;
    /// `None` while the server is at work on it and its answer leaves as written.
    pub fn stalled_for(&self, now: Instant) -> Option<Duration> {
        let s = self.state();
        let reading = match s.phase {
            Phase::Idle => Some(now.saturating_duration_since(s.idle_since.max(s.last_write))),
            Phase::Receiving => {
                let waited = s
                    .waiting_since
                    .map_or(Duration::ZERO, |since| now.saturating_duration_since(since));
                Some(self.floor.window.saturating_sub(s.budget) + waited)
            }
            Phase::Serving => None,
        };
        let writing = s
            .write_blocked_since
            .map(|since| now.saturating_duration_since(since));
        match (reading, writing) {
            (Some(r), Some(w)) => Some(r.max(w)),
            (r, w) => r.or(w),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOOR: SendFloor = SendFloor {
        bytes_per_second: 100,
        window: Duration::from_secs(10),
    };

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn r23_a_request_at_the_floor_never_runs_out_and_one_below_it_does() {
        let t0 = Instant::now();
        let p = Progress::new(FLOOR, t0);
        p.read(10, t0);
        // At twice the floor, with a pause of 8 s (within the window) every 30 s.
        let mut t = t0;
        for second in 1..=120 {
            let deadline = p.read_pending(t).unwrap();
            let pause = if second % 30 == 15 { 8.0 } else { 0.0 };
            t += secs(1.0 + pause);
            assert!(t < deadline, "cut off at second {second}");
            p.read(200, t);
        }
        assert!(p.stalled_for(t).unwrap() < secs(0.01), "a full budget");

        // At half the floor the budget shrinks by half a second each second.
        let p = Progress::new(FLOOR, t0);
        p.read(1, t0);
        let mut t = t0;
        let mut lasted = 0;
        loop {
            let deadline = p.read_pending(t).unwrap();
            t += secs(1.0);
            if t >= deadline {
                break;
            }
            p.read(50, t);
            lasted += 1;
        }
        assert!((17..=20).contains(&lasted), "lasted {lasted} s");
    }

    #[test]
    fn r23_a_burst_buys_no_more_than_the_window_and_silence_is_cut_off_after_it() {
        let t0 = Instant::now();
        let p = Progress::new(FLOOR, t0);
        p.read(1_000_000, t0);
        assert_eq!(p.read_pending(t0), Some(t0 + FLOOR.window));
        // The deadline does not move while the client stays silent.
        assert_eq!(p.read_pending(t0 + secs(3.0)), Some(t0 + FLOOR.window));
        assert_eq!(p.stalled_for(t0 + secs(4.0)), Some(secs(4.0)));
    }

    #[test]
    fn r23_time_the_server_does_not_ask_for_bytes_costs_the_client_nothing() {
        let t0 = Instant::now();
        let p = Progress::new(FLOOR, t0);
        p.read(1, t0);
        // Headers in, body to come: the handler takes 60 s before it reads.
        let seq = p.request(false);
        let later = t0 + secs(60.0);
        assert_eq!(p.read_pending(later), Some(later + FLOOR.window));
        p.read(100, later + secs(1.0));
        p.body_done(seq);
        assert_eq!(p.read_pending(later + secs(30.0)), None, "serving");
        assert_eq!(p.stalled_for(later + secs(30.0)), None);
    }

    #[test]
    fn r34_idle_waiting_and_unread_answers_count_as_stalled_and_serving_does_not() {
        let t0 = Instant::now();
        let p = Progress::new(FLOOR, t0);
        assert_eq!(p.read_pending(t0), None, "the header timeout governs idle");
        assert_eq!(p.stalled_for(t0 + secs(5.0)), Some(secs(5.0)));
        p.read(40, t0 + secs(5.0));
        let seq = p.request(true);
        assert_eq!(p.stalled_for(t0 + secs(9.0)), None);
        p.write_blocked(t0 + secs(6.0));
        p.write_blocked(t0 + secs(7.0));
        assert_eq!(p.stalled_for(t0 + secs(9.0)), Some(secs(3.0)));
        p.wrote(t0 + secs(8.5));
        assert_eq!(p.stalled_for(t0 + secs(9.0)), None);
        // A late signal about an earlier request changes nothing.
        let next = p.request(false);
        p.response_done(seq, t0 + secs(10.0));
        p.body_done(seq);
        assert!(p.read_pending(t0 + secs(10.0)).is_some(), "still receiving");
        p.body_done(next);
        p.response_done(next, t0 + secs(11.0));
        assert_eq!(p.stalled_for(t0 + secs(12.0)), Some(secs(1.0)));
        // An answer still leaving after hyper took all of it is not idleness.
        p.wrote(t0 + secs(11.5));
        assert_eq!(p.stalled_for(t0 + secs(12.0)), Some(secs(0.5)));
    }
}
