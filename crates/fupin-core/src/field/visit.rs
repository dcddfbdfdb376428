//! A helper's visit to a household (走访): what a visit must carry to be recorded, and what is
//! flagged for a person to look at. A visit is flagged, never refused, for where it was made:
//! a phone's position is evidence to weigh, not a gate (a weak fix in a valley is common).

use std::fmt;

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, TimeZone, Utc};

use super::geo::{Fix, distance_m, plausible_in_china};
use crate::GeoPoint;
use crate::codes::CodeList;
use crate::message::{Explained, Message};

code_list! {
    /// What changed at the household, among "two no-worries, three guarantees and safe water"
    /// (两不愁三保障, domain.md §4.1).
    ChangedItem, "两不愁三保障" {
        Food = ("food", "不愁吃", "food"),
        Clothing = ("clothing", "不愁穿", "clothing"),
        Education = ("education", "义务教育有保障", "compulsory education"),
        Medical = ("medical", "基本医疗有保障", "basic medical care"),
        Housing = ("housing", "住房安全有保障", "safe housing"),
        Water = ("water", "饮水安全", "safe drinking water"),
    }
}

code_list! {
    /// Why a recorded visit wants a second look.
    VisitFlag, "走访提示" {
        Far = ("far", "定位距农户超出范围", "farther from the household than allowed"),
        Inaccurate = ("inaccurate", "定位精度不足", "position too imprecise"),
        NoPosition = ("no_position", "未取得定位", "no position"),
        Implausible = ("implausible", "定位无效（境外或零点）", "impossible position (outside China or 0,0)"),
        HouseholdUnlocated = ("household_unlocated", "农户无登记位置，未核对距离", "household has no recorded location; distance not checked"),
        PhotoFar = ("photo_far", "照片拍摄地点远离农户", "a photo was taken far from the household"),
        PhotoTime = ("photo_time", "照片拍摄时间与走访时间相差超过一天", "a photo was taken more than a day from the visit"),
        LateRecord = ("late_record", "走访后超过七天才上报", "reported more than seven days after the visit"),
    }
}

impl VisitFlag {
    /// Whether the flag doubts that the helper was at the household (the month's "flagged
    /// visits"); the others are about the record (no location registered, reported late).
    pub fn doubts_presence(self) -> bool {
        !matches!(self, Self::HouseholdUnlocated | Self::LateRecord)
    }
}

/// Photos a visit carries: at least one (a visit counts only with photos, seed 001), at most six.
pub const PHOTOS_MIN: usize = 1;
pub const PHOTOS_MAX: usize = 6;
/// The longest note, in characters.
pub const NOTE_MAX_CHARS: usize = 1000;
/// A visit may be edited this long after it was recorded; later, a correction is appended.
pub const EDIT_HOURS: i64 = 24;
/// A phone clock this far ahead of the server's is still believed.
const CLOCK_SKEW_MINUTES: i64 = 10;
/// Reported this long after the visit: written up afterwards, which supervision wants to see.
const LATE_RECORD_DAYS: i64 = 7;
/// A photo taken this long before or after the visit is not of the visit.
const PHOTO_TIME_HOURS: i64 = 24;

/// What the phone sent about a photo's origin, read from its EXIF block.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PhotoOrigin {
    /// DateTimeOriginal, the camera's local time (phones in China: Beijing time).
    pub taken_at: Option<NaiveDateTime>,
    pub position: Option<GeoPoint>,
}

/// Everything the flags are computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitFacts<'a> {
    pub fix: Option<Fix>,
    /// The household's recorded location.
    pub household: Option<GeoPoint>,
    /// Farther than this (or a fix less precise than this) is flagged (policy `visit_radius_m`).
    pub radius_m: f64,
    pub visited_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub photos: &'a [PhotoOrigin],
}

/// The outcome: the distance when it could be measured, and the flags in a fixed order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VisitReview {
    pub distance_m: Option<f64>,
    pub flags: Vec<VisitFlag>,
}

/// Beijing time, which the camera's EXIF times are read in.
fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("a valid offset")
}

/// Reviews a visit. Boundaries: exactly the radius away, or an accuracy of exactly the radius,
/// is not flagged.
pub fn review(facts: &VisitFacts<'_>) -> VisitReview {
    let mut out = VisitReview::default();
    let mut flag = |f: VisitFlag| {
        if !out.flags.contains(&f) {
            out.flags.push(f);
        }
    };
    match facts.fix {
        None => flag(VisitFlag::NoPosition),
        Some(fix) if !plausible_in_china(fix.point()) => flag(VisitFlag::Implausible),
        Some(fix) => {
            if fix
                .accuracy_m
                .is_none_or(|a| !a.is_finite() || a > facts.radius_m)
            {
                flag(VisitFlag::Inaccurate);
            }
            match facts.household {
                Some(home) => {
                    let d = distance_m(fix.point(), home);
                    if d > facts.radius_m {
                        flag(VisitFlag::Far);
                    }
                    out.distance_m = Some(d);
                }
                None => flag(VisitFlag::HouseholdUnlocated),
            }
        }
    }
    for photo in facts.photos {
        if let (Some(p), Some(home)) = (photo.position, facts.household)
            && plausible_in_china(p)
            && distance_m(p, home) > facts.radius_m
        {
            flag(VisitFlag::PhotoFar);
        }
        if let Some(taken) = photo
            .taken_at
            .and_then(|t| beijing().from_local_datetime(&t).single())
            && (taken.with_timezone(&Utc) - facts.visited_at).abs()
                > Duration::hours(PHOTO_TIME_HOURS)
        {
            flag(VisitFlag::PhotoTime);
        }
    }
    if facts.recorded_at - facts.visited_at > Duration::days(LATE_RECORD_DAYS) {
        flag(VisitFlag::LateRecord);
    }
    out.distance_m = out.distance_m.map(|d| d.round());
    out.flags.sort();
    out
}

/// A visit as the phone wrote it, before it is recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitDraft {
    pub client_id: String,
    pub visited_at: DateTime<Utc>,
    pub done: String,
    pub needs: String,
    pub changed: Vec<ChangedItem>,
    pub photos: usize,
}

/// Why a visit cannot be recorded as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitProblem {
    BadClientId,
    NothingDone,
    NoteTooLong { field: &'static str },
    PhotoCount { given: usize },
    InTheFuture,
    UnknownItem { code: String },
    EditClosed,
}

impl Explained for VisitProblem {
    fn message(&self) -> Message {
        match self {
            Self::BadClientId => Message::new("visit.bad_client_id"),
            Self::NothingDone => Message::new("visit.nothing_done"),
            Self::NoteTooLong { field } => Message::new(if *field == "done" {
                "visit.done_too_long"
            } else {
                "visit.needs_too_long"
            })
            .with("max", NOTE_MAX_CHARS),
            Self::PhotoCount { given } => Message::new("visit.photo_count")
                .with("given", given)
                .with("min", PHOTOS_MIN)
                .with("max", PHOTOS_MAX),
            Self::InTheFuture => Message::new("visit.in_the_future"),
            Self::UnknownItem { code } => Message::new("visit.unknown_item").with("code", code),
            Self::EditClosed => Message::new("visit.edit_closed").with("hours", EDIT_HOURS),
        }
    }
}

crate::explained_error!(VisitProblem, &[MESSAGES]);

/// A client-generated id: a UUID as the phone's `crypto.randomUUID()` writes it (the key that
/// makes a replayed sync change nothing).
pub fn valid_client_id(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The changed items named by their codes.
pub fn parse_items(codes: &[String]) -> Result<Vec<ChangedItem>, VisitProblem> {
    let mut items = Vec::new();
    for code in codes {
        let item = ChangedItem::parse(code.trim())
            .ok_or_else(|| VisitProblem::UnknownItem { code: code.clone() })?;
        if !items.contains(&item) {
            items.push(item);
        }
    }
    items.sort();
    Ok(items)
}

/// Checks a visit as sent, `now` being the server's time; every problem, in the form's order.
pub fn check(draft: &VisitDraft, now: DateTime<Utc>) -> Vec<VisitProblem> {
    let mut problems = Vec::new();
    if !valid_client_id(&draft.client_id) {
        problems.push(VisitProblem::BadClientId);
    }
    if draft.visited_at - now > Duration::minutes(CLOCK_SKEW_MINUTES) {
        problems.push(VisitProblem::InTheFuture);
    }
    if draft.done.trim().is_empty() {
        problems.push(VisitProblem::NothingDone);
    }
    for (field, text) in [("done", &draft.done), ("needs", &draft.needs)] {
        if text.chars().count() > NOTE_MAX_CHARS {
            problems.push(VisitProblem::NoteTooLong { field });
        }
    }
    if !(PHOTOS_MIN..=PHOTOS_MAX).contains(&draft.photos) {
        problems.push(VisitProblem::PhotoCount {
            given: draft.photos,
        });
    }
    problems
}

/// A recorded visit's notes may still be edited (else a correction is appended to it).
pub fn editable(recorded_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - recorded_at < Duration::hours(EDIT_HOURS)
}

/// The date a moment falls on in Beijing time (what "today" and "not visited in N days" count by).
pub fn beijing_date(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.with_timezone(&beijing()).date_naive()
}

/// The month a moment falls in, in Beijing time ("2026-11"): the month summaries count by.
pub fn month_of(at: DateTime<Utc>) -> String {
    at.with_timezone(&beijing()).format("%Y-%m").to_string()
}

/// The texts of this module's messages.
pub const MESSAGES: crate::message::Strings = &[
    (
        "visit.bad_client_id",
        "走访记录编号无效（应由手机生成）",
        "The visit's id is not valid (the phone makes it)",
    ),
    (
        "visit.nothing_done",
        "请填写本次走访做了什么",
        "Say what was done on this visit",
    ),
    (
        "visit.done_too_long",
        "“走访内容”不能超过{max}个字",
        "\"What was done\" may have at most {max} characters",
    ),
    (
        "visit.needs_too_long",
        "“农户需求”不能超过{max}个字",
        "\"The household's needs\" may have at most {max} characters",
    ),
    (
        "visit.photo_count",
        "每次走访须有{min}至{max}张照片，收到{given}张",
        "A visit needs {min} to {max} photos; {given} arrived",
    ),
    (
        "visit.in_the_future",
        "走访时间晚于当前时间，请检查手机时间",
        "The visit's time is in the future: check the phone's clock",
    ),
    (
        "visit.unknown_item",
        "未知的“两不愁三保障”项目：{code}",
        "Unknown \"two no-worries, three guarantees\" item: {code}",
    ),
    (
        "visit.edit_closed",
        "走访记录超过{hours}小时后不能修改，请追加更正说明",
        "A visit cannot be edited more than {hours} hours after it was recorded: append a correction",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> GeoPoint {
        GeoPoint {
            lat: 25.83,
            lon: 107.54,
        }
    }

    /// A point `metres` north of the household.
    fn north(metres: f64) -> Fix {
        Fix {
            lat: home().lat + metres / 111_195.08,
            lon: home().lon,
            accuracy_m: Some(20.0),
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn facts(fix: Option<Fix>, photos: &[PhotoOrigin]) -> VisitFacts<'_> {
        VisitFacts {
            fix,
            household: Some(home()),
            radius_m: 500.0,
            visited_at: t("2026-11-05T02:00:00Z"),
            recorded_at: t("2026-11-05T02:05:00Z"),
            photos,
        }
    }

    #[test]
    fn the_radius_is_the_boundary_of_far() {
        let near = review(&facts(Some(north(499.0)), &[]));
        assert_eq!(near.flags, vec![]);
        assert_eq!(near.distance_m, Some(499.0));
        // exactly at the radius (to the rounding of the distance): not flagged
        assert!(review(&facts(Some(north(499.99)), &[])).flags.is_empty());
        let far = review(&facts(Some(north(501.0)), &[]));
        assert_eq!(far.flags, vec![VisitFlag::Far]);
        assert_eq!(far.distance_m, Some(501.0));
    }

    #[test]
    fn an_accuracy_worse_than_the_radius_is_flagged() {
        let with = |a: Option<f64>| {
            review(&facts(
                Some(Fix {
                    accuracy_m: a,
                    ..north(10.0)
                }),
                &[],
            ))
            .flags
        };
        assert_eq!(with(Some(500.0)), vec![]);
        assert_eq!(with(Some(500.1)), vec![VisitFlag::Inaccurate]);
        assert_eq!(with(None), vec![VisitFlag::Inaccurate]);
        assert_eq!(with(Some(f64::NAN)), vec![VisitFlag::Inaccurate]);
    }

    #[test]
    fn missing_and_impossible_positions_are_flagged_without_a_distance() {
        let none = review(&facts(None, &[]));
        assert_eq!(
            (none.flags, none.distance_m),
            (vec![VisitFlag::NoPosition], None)
        );
        let zero = Fix {
            lat: 0.0,
            lon: 0.0,
            accuracy_m: Some(5.0),
        };
        let r = review(&facts(Some(zero), &[]));
        assert_eq!(
            (r.flags, r.distance_m),
            (vec![VisitFlag::Implausible], None)
        );
        let unlocated = review(&VisitFacts {
            household: None,
            ..facts(Some(north(10.0)), &[])
        });
        assert_eq!(unlocated.flags, vec![VisitFlag::HouseholdUnlocated]);
    }

    #[test]
    fn photos_taken_elsewhere_or_at_another_time_are_flagged() {
        let beijing_time = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        // the visit is at 10:00 Beijing time
        let on_time = PhotoOrigin {
            taken_at: Some(beijing_time("2026-11-05 09:50")),
            position: Some(north(100.0).point()),
        };
        assert!(
            review(&facts(Some(north(10.0)), &[on_time]))
                .flags
                .is_empty()
        );
        let day_after = PhotoOrigin {
            taken_at: Some(beijing_time("2026-11-06 10:01")),
            position: None,
        };
        let far = PhotoOrigin {
            taken_at: None,
            position: Some(north(2_000.0).point()),
        };
        assert_eq!(
            review(&facts(Some(north(10.0)), &[on_time, day_after, far, far])).flags,
            vec![VisitFlag::PhotoFar, VisitFlag::PhotoTime]
        );
        // exactly a day apart is still the visit's photo
        let a_day = PhotoOrigin {
            taken_at: Some(beijing_time("2026-11-06 10:00")),
            position: None,
        };
        assert!(review(&facts(Some(north(10.0)), &[a_day])).flags.is_empty());
    }

    #[test]
    fn a_visit_reported_a_week_later_is_flagged() {
        let at = |recorded: &str| {
            review(&VisitFacts {
                recorded_at: t(recorded),
                ..facts(Some(north(10.0)), &[])
            })
            .flags
        };
        assert!(at("2026-11-12T02:00:00Z").is_empty());
        assert_eq!(at("2026-11-12T02:00:01Z"), vec![VisitFlag::LateRecord]);
    }

    fn draft() -> VisitDraft {
        VisitDraft {
            client_id: "0f8c2b1e-5d7a-4c3b-9e21-7a6b5c4d3e2f".into(),
            visited_at: t("2026-11-05T02:00:00Z"),
            done: "宣讲政策，核实收入".into(),
            needs: String::new(),
            changed: vec![],
            photos: 2,
        }
    }

    #[test]
    fn a_visit_needs_notes_photos_a_client_id_and_a_past_time() {
        let now = t("2026-11-05T02:00:00Z");
        assert!(check(&draft(), now).is_empty());
        let bad = VisitDraft {
            client_id: "0f8c2b1e5d7a4c3b9e217a6b5c4d3e2f".into(),
            visited_at: now + Duration::minutes(11),
            done: "  ".into(),
            needs: "需".repeat(NOTE_MAX_CHARS + 1),
            photos: 0,
            ..draft()
        };
        assert_eq!(
            check(&bad, now),
            vec![
                VisitProblem::BadClientId,
                VisitProblem::InTheFuture,
                VisitProblem::NothingDone,
                VisitProblem::NoteTooLong { field: "needs" },
                VisitProblem::PhotoCount { given: 0 },
            ]
        );
        for (photos, ok) in [(1, true), (6, true), (7, false)] {
            assert_eq!(check(&VisitDraft { photos, ..draft() }, now).is_empty(), ok);
        }
        // a phone clock ten minutes fast is believed
        let skewed = VisitDraft {
            visited_at: now + Duration::minutes(10),
            ..draft()
        };
        assert!(check(&skewed, now).is_empty());
        assert_eq!(
            check(
                &VisitDraft {
                    done: "做".repeat(NOTE_MAX_CHARS),
                    ..draft()
                },
                now
            ),
            vec![]
        );
    }

    #[test]
    fn items_are_parsed_once_each_in_order() {
        let codes = ["water", "food", "water"].map(String::from);
        assert_eq!(
            parse_items(&codes),
            Ok(vec![ChangedItem::Food, ChangedItem::Water])
        );
        assert_eq!(
            parse_items(&["roads".to_string()]),
            Err(VisitProblem::UnknownItem {
                code: "roads".into()
            })
        );
    }

    #[test]
    fn edits_close_after_a_day_and_months_are_beijing_months() {
        let recorded = t("2026-11-05T02:00:00Z");
        assert!(editable(
            recorded,
            recorded + Duration::hours(24) - Duration::seconds(1)
        ));
        assert!(!editable(recorded, recorded + Duration::hours(24)));
        // 16:30 UTC on 31 October is 00:30 on 1 November in Beijing
        assert_eq!(month_of(t("2026-10-31T16:30:00Z")), "2026-11");
        assert_eq!(month_of(t("2026-10-31T15:59:59Z")), "2026-10");
    }

    #[test]
    fn client_ids_are_uuids() {
        assert!(valid_client_id("0F8C2B1E-5D7A-4C3B-9E21-7A6B5C4D3E2F"));
        assert!(!valid_client_id(""));
        assert!(!valid_client_id("0f8c2b1e-5d7a-4c3b-9e21-7a6b5c4d3e2g"));
        assert!(!valid_client_id("0f8c2b1e-5d7a-4c3b-9e21_7a6b5c4d3e2f"));
    }
}
