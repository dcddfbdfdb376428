//! Messages for people, in no language yet: a key of the catalogue and the values its text
//! names. Rules and use-cases return these; the web layer renders them in the page's language
//! (`fupin_web::i18n::message`), so a Chinese page shows Chinese and an English page English,
//! never the two side by side.
//!
//! The texts live in tables of (key, zh-CN, en) beside the rules that use them ([`Strings`]);
//! the crate's tables are listed in its `MESSAGES`, and the web catalogue takes them all in.
//! Where no page chose a language (the command line, logs, import reports), a message reads in
//! both, "中文 / English" ([`explained_error!`]).

use std::borrow::Cow;
use std::fmt;

use crate::codes::CodeList;

/// A value a message names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// The same in every language: a number, a date, a name, a household number.
    Text(String),
    /// A value with words of its own in each language: a coded value's label, or another
    /// message's text.
    Label {
        zh: Cow<'static, str>,
        en: Cow<'static, str>,
    },
}

impl Arg {
    /// The value in Chinese (`zh`) or English.
    pub fn in_language(&self, zh: bool) -> &str {
        match self {
            Arg::Text(t) => t,
            Arg::Label { zh: z, en } => {
                if zh {
                    z
                } else {
                    en
                }
            }
        }
    }
}

/// A catalogue key and the named values its text refers to as `{name}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// A text already in the reader's language (put together by the page that shows it).
    pub fn localized(text: impl Into<String>) -> Self {
        Self::new("localized").with("text", text.into())
    }

    /// Names `value` as `{name}` in the text.
    pub fn with(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// Names a coded value's label as `{name}`.
    pub fn label<T: CodeList>(mut self, name: &'static str, value: T) -> Self {
        self.args.push((
            name,
            Arg::Label {
                zh: value.zh().into(),
                en: value.en().into(),
            },
        ));
        self
    }

    /// Names a value with a label of its own in each language as `{name}`.
    pub fn with_label(
        mut self,
        name: &'static str,
        zh: impl Into<Cow<'static, str>>,
        en: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.args.push((
            name,
            Arg::Label {
                zh: zh.into(),
                en: en.into(),
            },
        ));
        self
    }

    /// Names a list as `{name}`: its items joined as each language writes a list ("甲、乙",
    /// "a, b").
    pub fn with_list<Z: AsRef<str>, E: AsRef<str>>(
        self,
        name: &'static str,
        zh: &[Z],
        en: &[E],
    ) -> Self {
        let join = |items: Vec<&str>, separator| items.join(separator);
        let zh = join(zh.iter().map(AsRef::as_ref).collect(), "、");
        let en = join(en.iter().map(AsRef::as_ref).collect(), ", ");
        self.with_label(name, zh, en)
    }

    /// Names the texts of several messages (found in `tables`), each language's joined by
    /// `separator`, as `{name}`.
    pub fn nested_all(
        mut self,
        name: &'static str,
        inner: &[Message],
        separator: &str,
        tables: &[Strings],
    ) -> Self {
        let (mut zh, mut en) = (Vec::new(), Vec::new());
        for m in inner {
            let (z, e) = m
                .texts(tables)
                .unwrap_or_else(|| (m.key.to_string(), m.key.to_string()));
            zh.push(z);
            en.push(e);
        }
        self.args.push((
            name,
            Arg::Label {
                zh: zh.join(separator).into(),
                en: en.join(separator).into(),
            },
        ));
        self
    }

    /// Names another message's text (found in `tables`) as `{name}`; its key where none has it.
    pub fn nested(mut self, name: &'static str, inner: &Message, tables: &[Strings]) -> Self {
        let (zh, en) = inner
            .texts(tables)
            .unwrap_or_else(|| (inner.key.to_string(), inner.key.to_string()));
        self.args.push((
            name,
            Arg::Label {
                zh: zh.into(),
                en: en.into(),
            },
        ));
        self
    }

    /// The text in Chinese and in English from the first of `tables` that has the key.
    pub fn texts(&self, tables: &[Strings]) -> Option<(String, String)> {
        let (_, zh, en) = tables
            .iter()
            .flat_map(|t| t.iter())
            .find(|(k, _, _)| *k == self.key)?;
        Some((self.fill(zh, true), self.fill(en, false)))
    }

    /// Fills `{name}` in `template` with the arguments, in Chinese (`zh`) or English; an unknown
    /// `{name}` is left as it is.
    pub fn fill(&self, template: &str, zh: bool) -> String {
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let name = &after[..close];
                self.args
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (v.in_language(zh), close))
            });
            match value {
                Some((v, close)) => {
                    out.push_str(v);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// The texts of the messages of this module.
pub const MESSAGES: Strings = &[("localized", "{text}", "{text}")];

/// A table of message texts: (key, zh-CN, en), `{name}` where a value goes.
pub type Strings = &'static [(&'static str, &'static str, &'static str)];

impl Message {
    /// Both languages, "中文 / English", from the first of `tables` that has the key; `None`
    /// if none has.
    pub fn bilingual(&self, tables: &[Strings]) -> Option<String> {
        let (zh, en) = self.texts(tables)?;
        Some(format!("{zh} / {en}"))
    }
}

/// The key and the values, for logs (a message's text needs its table: see [`Message::bilingual`]).
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key)?;
        for (name, value) in &self.args {
            write!(f, " {name}={}", value.in_language(true))?;
        }
        Ok(())
    }
}

/// As data (where a record carrying a message is serialised): the key and the values by name,
/// a value with words of its own as `{"zh": …, "en": …}`.
impl serde::Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Args<'a>(&'a [(&'static str, Arg)]);
        impl serde::Serialize for Args<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (name, value) in self.0 {
                    match value {
                        Arg::Text(t) => map.serialize_entry(name, t)?,
                        Arg::Label { zh, en } => map.serialize_entry(
                            name,
                            &std::collections::BTreeMap::from([("zh", zh), ("en", en)]),
                        )?,
                    }
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("key", self.key)?;
        map.serialize_entry("args", &Args(&self.args))?;
        map.end()
    }
}

/// Something that explains itself to a person through a [`Message`].
pub trait Explained {
    fn message(&self) -> Message;
}

/// `Display` in both languages from the message tables `$tables` (for the command line, logs
/// and import reports) and `Error`, for an [`Explained`] type.
#[macro_export]
macro_rules! explained_error {
    ($t:ty, $tables:expr) => {
        impl ::std::fmt::Display for $t {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let m = $crate::message::Explained::message(self);
                match m.bilingual($tables) {
                    Some(text) => f.write_str(&text),
                    None => ::std::fmt::Display::fmt(&m, f),
                }
            }
        }
        impl ::std::error::Error for $t {}
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::HouseholdStatus;

    #[test]
    fn arguments_fill_their_places_in_either_language() {
        let m = Message::new("k")
            .with("n", 3)
            .label("status", HouseholdStatus::Poor);
        assert_eq!(
            m.fill("{n} 户{status}", true),
            format!("3 户{}", HouseholdStatus::Poor.zh())
        );
        assert_eq!(
            m.fill("{n} households {status}", false),
            format!("3 households {}", HouseholdStatus::Poor.en())
        );
        assert_eq!(m.fill("{unknown} {n}", true), "{unknown} 3");
        assert_eq!(m.fill("no braces", false), "no braces");
        assert_eq!(m.fill("{", false), "{");
    }
}
