//! The workflow execution state machine (specs/studios.md, WorkflowExecution):
//! pending -> running -> succeeded | failed | paused; paused -> running; failed -> pending (a
//! retry, at most 3). The server keeps started_at, completed_at and duration_seconds consistent.
//!
//! Every edge belongs to who takes it ([`EDGES`], the one table): runners start (the claim),
//! succeed and fail; people pause, resume, cancel (running -> failed) and retry. The spec has
//! no cancelled status, so a cancel is the one edge both take: a runner's failure or a
//! person's cancel. The lease sweep of the job engine (an expired lease: running -> pending or
//! failed) is the server's own, outside this table.
//!
//! An execution's log is bounded: a status change appends at most [`MAX_LOG_LINES_PER_REPORT`]
//! lines of at most [`MAX_LOG_LINE_CHARS`] characters, and the execution keeps its newest
//! [`MAX_LOG_ENTRIES`] entries. Every append rewrites the stored JSON array, so without the
//! bound each report of a long-running execution costs more than the one before.

use crate::enums::ExecutionStatus::{self, *};
use crate::error::StudiosError;
use chrono::{DateTime, FixedOffset};
use serde_json::{json, Value};
use studiogate_graph::GraphError;

pub const MAX_RETRIES: i32 = 3;

/// Characters of an execution's `errorMessage`.
pub const MAX_ERROR_MESSAGE_CHARS: usize = 2000;

/// Lines one status change (`logLines`) may append. A runner reporting more batches them over
/// several reports; a hundred lines is far more than a progress report needs.
pub const MAX_LOG_LINES_PER_REPORT: usize = 100;

/// Characters of one log line, the bound `errorMessage` has: a line is a message, not a dump.
pub const MAX_LOG_LINE_CHARS: usize = 2000;

/// Log entries an execution keeps, the marker for dropped ones included. Two full reports
/// (2 x 101 entries with their transition entries) nearly fit, so the newest report is always
/// kept whole; at most 200 lines of 2,000 characters, about 400 KB of JSON, is what every
/// append rewrites and what `WorkflowExecution.logs` returns at worst (the issue saw 36 MB).
/// The job engine's claim and lease-expiry entries are appended in SQL without the cut
/// (`studiogate_platform::jobs::append_log`); there are two per attempt at most, so at most
/// eight over an execution's life, and the next status change cuts them with the rest.
pub const MAX_LOG_ENTRIES: usize = 200;

/// The timestamps and counters a transition sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    pub started_at: Option<DateTime<FixedOffset>>,
    pub completed_at: Option<DateTime<FixedOffset>>,
    pub duration_seconds: Option<i32>,
    pub retry_count: i32,
}

/// Who moves an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in member, through `changeWorkflowExecutionStatus`.
    Person,
    /// A service token, through the runner protocol (`claimWorkflowExecutions`,
    /// `reportWorkflowExecution`).
    Runner,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "a person",
            Self::Runner => "a runner",
        }
    }
}

/// What an edge of the state machine means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Start,
    Succeed,
    Fail,
    Pause,
    Resume,
    Cancel,
    Retry,
}

/// Every legal move, and who takes it.
pub const EDGES: [(ExecutionStatus, ExecutionStatus, Actor, Edge); 7] = [
    (Pending, Running, Actor::Runner, Edge::Start),
    (Running, Succeeded, Actor::Runner, Edge::Succeed),
    (Running, Failed, Actor::Runner, Edge::Fail),
    (Running, Paused, Actor::Person, Edge::Pause),
    (Paused, Running, Actor::Person, Edge::Resume),
    (Running, Failed, Actor::Person, Edge::Cancel),
    (Failed, Pending, Actor::Person, Edge::Retry),
];

/// The edge `by` takes from `from` to `to`: INVALID_TRANSITION when the state machine has no
/// such move, FORBIDDEN when it is the other kind of actor's.
pub fn edge(from: ExecutionStatus, to: ExecutionStatus, by: Actor) -> Result<Edge, StudiosError> {
    let mut legal = EDGES.iter().filter(|(f, t, _, _)| (*f, *t) == (from, to));
    let Some(first) = legal.clone().next() else {
        return Err(StudiosError::InvalidTransition { from, to });
    };
    match legal.find(|(_, _, actor, _)| *actor == by) {
        Some((_, _, _, edge)) => Ok(*edge),
        None => Err(StudiosError::TransitionNotYours {
            from,
            to,
            taken_by: first.2,
        }),
    }
}

/// Checks that `by` may move `from -> to` and computes what it changes.
pub fn transition(
    from: ExecutionStatus,
    to: ExecutionStatus,
    by: Actor,
    current: &Timing,
    now: DateTime<FixedOffset>,
) -> Result<Timing, StudiosError> {
    edge(from, to, by)?;
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

/// Every violation of `schema` by `value` (the template's input or output schema), each with
/// its JSON pointer, as BAD_USER_INPUT on `field` with `extensions.violations: [{ pointer,
/// message }]`. `what` names the schema in the message.
pub fn check_schema(
    field: &str,
    what: &str,
    schema: &Value,
    value: &Value,
) -> Result<(), GraphError> {
    let validator = jsonschema::validator_for(schema).map_err(|e| GraphError::internal(&e))?;
    let violations: Vec<Value> = validator
        .iter_errors(value)
        .map(|e| json!({ "pointer": e.instance_path().to_string(), "message": e.to_string() }))
        .collect();
    if violations.is_empty() {
        return Ok(());
    }
    let summary = violations
        .iter()
        .map(|v| {
            format!(
                "{}: {}",
                v["pointer"].as_str().unwrap_or(""),
                v["message"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Err(GraphError::bad_input(
        field,
        format!("{field} does not match the template's {what} schema: {summary}"),
    )
    .with_violations(violations))
}

/// Refuses a status change's text over its limits, naming the field (`errorMessage`,
/// `logLines`, or `logLines.<i>` for the first line that is too long).
pub fn check_report(error_message: Option<&str>, log_lines: &[String]) -> Result<(), GraphError> {
    if error_message.is_some_and(|m| m.chars().count() > MAX_ERROR_MESSAGE_CHARS) {
        return Err(GraphError::bad_input(
            "errorMessage",
            format!("`errorMessage` must be at most {MAX_ERROR_MESSAGE_CHARS} characters"),
        ));
    }
    if log_lines.len() > MAX_LOG_LINES_PER_REPORT {
        return Err(GraphError::bad_input(
            "logLines",
            format!(
                "`logLines` takes at most {MAX_LOG_LINES_PER_REPORT} lines per change; send \
                 more in later reports"
            ),
        ));
    }
    if let Some(i) = log_lines
        .iter()
        .position(|l| l.chars().count() > MAX_LOG_LINE_CHARS)
    {
        return Err(GraphError::bad_input(
            format!("logLines.{i}"),
            format!("A log line must be at most {MAX_LOG_LINE_CHARS} characters"),
        ));
    }
    Ok(())
}

/// How many entries a log's marker says were dropped before it.
fn dropped(entry: &Value) -> Option<u64> {
    entry.get("dropped").and_then(Value::as_u64)
}

/// `logs` with `new` appended, oldest first, cut to the newest [`MAX_LOG_ENTRIES`]: when
/// entries are dropped, the first entry is a marker (`level: "warn"`, `dropped: <n>`) counting
/// every entry dropped so far, stamped with the time of the newest one dropped.
pub fn append_logs(mut logs: Vec<Value>, new: Vec<Value>) -> Vec<Value> {
    logs.extend(new);
    if logs.len() <= MAX_LOG_ENTRIES {
        return logs;
    }
    // The front `cut` entries go (an earlier marker among them), one marker takes their place.
    let cut = logs.len() - (MAX_LOG_ENTRIES - 1);
    let earlier = logs.first().and_then(dropped);
    let count = earlier.unwrap_or(0) + (cut - usize::from(earlier.is_some())) as u64;
    let at = logs[cut - 1].get("at").cloned().unwrap_or(Value::Null);
    let mut kept = Vec::with_capacity(MAX_LOG_ENTRIES);
    kept.push(json!({
        "at": at,
        "level": "warn",
        "message": format!(
            "{count} earlier log entries were dropped (an execution keeps its newest {MAX_LOG_ENTRIES})"
        ),
        "dropped": count,
    }));
    kept.extend(logs.drain(cut..));
    kept
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
        let running = transition(Pending, Running, Actor::Runner, &fresh(), t0).expect("start");
        assert_eq!(running.started_at, Some(t0));
        let later = t0 + Duration::seconds(42);
        let done = transition(Running, Succeeded, Actor::Runner, &running, later).expect("done");
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
                let results = [Actor::Person, Actor::Runner]
                    .map(|by| transition(from, to, by, &fresh(), now));
                assert_eq!(
                    results.iter().any(Result::is_ok),
                    allowed.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
                if !allowed.contains(&(from, to)) {
                    for err in results.into_iter().filter_map(Result::err) {
                        assert!(matches!(err, StudiosError::InvalidTransition { .. }));
                    }
                }
            }
        }
    }

    #[test]
    fn runners_start_succeed_and_fail_people_pause_resume_cancel_and_retry() {
        let runner = [(Pending, Running), (Running, Succeeded), (Running, Failed)];
        let person = [
            (Running, Paused),
            (Paused, Running),
            (Running, Failed),
            (Failed, Pending),
        ];
        for (from, to) in runner {
            assert!(edge(from, to, Actor::Runner).is_ok(), "{from:?} -> {to:?}");
        }
        for (from, to) in person {
            assert!(edge(from, to, Actor::Person).is_ok(), "{from:?} -> {to:?}");
        }
        for (from, to, by) in [
            (Pending, Running, Actor::Person),
            (Running, Succeeded, Actor::Person),
            (Running, Paused, Actor::Runner),
            (Paused, Running, Actor::Runner),
            (Failed, Pending, Actor::Runner),
        ] {
            let err = edge(from, to, by).expect_err("not theirs");
            assert!(
                matches!(err, StudiosError::TransitionNotYours { taken_by, .. } if taken_by != by),
                "{from:?} -> {to:?} by {by:?}: {err:?}"
            );
        }
        assert_eq!(
            edge(Running, Failed, Actor::Person).ok(),
            Some(Edge::Cancel)
        );
        assert_eq!(edge(Running, Failed, Actor::Runner).ok(), Some(Edge::Fail));
    }

    #[test]
    fn a_value_against_a_schema_lists_every_violation_with_its_pointer() {
        let schema = json!({ "type": "object", "required": ["url"],
            "properties": { "url": { "type": "string" }, "count": { "type": "integer" } } });
        assert!(check_schema("outputData", "output", &schema, &json!({ "url": "x" })).is_ok());
        let err = check_schema("outputData", "output", &schema, &json!({ "count": "many" }))
            .expect_err("two violations");
        assert_eq!(err.field.as_deref(), Some("outputData"));
        let pointers: Vec<Value> = err
            .violations
            .as_ref()
            .and_then(Value::as_array)
            .map(|v| v.iter().map(|v| v["pointer"].clone()).collect())
            .unwrap_or_default();
        assert_eq!(pointers.len(), 2, "{pointers:?}");
        assert!(pointers.contains(&json!("/count")) && pointers.contains(&json!("")));
        assert!(err.message.contains("output schema"), "{}", err.message);
    }

    #[test]
    fn retries_stop_after_three() {
        let now = Utc::now().fixed_offset();
        let mut t = fresh();
        for n in 1..=3 {
            t = transition(Failed, Pending, Actor::Person, &t, now).expect("retry");
            assert_eq!(t.retry_count, n);
        }
        let err = transition(Failed, Pending, Actor::Person, &t, now).expect_err("fourth");
        assert!(matches!(err, StudiosError::RetryLimit { max: 3 }));
    }

    fn entries(range: std::ops::Range<usize>) -> Vec<Value> {
        range
            .map(|n| json!({ "at": n, "level": "info", "message": format!("line {n}") }))
            .collect()
    }

    #[test]
    fn logs_keep_the_newest_entries_and_count_the_dropped_ones() {
        let logs = append_logs(entries(0..150), entries(150..200));
        assert_eq!(logs.len(), MAX_LOG_ENTRIES, "exactly full: nothing dropped");
        assert!(dropped(&logs[0]).is_none());

        let logs = append_logs(logs, entries(200..250));
        assert_eq!(logs.len(), MAX_LOG_ENTRIES);
        assert_eq!(dropped(&logs[0]), Some(51));
        assert_eq!(logs[0]["at"], 50, "stamped with the newest dropped entry");
        assert_eq!(logs[1]["message"], "line 51");
        assert_eq!(logs[MAX_LOG_ENTRIES - 1]["message"], "line 249");

        // Again: the old marker is replaced by one counting everything dropped so far.
        let logs = append_logs(logs, entries(250..260));
        assert_eq!(logs.len(), MAX_LOG_ENTRIES);
        assert_eq!(dropped(&logs[0]), Some(61));
        assert_eq!(logs[1]["message"], "line 61");
        assert_eq!(
            logs.iter().filter(|e| dropped(e).is_some()).count(),
            1,
            "one marker"
        );
        // 0..260 minus the 61 dropped is exactly the 199 entries after the marker.
        assert_eq!(logs[MAX_LOG_ENTRIES - 1]["message"], "line 259");
    }

    #[test]
    fn reports_over_the_limits_are_refused_naming_the_field() {
        let line = |n: usize| "x".repeat(n);
        assert!(check_report(
            None,
            &vec![line(MAX_LOG_LINE_CHARS); MAX_LOG_LINES_PER_REPORT]
        )
        .is_ok());
        let too_many = vec![line(1); MAX_LOG_LINES_PER_REPORT + 1];
        let err = check_report(None, &too_many).expect_err("too many lines");
        assert_eq!(err.field.as_deref(), Some("logLines"));
        let too_long = vec![line(1), line(MAX_LOG_LINE_CHARS + 1)];
        let err = check_report(None, &too_long).expect_err("too long");
        assert_eq!(err.field.as_deref(), Some("logLines.1"));
        // Characters, not bytes.
        assert!(check_report(None, &["é".repeat(MAX_LOG_LINE_CHARS)]).is_ok());
        let long_message = line(MAX_ERROR_MESSAGE_CHARS + 1);
        let err = check_report(Some(&long_message), &[]).expect_err("message");
        assert_eq!(err.field.as_deref(), Some("errorMessage"));
    }
}
