//! A page shows one language: a Chinese page carries no text of the English catalogue and an
//! English page none of the Chinese one, refusals and error pages included.

use axum::Router;
use fupin_web::i18n;

mod common;
use common::{Client, get, login};

async fn check(app: &Router, c: &Client, uri: &str, failures: &mut Vec<String>) {
    for lang in [i18n::Lang::Zh, i18n::Lang::En] {
        let sep = if uri.contains('?') { '&' } else { '?' };
        let page = get(app, c, &format!("{uri}{sep}lang={}", lang.code()), &[]).await;
        for text in i18n::foreign_texts(&page.body, lang) {
            failures.push(format!(
                "{uri} in {} ({}): {text}",
                lang.code(),
                page.status
            ));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_page_speaks_one_language() {
    let w = common::world(60, |_, _| {}).await;
    // the household page's assessment section (the exit checklist's evidence) included
    let assessed = common::assess_all(&w.db, 2020).await;
    assert!(assessed.assessed > 0);
    let app = fupin_web::router(w.db.clone());
    let county = login(&w.db, "county").await;
    let village = w.households[0].village_code.clone();
    let mut failures = Vec::new();
    for uri in [
        "/areas".to_string(),
        format!("/areas/{}", village.ancestor(fupin_core::AreaLevel::County)),
        format!("/areas/{village}"),
        "/households/1".to_string(),
        "/households/1/edit".to_string(),
        "/search?q=%E6%9D%8E".to_string(),
        "/search?q=x&status=bogus&area=99x".to_string(),
        "/households/abc".to_string(),
        "/areas/123x".to_string(),
        "/no-such-page".to_string(),
        "/cases".to_string(),
        "/warnings".to_string(),
        "/notices".to_string(),
        "/account/password".to_string(),
    ] {
        check(&app, &county, &uri, &mut failures).await;
    }
    check(&app, &Client::anonymous(), "/login", &mut failures).await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every message key the code names (`Message::new("…")` and the helpers that take a key) has
/// its texts in the catalogue: a missing one would show the key itself to the user.
#[test]
fn every_message_key_in_the_code_has_its_texts() {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    let mut dirs = vec![crates];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() && name != "target" && name != "tests" {
                dirs.push(path);
            } else if name.ends_with(".rs") {
                files.push(path);
            }
        }
    }
    let calls = [
        "Message::new(\"",
        " m(\"",
        "bad_request(\"",
        "invalid(\"",
        "needs(note, \"",
        "needs(reason, \"",
        "refused(\"",
    ];
    let mut keys = 0;
    let mut missing = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        // the code, not its unit tests (which use made-up keys)
        let source = source.split("#[cfg(test)]").next().unwrap_or_default();
        for call in calls {
            for part in source.split(call).skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                keys += 1;
                if i18n::lookup(fupin_web::Lang::Zh, key).is_none() {
                    missing.push(format!("{}: {key:?}", file.display()));
                }
            }
        }
    }
    assert!(keys > 100, "only {keys} keys found: the scan lost its way");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// A Chinese text of the catalogue says it in Chinese only: no "中文 / English" pairs, which a
/// Chinese page would show half in English.
#[test]
fn no_chinese_text_carries_its_english() {
    let paired: Vec<String> = i18n::entries()
        .filter(|(_, zh, _)| {
            zh.split(" / ")
                .skip(1)
                .any(|after| after.starts_with(|c: char| c.is_ascii_alphabetic()))
        })
        .map(|(key, zh, _)| format!("{key}: {zh}"))
        .collect();
    assert!(paired.is_empty(), "{}", paired.join("\n"));
}
