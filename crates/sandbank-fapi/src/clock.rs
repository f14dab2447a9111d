//! The one clock protocol code reads. The sandbox can move it forward, so expiries and "N days
//! later" are testable without sleeping.

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
        #[allow(clippy::disallowed_methods, reason = "the one place real time is read")]
        let real = Utc::now();
        real + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// Sets how far the clock is from real time (zero: back on real time).
    pub fn set_offset(&self, offset: Duration) {
        self.offset_ms
            .store(offset.num_milliseconds(), Ordering::SeqCst);
    }

    /// How far the clock is from real time.
    pub fn offset(&self) -> Duration {
        Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
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
}
