//! Work sent down the hierarchy: instructions (任务分派 / 跟踪督办) that a leader issues to
//! subordinate areas or named people with a deadline, each recipient acknowledging and
//! reporting back, with reminders and the overdue list; and announcements (通知公告) to an
//! area's people, with read receipts.
//!
//! - `instruction`: who may be sent what, each recipient's progress, when it is due or overdue,
//!   when a reminder may go out;
//! - `announcement`: who an announcement reaches.
//!
//! Pure: callers pass `today` and `now`.

pub mod announcement;
pub mod instruction;

/// Longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 100;
/// Longest text (an instruction's, an announcement's, a report's), in characters.
pub const TEXT_MAX_CHARS: usize = 5_000;

/// The texts of this module's messages.
pub const MESSAGES: crate::message::Strings = &[
    ("tasks.title_missing", "请填写标题", "Give a title"),
    (
        "tasks.title_too_long",
        "标题不能超过{max}个字",
        "The title may have at most {max} characters",
    ),
    ("tasks.text_missing", "请填写内容", "Write the text"),
    (
        "tasks.text_too_long",
        "内容不能超过{max}个字",
        "The text may have at most {max} characters",
    ),
    (
        "tasks.deadline_past",
        "办理期限不能早于今天",
        "The deadline cannot be before today",
    ),
    (
        "tasks.deadline_far",
        "办理期限不能超过一年",
        "The deadline cannot be more than a year away",
    ),
    (
        "tasks.no_recipients",
        "请选择接收的下级地区或人员",
        "Choose the subordinate areas or people it goes to",
    ),
    (
        "tasks.too_many_recipients",
        "接收对象不能超过{max}个",
        "At most {max} recipients",
    ),
    (
        "tasks.not_subordinate",
        "只能下达给本级所辖的下级地区",
        "It can only go to areas below your own",
    ),
    (
        "tasks.person_outside",
        "只能发给本辖区内的人员",
        "It can only go to people of your own area",
    ),
    (
        "tasks.closed",
        "该任务已办结，不能再签收或反馈",
        "This instruction is closed: nothing more can be acknowledged or reported",
    ),
    (
        "tasks.reported_already",
        "已反馈，无需催办",
        "Already reported: no reminder needed",
    ),
    (
        "tasks.reminded_today",
        "今天已催办过，明天再催",
        "Reminded today already; remind again tomorrow",
    ),
    (
        "tasks.report_empty",
        "请填写反馈内容或上传附件",
        "Write the report or attach a file",
    ),
    (
        "tasks.too_many_files",
        "附件不能超过{max}个",
        "At most {max} attachments",
    ),
    (
        "tasks.file_too_large",
        "附件“{name}”超过{max_mb}MB",
        "The attachment \"{name}\" is larger than {max_mb} MB",
    ),
    (
        "tasks.file_type",
        "附件“{name}”不是可接受的文件（PDF、图片、Word、Excel、文本）",
        "The attachment \"{name}\" is not an accepted file (PDF, image, Word, Excel, text)",
    ),
    ("tasks.due_done", "已反馈", "reported"),
    ("tasks.due_today", "今天到期", "due today"),
    ("tasks.due_left", "剩{days}天", "{days} days left"),
    ("tasks.due_overdue", "逾期{days}天", "{days} days overdue"),
    (
        "tasks.not_yours",
        "这项任务不是发给你或你所在单位的",
        "This instruction is not addressed to you or your office",
    ),
];
