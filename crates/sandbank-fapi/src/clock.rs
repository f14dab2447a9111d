//! The one clock protocol code reads. The sandbox can move it forward, so expiries and "N days
//! later" are testable without sleeping.
//!
//! What the server issues (codes, tokens, grants) expires on the sandbox's time. What a client
//! dates itself (a DPoP proof's `iat`, a client assertion's `iat` and `exp`) is fresh when it is
//! fresh on the sandbox's time *or* on real time ([`Reading`]): a client signs with its own
//! clock, which does not move when the sandbox's does, and one that follows the sandbox clock
//! works too.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Real time plus an offset the sandbox controls. Clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// A clock on real time.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// The current time as the sandbox sees it.
    pub fn now(&self) -> DateTime<Utc> {
        self.read().sandbox
    }

    /// The sandbox's time and real time, read at one instant.
    pub fn read(&self) -> Reading {
        #[allow(clippy::disallowed_methods, reason = "the one place real time is read")]
        let real = Utc::now();
        Reading {
            sandbox: real + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst)),
            real,
        }
    }

    /// Moves the clock by `by`: forward, or back with a negative duration, but never behind
    /// real time (see [`Clock::set_offset`]).
    pub fn advance(&self, by: Duration) {
        let by = by.num_milliseconds();
        // The closure always returns `Some`, so the update cannot fail.
        let _ = self
            .offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                Some(offset.saturating_add(by).max(0))
            });
    }

    /// Sets how far the clock is ahead of real time (zero: back on real time). A negative
    /// offset counts as zero: the sandbox clock never runs behind real time. That keeps replay
    /// protection sound across every move: a client-dated proof or assertion is fresh by real
    /// time or by the sandbox clock, its `jti` is remembered on real time until the last
    /// instant either clock accepts it, and a sandbox clock at or ahead of real time can only
    /// ever accept it earlier, never later, than one that was further ahead.
    pub fn set_offset(&self, offset: Duration) {
        self.offset_ms
            .store(offset.num_milliseconds().max(0), Ordering::SeqCst);
    }

    /// How far the clock is from real time.
    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

/// One reading of a [`Clock`]: the sandbox's time and real time at the same instant. The times
/// a client-dated claim may be measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// Now by the sandbox clock (real time plus the offset).
    pub sandbox: DateTime<Utc>,
    /// Now by real time: what a client's own clock reads.
    pub real: DateTime<Utc>,
}

impl Reading {
    /// A reading of a clock that has not moved: both times are `now`.
    pub fn unmoved(now: DateTime<Utc>) -> Reading {
        Reading {
            sandbox: now,
            real: now,
        }
    }

    /// Both times, the sandbox's first.
    pub fn both(&self) -> [DateTime<Utc>; 2] {
        [self.sandbox, self.real]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_clone() {
        let clock = Clock::system();
        let other = clock.clone();
        let before = other.now();
        clock.advance(Duration::days(3));
        let after = other.now();
        assert!(after - before >= Duration::days(3));
        assert_eq!(other.offset(), Duration::days(3));
        clock.set_offset(Duration::zero());
        assert_eq!(other.offset(), Duration::zero());
    }

    #[test]
    fn the_clock_never_runs_behind_real_time() {
        let clock = Clock::system();
        clock.advance(Duration::hours(2));
        clock.advance(Duration::hours(-3));
        assert_eq!(clock.offset(), Duration::zero());
        clock.advance(Duration::hours(2));
        clock.advance(Duration::hours(-1));
        assert_eq!(clock.offset(), Duration::hours(1));
        clock.set_offset(Duration::minutes(-5));
        assert_eq!(clock.offset(), Duration::zero());
        let reading = clock.read();
        assert!(reading.sandbox >= reading.real);
    }
}
