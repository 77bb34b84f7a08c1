//! The circuit breaker: after several failures in a row a host is paused, for longer each time.

use chrono::Duration as ChronoDuration;

/// Failures in a row after which a host is paused, and the longest pause.
const BREAKER_THRESHOLD: i32 = 5;
const MAX_PAUSE_SECONDS: i64 = 3600;

/// The circuit breaker's pause after `failures` in a row (none below the threshold).
pub fn pause_for(failures: i32) -> Option<ChronoDuration> {
    (failures >= BREAKER_THRESHOLD).then(|| {
        let doublings = (failures - BREAKER_THRESHOLD).clamp(0, 16) as u32;
        ChronoDuration::seconds((60i64 << doublings).min(MAX_PAUSE_SECONDS))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_an_hour() {
        assert_eq!(pause_for(4), None);
        assert_eq!(pause_for(5), Some(ChronoDuration::seconds(60)));
        assert_eq!(pause_for(7), Some(ChronoDuration::seconds(240)));
        assert_eq!(
            pause_for(40),
            Some(ChronoDuration::seconds(MAX_PAUSE_SECONDS))
        );
    }
}
