//! The pages' language (zh-CN by default, English on request) and the catalog of UI strings.
//!
//! Domain labels (code lists, field names) come from `fupin_core`, which carries both languages;
//! this catalog holds only the words of the interface itself. Templates reach it through the
//! `t("key")` function, Rust code through [`t`]. The catalog is kept in `catalogue/`, a file for
//! each part of the interface (common words and layout, areas, households, cases …), and looked
//! up through one map of them all.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use fupin_core::{AreaLevel, CodeList, Field};

mod catalogue;

/// Name of the query parameter and of the cookie that carry the language.
pub const LANG_PARAM: &str = "lang";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Parses a `lang` value: `zh`, `zh-CN`, `en`, `en-GB` … (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        let primary = text.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The short code used in the query parameter and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The value of `<html lang>`.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The label of a coded value in this language.
    pub fn label<T: CodeList>(self, value: T) -> &'static str {
        self.pick(value.zh(), value.en())
    }

    /// The label of a stored code (`"exited_with_policy"` …); the code itself if unknown.
    pub fn code_label<T: CodeList>(self, code: &str) -> String {
        T::parse(code).map_or_else(|| code.to_string(), |v| self.label(v).to_string())
    }

    pub fn field(self, field: Field) -> &'static str {
        self.label(field)
    }

    pub fn level(self, level: AreaLevel) -> &'static str {
        self.pick(level.zh(), level.as_str())
    }

    pub fn yes_no(self, v: bool) -> &'static str {
        t(self, if v { "yes" } else { "no" })
    }

    /// Separator between the items of a list inside one cell.
    pub fn list_separator(self) -> &'static str {
        self.pick("、", ", ")
    }

    /// The language a request asks for: `?lang=` first (returned as explicit, so the caller
    /// can remember it in a cookie), then the `lang` cookie, then the default.
    pub fn negotiate(query: Option<&str>, headers: &HeaderMap) -> (Lang, bool) {
        if let Some(lang) = query.and_then(query_lang) {
            return (lang, true);
        }
        let from_cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == LANG_PARAM)
            .and_then(|(_, v)| Lang::parse(v));
        (from_cookie.unwrap_or_default(), false)
    }

    /// The `Set-Cookie` value that remembers this language for a year.
    pub fn cookie(self) -> String {
        format!(
            "{LANG_PARAM}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            self.code()
        )
    }
}

fn query_lang(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| *k == LANG_PARAM)
        .find_map(|(_, v)| Lang::parse(v))
}

/// Handlers take the language as an extractor; the page middleware has already decided it.
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Lang>().copied().unwrap_or_default())
    }
}

/// The catalog by key, built once (a page looks up dozens of keys; the list holds hundreds).
/// The interface's own strings, then the messages of the rules and of the use-cases.
fn all_modules() -> impl Iterator<Item = &'static (&'static str, catalogue::Strings)> {
    catalogue::MODULES
        .iter()
        .chain(fupin_core::MESSAGES)
        .chain(fupin_services::MESSAGES)
}

static BY_KEY: std::sync::LazyLock<
    std::collections::HashMap<&'static str, (&'static str, &'static str)>,
> = std::sync::LazyLock::new(|| {
    all_modules()
        .flat_map(|(_, strings)| strings.iter())
        .map(|(k, zh, en)| (*k, (*zh, *en)))
        .collect()
});

/// Every entry of the catalogue: (key, zh-CN, en).
pub fn entries() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    all_modules().flat_map(|(_, strings)| strings.iter())
}

/// Looks a key up; `None` if the catalog lacks it.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    BY_KEY.get(key).map(|(zh, en)| lang.pick(zh, en))
}

/// A use-case's or rule's message in this language: its catalogue text with its values filled
/// in; an unknown key is shown as itself (and fails the catalogue tests).
pub fn message(lang: Lang, m: &fupin_core::Message) -> String {
    m.fill(t(lang, m.key), lang == Lang::Zh)
}

/// The text of a UI string; an unknown key is shown as itself (and fails the catalog test).
pub fn t(lang: Lang, key: &str) -> &str {
    lookup(lang, key).unwrap_or(key)
}

/// The literal parts of a catalogue text (the words between its `{value}` places).
fn literal_parts(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        parts.push(&rest[..open]);
        rest = rest[open..]
            .find('}')
            .map_or("", |close| &rest[open + close + 1..]);
    }
    parts.push(rest);
    parts.into_iter().map(str::trim).collect()
}

/// Catalogue texts of the other language than `page`'s found in a page's `text`, as
/// "key: part": English parts of 16 characters or more on a Chinese page, Chinese parts of 5
/// or more on an English page (shorter ones can be data: a name, an area). For the tests that
/// hold every page to one language.
pub fn foreign_texts(text: &str, page: Lang) -> Vec<String> {
    let mut found = Vec::new();
    for (key, zh, en) in entries() {
        if zh == en {
            continue;
        }
        let (foreign, min) = match page {
            Lang::Zh => (en, 16),
            Lang::En => (zh, 5),
        };
        for part in literal_parts(foreign) {
            if part.chars().count() >= min && text.contains(part) {
                found.push(format!("{key}: {part:?}"));
            }
        }
    }
    found
}

/// The words of a text: its runs of Latin letters.
fn latin_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
}

/// The English catalogue's words that no Chinese text uses too, lower-cased: what must not
/// stand on a Chinese page. (CSV, XLSX, PDF, Excel, UTF, GBK are names in both languages.)
static ENGLISH_ONLY: std::sync::LazyLock<std::collections::HashSet<String>> =
    std::sync::LazyLock::new(|| {
        let mut words = std::collections::HashSet::new();
        for (_, zh, en) in entries() {
            if zh != en {
                for part in literal_parts(en) {
                    words.extend(latin_words(part).map(str::to_lowercase));
                }
            }
        }
        for (_, zh, _) in entries() {
            for part in literal_parts(zh) {
                for w in latin_words(part) {
                    words.remove(&w.to_lowercase());
                }
            }
        }
        // one letter is a label (A, B) or a unit, not a word of the interface
        words.retain(|w| w.len() >= 2);
        words
    });

/// The English words of the catalogue in a Chinese page's `text` (each once, as written):
/// for the tests that hold every page to one language. The caller leaves out what is data and
/// may be in Latin letters (usernames, file names: marked `translate="no"` on the pages).
pub fn english_words(text: &str) -> Vec<String> {
    let mut found: Vec<String> = latin_words(text)
        .filter(|w| ENGLISH_ONLY.contains(&w.to_lowercase()))
        .map(str::to_string)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_words_of_the_catalogue_are_found_and_shared_names_are_not() {
        assert_eq!(
            english_words("户数 Households 1,204 · 导出 CSV 或 XLSX · 2024年"),
            vec!["Households".to_string()]
        );
        assert!(english_words("张三 13800000000 贵J12345").is_empty());
    }

    #[test]
    fn literal_parts_leave_out_the_values() {
        assert_eq!(
            literal_parts("户编号{number}已被使用"),
            vec!["户编号", "已被使用"]
        );
        assert_eq!(literal_parts("{a} and {b}"), vec!["", "and", ""]);
    }

    #[test]
    fn keys_are_unique_and_translated() {
        // a key in two files (or twice in one) would leave one of its texts unreachable
        let mut seen = std::collections::HashMap::new();
        for (module, strings) in all_modules() {
            for (k, zh, en) in *strings {
                if let Some(first) = seen.insert(*k, *module) {
                    panic!("key {k} in both catalogue/{first}.rs and catalogue/{module}.rs");
                }
                assert!(
                    !zh.trim().is_empty() && !en.trim().is_empty(),
                    "{k} (catalogue/{module}.rs) lacks a zh or an en text"
                );
            }
        }
        assert_eq!(BY_KEY.len(), seen.len());
    }

    #[test]
    fn every_key_used_by_a_template_exists() {
        for (name, source) in crate::render::TEMPLATES {
            for part in source.split("t(\"").skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                assert!(
                    lookup(Lang::Zh, key).is_some(),
                    "{name}: unknown key {key:?}"
                );
            }
        }
    }

    #[test]
    fn negotiates_query_then_cookie_then_default() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::negotiate(None, &headers), (Lang::Zh, false));
        headers.insert(header::COOKIE, "a=b; lang=en".parse().unwrap());
        assert_eq!(Lang::negotiate(None, &headers), (Lang::En, false));
        assert_eq!(
            Lang::negotiate(Some("page=2&lang=zh-CN"), &headers),
            (Lang::Zh, true)
        );
        assert_eq!(
            Lang::negotiate(Some("lang=fr"), &headers),
            (Lang::En, false)
        );
    }
}
