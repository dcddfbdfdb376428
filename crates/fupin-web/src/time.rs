//! Times as people read them. The registry stores instants in UTC (RFC 3339, "…Z"); pages show
//! them in Beijing time (UTC+8, the one standard time of the whole country) without the zone
//! marker, to the minute: "2026-12-07 18:13".

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};

/// China Standard Time.
fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("a valid offset")
}

/// A stored instant: RFC 3339 with any offset, or SQL's "YYYY-MM-DD HH:MM:SS" taken as UTC.
fn parse(stored: &str) -> Option<DateTime<Utc>> {
    let s = stored.trim();
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// A stored instant in Beijing time, "YYYY-MM-DD HH:MM"; a text that is not an instant (a
/// plain date, nothing) is returned as it is.
pub fn local_time(stored: &str) -> String {
    parse(stored).map_or_else(
        || stored.to_string(),
        |t| {
            t.with_timezone(&beijing())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        },
    )
}

/// The day of a stored instant in Beijing time ("YYYY-MM-DD"): 23:30 UTC is the next morning
/// there. A plain date is returned as it is.
pub fn local_date(stored: &str) -> String {
    parse(stored).map_or_else(
        || stored.get(..10).unwrap_or(stored).to_string(),
        |t| t.with_timezone(&beijing()).format("%Y-%m-%d").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_shown_in_beijing_time() {
        assert_eq!(local_time("2026-12-07T10:13:15Z"), "2026-12-07 18:13");
        assert_eq!(
            local_time("2026-12-07T10:13:15.123456Z"),
            "2026-12-07 18:13"
        );
        assert_eq!(local_time("2026-12-07T23:30:00+00:00"), "2026-12-08 07:30");
        assert_eq!(local_time("2026-12-07 23:30:00"), "2026-12-08 07:30");
        assert_eq!(local_date("2026-12-07T23:30:00Z"), "2026-12-08");
        assert_eq!(local_date("2026-12-07T01:00:00Z"), "2026-12-07");
    }

    #[test]
    fn other_texts_pass_through() {
        assert_eq!(local_time("2026-12-07"), "2026-12-07");
        assert_eq!(local_time(""), "");
        assert_eq!(local_date("2026-12-07"), "2026-12-07");
        assert_eq!(local_date("—"), "—");
    }
}
