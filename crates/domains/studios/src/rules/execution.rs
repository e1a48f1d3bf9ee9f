//! The workflow execution state machine (specs/studios.md, WorkflowExecution):
//! pending -> running -> succeeded | failed | paused; paused -> running; failed -> pending (a
//! retry, at most 3). The server keeps started_at, completed_at and duration_seconds consistent.

use crate::enums::ExecutionStatus::{self, *};
use crate::error::StudiosError;
use chrono::{DateTime, FixedOffset};

pub const MAX_RETRIES: i32 = 3;

/// The timestamps and counters a transition sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    pub started_at: Option<DateTime<FixedOffset>>,
    pub completed_at: Option<DateTime<FixedOffset>>,
    pub duration_seconds: Option<i32>,
    pub retry_count: i32,
}

/// Checks `from -> to` and computes what it changes.
pub fn transition(
    from: ExecutionStatus,
    to: ExecutionStatus,
    current: &Timing,
    now: DateTime<FixedOffset>,
) -> Result<Timing, StudiosError> {
    let mut next = current.clone();
    match (from, to) {
        (Pending, Running) => next.started_at = Some(now),
        (Running, Succeeded | Failed) => {
            let started = current.started_at.unwrap_or(now);
            next.completed_at = Some(now);
            next.duration_seconds = Some((now - started).num_seconds().max(0) as i32);
        }
        (Running, Paused) | (Paused, Running) => {}
        (Failed, Pending) => {
            if current.retry_count >= MAX_RETRIES {
                return Err(StudiosError::RetryLimit { max: MAX_RETRIES });
            }
            next.retry_count += 1;
            next.started_at = None;
            next.completed_at = None;
            next.duration_seconds = None;
        }
        _ => return Err(StudiosError::InvalidTransition { from, to }),
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    fn fresh() -> Timing {
        Timing {
            started_at: None,
            completed_at: None,
            duration_seconds: None,
            retry_count: 0,
        }
    }

    #[test]
    fn a_run_sets_its_timestamps_and_duration() {
        let t0 = Utc::now().fixed_offset();
        let running = transition(Pending, Running, &fresh(), t0).expect("start");
        assert_eq!(running.started_at, Some(t0));
        let done =
            transition(Running, Succeeded, &running, t0 + Duration::seconds(42)).expect("done");
        assert_eq!(done.duration_seconds, Some(42));
        assert_eq!(done.completed_at, Some(t0 + Duration::seconds(42)));
    }

    #[test]
    fn only_the_spec_transitions_are_allowed() {
        let all = [Pending, Running, Succeeded, Failed, Paused];
        let allowed = [
            (Pending, Running),
            (Running, Succeeded),
            (Running, Failed),
            (Running, Paused),
            (Paused, Running),
            (Failed, Pending),
        ];
        let now = Utc::now().fixed_offset();
        for from in all {
            for to in all {
                let result = transition(from, to, &fresh(), now);
                assert_eq!(
                    result.is_ok(),
                    allowed.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
                if let Err(err) = result {
                    assert!(matches!(err, StudiosError::InvalidTransition { .. }));
                }
            }
        }
    }

    #[test]
    fn retries_stop_after_three() {
        let now = Utc::now().fixed_offset();
        let mut t = fresh();
        for n in 1..=3 {
            t = transition(Failed, Pending, &t, now).expect("retry");
            assert_eq!(t.retry_count, n);
        }
        let err = transition(Failed, Pending, &t, now).expect_err("fourth");
        assert!(matches!(err, StudiosError::RetryLimit { max: 3 }));
    }
}
