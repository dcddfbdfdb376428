//! Recorded codes in words: who acted (the command line, an API token), what an audit entry
//! records, and the notes the system itself writes on warnings. The records keep their codes;
//! only what a page shows is worded.

use fupin_core::Message;

use crate::i18n::{Lang, lookup, message};

/// Who acted, as the trail names them: `cli:<login>` is the machine's operator, `user#token`
/// a user's API token; anyone else by their username.
pub fn actor(lang: Lang, name: &str) -> String {
    if name.starts_with("cli:") {
        return message(lang, &Message::new("actor_cli"));
    }
    match name.split_once('#') {
        Some((user, token)) => message(
            lang,
            &Message::new("actor_token")
                .with("user", user)
                .with("token", token),
        ),
        None => name.to_string(),
    }
}

/// An audit entry's action (`household.edit` …) in words; an action the catalogue does not
/// know yet is shown as its code.
pub fn audit_action(lang: Lang, code: &str) -> String {
    lookup(lang, &format!("audit_action.{code}")).map_or_else(|| code.to_string(), str::to_string)
}

/// The kind of record an audit entry touched, in words.
pub fn audit_target(lang: Lang, kind: &str) -> String {
    lookup(lang, &format!("audit_target.{kind}")).map_or_else(|| kind.to_string(), str::to_string)
}

/// A warning event's note: what the system writes when a comparison run or the registry scan
/// raises or sees a warning again (`run 5`, `registry scan`) in words; a person's note as typed.
pub fn warning_note(lang: Lang, act: &str, note: &str) -> String {
    if !matches!(act, "raise" | "seen") {
        return note.to_string();
    }
    if note == "registry scan" {
        return message(lang, &Message::new("warning_note_scan"));
    }
    match note
        .strip_prefix("run ")
        .and_then(|n| n.parse::<i64>().ok())
    {
        Some(run) => message(lang, &Message::new("warning_note_run").with("run", run)),
        None => note.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_become_words_in_the_page_language() {
        assert_eq!(actor(Lang::Zh, "cli:operator"), "系统管理员（命令行）");
        assert_eq!(
            actor(Lang::En, "cli:root"),
            "System administrator (command line)"
        );
        assert_eq!(actor(Lang::Zh, "county#民政"), "county（接口令牌“民政”）");
        assert_eq!(actor(Lang::Zh, "village"), "village");
        assert_eq!(audit_action(Lang::Zh, "household.edit"), "修改农户信息");
        assert_eq!(audit_action(Lang::En, "no.such"), "no.such");
        assert_eq!(audit_target(Lang::Zh, "household"), "农户");
        assert_eq!(warning_note(Lang::Zh, "raise", "run 5"), "第 5 次比对发现");
        assert_eq!(
            warning_note(Lang::En, "seen", "registry scan"),
            "found by the registry scan"
        );
        assert_eq!(warning_note(Lang::Zh, "close", "run 5"), "run 5");
    }
}
