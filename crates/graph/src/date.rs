//! `Date`: a calendar day written `YYYY-MM-DD` (ISO 8601), for arguments and fields that name a
//! day rather than an instant. async-graphql's own `NaiveDate` scalar would carry that type name
//! into the schema; clients expect `Date`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar day, `YYYY-MM-DD` (ISO 8601).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar day, `YYYY-MM-DD` (ISO 8601).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom(format!("expected YYYY-MM-DD, got {s:?}"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_reads_and_writes_as_iso_8601() {
        let day = Date::parse(Value::String("2026-02-28".into())).expect("a day");
        assert_eq!(day.0, NaiveDate::from_ymd_opt(2026, 2, 28).expect("valid"));
        assert_eq!(day.to_value(), Value::String("2026-02-28".into()));
        for bad in ["2026-02-30", "28/02/2026", "2026-02-28T00:00:00Z"] {
            assert!(Date::parse(Value::String(bad.into())).is_err(), "{bad}");
        }
        assert!(Date::parse(Value::Number(20260228.into())).is_err());
    }
}
