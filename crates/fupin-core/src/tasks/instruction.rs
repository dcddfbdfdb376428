//! An instruction (任务 / 督办事项): a title, a text and a deadline, sent by a leader's office to
//! the offices of subordinate areas or to named people. Each recipient acknowledges it (签收)
//! and reports back (反馈) with text and attachments; the issuer reminds (催办) those who have
//! not reported, at most once a day each, and sees who is overdue.

use std::fmt;

use chrono::{Days, NaiveDate};

use super::{TEXT_MAX_CHARS, TITLE_MAX_CHARS};
use crate::AreaCode;
use crate::access::Role;
use crate::codes::CodeList;
use crate::message::{Explained, Message};

/// Most recipients of one instruction (every village of a large county).
pub const MAX_RECIPIENTS: usize = 500;
/// Most attachments of one report.
pub const MAX_FILES: usize = 5;
/// Days before the deadline from which an open instruction is "due soon".
pub const DUE_SOON_DAYS: i64 = 3;
/// The furthest deadline, in days.
pub const FURTHEST_DAYS: u64 = 366;

/// Who an instruction goes to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Addressee {
    /// The office of a subordinate area: its staff (and a village's officials) answer for it.
    Area(AreaCode),
    /// A named person, with the area of their account.
    Person { user_id: i64, area: AreaCode },
}

impl Addressee {
    pub fn area(&self) -> &AreaCode {
        match self {
            Addressee::Area(a) | Addressee::Person { area: a, .. } => a,
        }
    }

    /// The person's account, for a named person.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Addressee::Area(_) => None,
            Addressee::Person { user_id, .. } => Some(*user_id),
        }
    }

    /// Whether a user (`user_id` of `area` holding `roles`) answers for this recipient.
    pub fn answered_by(&self, user_id: i64, area: &AreaCode, roles: &[Role]) -> bool {
        match self {
            Addressee::Person { user_id: u, .. } => *u == user_id,
            Addressee::Area(a) => a == area && roles.iter().any(|r| answers_for_office(*r)),
        }
    }
}

/// Whom a user answers for: themselves, and their area's office if a role of theirs does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    pub user_id: i64,
    pub area: AreaCode,
    pub office: bool,
}

impl Reach {
    pub fn of(p: &crate::access::Principal) -> Self {
        Self {
            user_id: p.user_id,
            area: p.area.clone(),
            office: p.roles.iter().any(|r| answers_for_office(*r)),
        }
    }
}

/// The roles that answer for their area's office.
pub fn answers_for_office(role: Role) -> bool {
    matches!(
        role,
        Role::OfficeStaff | Role::OfficeLeader | Role::VillageOfficial
    )
}

/// An instruction as its issuer wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub title: String,
    pub text: String,
    pub deadline: NaiveDate,
    pub addressees: Vec<Addressee>,
}

/// Why an instruction, an acknowledgement, a report or a reminder cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    TitleMissing,
    TitleTooLong,
    TextMissing,
    TextTooLong,
    DeadlinePast,
    DeadlineFar,
    NoRecipients,
    TooManyRecipients,
    /// An area that is not below the issuer's.
    NotSubordinate,
    /// A person whose account is outside the issuer's area.
    PersonOutside,
    Closed,
    ReportedAlready,
    RemindedToday,
    ReportEmpty,
    TooManyFiles,
    FileTooLarge {
        name: String,
        max_mb: u64,
    },
    FileType {
        name: String,
    },
    NotYours,
}

impl Explained for Problem {
    fn message(&self) -> Message {
        match self {
            Self::TitleMissing => Message::new("tasks.title_missing"),
            Self::TitleTooLong => Message::new("tasks.title_too_long").with("max", TITLE_MAX_CHARS),
            Self::TextMissing => Message::new("tasks.text_missing"),
            Self::TextTooLong => Message::new("tasks.text_too_long").with("max", TEXT_MAX_CHARS),
            Self::DeadlinePast => Message::new("tasks.deadline_past"),
            Self::DeadlineFar => Message::new("tasks.deadline_far"),
            Self::NoRecipients => Message::new("tasks.no_recipients"),
            Self::TooManyRecipients => {
                Message::new("tasks.too_many_recipients").with("max", MAX_RECIPIENTS)
            }
            Self::NotSubordinate => Message::new("tasks.not_subordinate"),
            Self::PersonOutside => Message::new("tasks.person_outside"),
            Self::Closed => Message::new("tasks.closed"),
            Self::ReportedAlready => Message::new("tasks.reported_already"),
            Self::RemindedToday => Message::new("tasks.reminded_today"),
            Self::ReportEmpty => Message::new("tasks.report_empty"),
            Self::TooManyFiles => Message::new("tasks.too_many_files").with("max", MAX_FILES),
            Self::FileTooLarge { name, max_mb } => Message::new("tasks.file_too_large")
                .with("name", name)
                .with("max_mb", max_mb),
            Self::FileType { name } => Message::new("tasks.file_type").with("name", name),
            Self::NotYours => Message::new("tasks.not_yours"),
        }
    }
}

crate::explained_error!(Problem, &[super::MESSAGES]);

/// The problems of a title and a text, as every form of this module has them.
pub(super) fn check_words(title: &str, text: &str, problems: &mut Vec<Problem>) {
    match title.trim().chars().count() {
        0 => problems.push(Problem::TitleMissing),
        n if n > TITLE_MAX_CHARS => problems.push(Problem::TitleTooLong),
        _ => {}
    }
    match text.trim().chars().count() {
        0 => problems.push(Problem::TextMissing),
        n if n > TEXT_MAX_CHARS => problems.push(Problem::TextTooLong),
        _ => {}
    }
}

/// Checks an instruction issued by the office of `issuer` on `today`; every problem, in the
/// form's order. An area recipient must lie below the issuer's area (an office does not
/// instruct itself or its neighbours); a named person anywhere within it.
pub fn check(d: &Draft, issuer: &AreaCode, today: NaiveDate) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_words(&d.title, &d.text, &mut problems);
    if d.deadline < today {
        problems.push(Problem::DeadlinePast);
    } else if today
        .checked_add_days(Days::new(FURTHEST_DAYS))
        .is_some_and(|far| d.deadline > far)
    {
        problems.push(Problem::DeadlineFar);
    }
    if d.addressees.is_empty() {
        problems.push(Problem::NoRecipients);
    } else if d.addressees.len() > MAX_RECIPIENTS {
        problems.push(Problem::TooManyRecipients);
    }
    if d.addressees.iter().any(|a| match a {
        Addressee::Area(area) => !issuer.contains(area) || area == issuer,
        Addressee::Person { .. } => false,
    }) {
        problems.push(Problem::NotSubordinate);
    }
    if d.addressees.iter().any(|a| match a {
        Addressee::Person { area, .. } => !issuer.contains(area),
        Addressee::Area(_) => false,
    }) {
        problems.push(Problem::PersonOutside);
    }
    problems
}

code_list! {
    /// How far a recipient has got with an instruction.
    Progress, "办理进度" {
        Sent = ("sent", "待签收", "not acknowledged"),
        Acknowledged = ("acknowledged", "已签收", "acknowledged"),
        Reported = ("reported", "已反馈", "reported"),
    }
}

/// Where a recipient stands against the deadline on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "due", content = "days", rename_all = "snake_case")]
pub enum Due {
    /// Reported: nothing is due.
    Done,
    /// This many days left, more than [`DUE_SOON_DAYS`].
    Later(i64),
    /// This many days left (0: today).
    Soon(i64),
    /// This many days past the deadline.
    Overdue(i64),
}

impl Due {
    pub fn of(deadline: NaiveDate, progress: Progress, today: NaiveDate) -> Self {
        if progress == Progress::Reported {
            return Due::Done;
        }
        let left = (deadline - today).num_days();
        if left < 0 {
            Due::Overdue(-left)
        } else if left <= DUE_SOON_DAYS {
            Due::Soon(left)
        } else {
            Due::Later(left)
        }
    }

    pub fn is_overdue(self) -> bool {
        matches!(self, Due::Overdue(_))
    }

    /// "剩3天", "今天到期", "逾期2天", "已反馈".
    pub fn message(self) -> Message {
        match self {
            Due::Done => Message::new("tasks.due_done"),
            Due::Soon(0) => Message::new("tasks.due_today"),
            Due::Later(days) | Due::Soon(days) => Message::new("tasks.due_left").with("days", days),
            Due::Overdue(days) => Message::new("tasks.due_overdue").with("days", days),
        }
    }
}

/// A recipient acknowledges: a first acknowledgement moves it on, a second changes nothing.
pub fn acknowledge(progress: Progress, closed: bool) -> Result<Progress, Problem> {
    if closed {
        return Err(Problem::Closed);
    }
    Ok(match progress {
        Progress::Sent => Progress::Acknowledged,
        other => other,
    })
}

/// A recipient reports (a report acknowledges too; a later one adds to the first).
pub fn report(closed: bool, text: &str, files: usize) -> Result<Progress, Problem> {
    if closed {
        return Err(Problem::Closed);
    }
    if text.trim().is_empty() && files == 0 {
        return Err(Problem::ReportEmpty);
    }
    if text.trim().chars().count() > TEXT_MAX_CHARS {
        return Err(Problem::TextTooLong);
    }
    if files > MAX_FILES {
        return Err(Problem::TooManyFiles);
    }
    Ok(Progress::Reported)
}

/// Whether the issuer may remind a recipient on `today` (its last reminder on `last`).
pub fn may_remind(
    progress: Progress,
    closed: bool,
    last: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), Problem> {
    if closed {
        return Err(Problem::Closed);
    }
    if progress == Progress::Reported {
        return Err(Problem::ReportedAlready);
    }
    if last == Some(today) {
        return Err(Problem::RemindedToday);
    }
    Ok(())
}

/// What an attachment is, by its first bytes and, for the zipped and compound office formats
/// and plain text, its name: the content type it is served with, or `None` when it is not
/// one of the accepted kinds.
pub fn file_kind(name: &str, bytes: &[u8]) -> Option<&'static str> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if bytes.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    if let Some(image) = crate::field::photo::ImageKind::sniff(bytes) {
        return Some(image.content_type());
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return match ext.as_str() {
            "docx" => {
                Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            }
            "xlsx" => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            _ => None,
        };
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return match ext.as_str() {
            "doc" => Some("application/msword"),
            "xls" => Some("application/vnd.ms-excel"),
            _ => None,
        };
    }
    if matches!(ext.as_str(), "txt" | "csv")
        && std::str::from_utf8(bytes).is_ok_and(|t| !t.contains('\0'))
    {
        return Some(if ext == "csv" {
            "text/csv; charset=utf-8"
        } else {
            "text/plain; charset=utf-8"
        });
    }
    None
}

/// Checks a report's attachments (`name`, size) against the limit `max_bytes`.
pub fn check_files(files: &[(&str, &[u8])], max_bytes: u64) -> Vec<Problem> {
    let mut problems = Vec::new();
    if files.len() > MAX_FILES {
        problems.push(Problem::TooManyFiles);
    }
    for (name, bytes) in files {
        if bytes.len() as u64 > max_bytes {
            problems.push(Problem::FileTooLarge {
                name: name.to_string(),
                max_mb: max_bytes.div_ceil(1 << 20),
            });
        } else if file_kind(name, bytes).is_none() {
            problems.push(Problem::FileType {
                name: name.to_string(),
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> AreaCode {
        AreaCode::parse(c).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn draft(addressees: Vec<Addressee>, deadline: &str) -> Draft {
        Draft {
            title: "核查危房改造进度".into(),
            text: "请各乡镇于期限前报送".into(),
            deadline: day(deadline),
            addressees,
        }
    }

    #[test]
    fn an_instruction_goes_down_never_sideways_or_to_itself() {
        let county = code("522726");
        let today = day("2026-12-07");
        let town = Addressee::Area(code("522726101"));
        assert!(check(&draft(vec![town.clone()], "2026-12-07"), &county, today).is_empty());
        for wrong in [code("522726"), code("522727101"), code("522700")] {
            assert_eq!(
                check(
                    &draft(vec![Addressee::Area(wrong)], "2026-12-10"),
                    &county,
                    today
                ),
                [Problem::NotSubordinate]
            );
        }
        // a named person of the county's own office is fine; one of the next county is not
        let colleague = Addressee::Person {
            user_id: 7,
            area: code("522726"),
        };
        assert!(check(&draft(vec![colleague], "2026-12-10"), &county, today).is_empty());
        let neighbour = Addressee::Person {
            user_id: 8,
            area: code("522727"),
        };
        assert_eq!(
            check(&draft(vec![neighbour], "2026-12-10"), &county, today),
            [Problem::PersonOutside]
        );
    }

    #[test]
    fn deadlines_run_from_today_to_a_year_ahead() {
        let county = code("522726");
        let today = day("2026-12-07");
        let to = vec![Addressee::Area(code("522726101"))];
        assert_eq!(
            check(&draft(to.clone(), "2026-12-06"), &county, today),
            [Problem::DeadlinePast]
        );
        // 366 days ahead is the furthest
        assert!(check(&draft(to.clone(), "2027-12-08"), &county, today).is_empty());
        assert_eq!(
            check(&draft(to, "2027-12-09"), &county, today),
            [Problem::DeadlineFar]
        );
        let mut blank = draft(Vec::new(), "2026-12-10");
        blank.title = " ".into();
        blank.text = "x".repeat(TEXT_MAX_CHARS + 1);
        assert_eq!(
            check(&blank, &county, today),
            [
                Problem::TitleMissing,
                Problem::TextTooLong,
                Problem::NoRecipients
            ]
        );
    }

    #[test]
    fn due_turns_soon_three_days_ahead_and_overdue_the_day_after() {
        let deadline = day("2026-12-10");
        let at = |d: &str| Due::of(deadline, Progress::Acknowledged, day(d));
        assert_eq!(at("2026-12-06"), Due::Later(4));
        assert_eq!(at("2026-12-07"), Due::Soon(3));
        assert_eq!(at("2026-12-10"), Due::Soon(0));
        assert_eq!(at("2026-12-11"), Due::Overdue(1));
        assert_eq!(
            Due::of(deadline, Progress::Reported, day("2027-01-01")),
            Due::Done
        );
    }

    #[test]
    fn acknowledging_reporting_and_reminding_follow_the_progress() {
        assert_eq!(
            acknowledge(Progress::Sent, false),
            Ok(Progress::Acknowledged)
        );
        assert_eq!(
            acknowledge(Progress::Reported, false),
            Ok(Progress::Reported)
        );
        assert_eq!(acknowledge(Progress::Sent, true), Err(Problem::Closed));
        assert_eq!(report(false, "已完成", 0), Ok(Progress::Reported));
        assert_eq!(report(false, " ", 1), Ok(Progress::Reported));
        assert_eq!(report(false, " ", 0), Err(Problem::ReportEmpty));
        assert_eq!(
            report(false, "x", MAX_FILES + 1),
            Err(Problem::TooManyFiles)
        );
        let today = day("2026-12-07");
        assert_eq!(may_remind(Progress::Sent, false, None, today), Ok(()));
        assert_eq!(
            may_remind(Progress::Sent, false, Some(day("2026-12-06")), today),
            Ok(())
        );
        assert_eq!(
            may_remind(Progress::Acknowledged, false, Some(today), today),
            Err(Problem::RemindedToday)
        );
        assert_eq!(
            may_remind(Progress::Reported, false, None, today),
            Err(Problem::ReportedAlready)
        );
    }

    #[test]
    fn an_office_answers_for_its_area_and_a_person_for_themselves() {
        let town = code("522726101");
        let office = Addressee::Area(town.clone());
        assert!(office.answered_by(1, &town, &[Role::OfficeStaff]));
        assert!(!office.answered_by(1, &town, &[Role::HelperCadre]));
        assert!(!office.answered_by(1, &code("522726102"), &[Role::OfficeStaff]));
        let person = Addressee::Person {
            user_id: 5,
            area: town.clone(),
        };
        assert!(person.answered_by(5, &town, &[Role::HelperCadre]));
        assert!(!person.answered_by(6, &town, &[Role::OfficeStaff]));
    }

    #[test]
    fn attachments_are_known_kinds_within_the_limit() {
        assert_eq!(
            file_kind("报告.pdf", b"%PDF-1.7 ..."),
            Some("application/pdf")
        );
        assert!(file_kind("表.xlsx", b"PK\x03\x04rest").is_some());
        assert_eq!(file_kind("表.zip", b"PK\x03\x04rest"), None);
        assert_eq!(
            file_kind("说明.txt", "已完成".as_bytes()),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(file_kind("a.exe", b"MZ\x90\x00"), None);
        let big = vec![b'a'; 11];
        let problems = check_files(&[("a.txt", &big), ("b.exe", b"MZ")], 10);
        assert_eq!(
            problems,
            [
                Problem::FileTooLarge {
                    name: "a.txt".into(),
                    max_mb: 1
                },
                Problem::FileType {
                    name: "b.exe".into()
                }
            ]
        );
    }
}
