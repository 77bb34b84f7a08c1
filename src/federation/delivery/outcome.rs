//! What became of one attempt, and when the next one is due.

use http::StatusCode;
use rand::Rng;
use std::time::Duration;

/// What became of one attempt.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Delivered(u16),
    /// Worth another try: a 5xx, 408, 429, a timeout, a connection error.
    Retry {
        status: Option<u16>,
        error: String,
        after: Option<Duration>,
    },
    /// The receiver refused it for good (another 4xx) or the inbox is not acceptable.
    Failed {
        status: Option<u16>,
        error: String,
    },
}

/// 2xx delivered; 408, 429 and 5xx retried; any other status is final (Mastodon does the same).
pub fn classify(status: StatusCode, after: Option<Duration>) -> Outcome {
    let code = status.as_u16();
    if status.is_success() {
        Outcome::Delivered(code)
    } else if status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
    {
        Outcome::Retry {
            status: Some(code),
            error: format!("HTTP {code}"),
            after,
        }
    } else {
        Outcome::Failed {
            status: Some(code),
            error: format!("HTTP {code}"),
        }
    }
}

/// Exponential backoff with jitter: base · 2^(attempts-1), capped, ±25 %.
pub fn backoff(attempts: i32, base: u64, max: u64) -> Duration {
    let exp = base
        .saturating_mul(1u64 << (attempts.clamp(1, 30) - 1))
        .min(max)
        .max(1);
    let jitter = rand::thread_rng().gen_range(0.75..1.25);
    Duration::from_secs_f64(exp as f64 * jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_backoff() {
        assert_eq!(
            classify(StatusCode::ACCEPTED, None),
            Outcome::Delivered(202)
        );
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, None),
            Outcome::Retry { .. }
        ));
        assert!(matches!(
            classify(StatusCode::REQUEST_TIMEOUT, None),
            Outcome::Retry { .. }
        ));
        assert!(matches!(
            classify(StatusCode::BAD_GATEWAY, None),
            Outcome::Retry { .. }
        ));
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, None),
            Outcome::Failed { .. }
        ));
        assert!(matches!(
            classify(StatusCode::GONE, None),
            Outcome::Failed { .. }
        ));
        let first = backoff(1, 60, 3600).as_secs_f64();
        assert!((45.0..=75.0).contains(&first));
        let capped = backoff(20, 60, 3600).as_secs_f64();
        assert!(capped <= 3600.0 * 1.25);
    }
}
