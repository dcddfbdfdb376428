//! Every page each of the demo's accounts can reach from its start page by following links,
//! crawled in Chromium (issue 26). Each page is loaded at 360 × 640 and laid out again at
//! 1280 × 800; the crawl fails on a link that answers 4xx/5xx, a page wider than its window,
//! a console error, a form control without a label, a word of the English catalogue on a
//! Chinese page (or a Chinese catalogue text on an English one: every account is crawled in
//! both), a 12-digit area code shown as the only name of an area, or a UTC "…Z" timestamp.
//! Each account's start page is saved as a screenshot at both sizes (`FUPIN_SCREENSHOTS`, by
//! default `target/browser-screenshots`), for CI to keep beside its log.

use std::collections::{HashMap, HashSet, VecDeque};

use fupin_services::demo_accounts::DEMO_PASSWORD;
use fupin_web::{Lang, i18n};

use super::*;

/// Pages of one shape (the same path with other ids, the same query keys) visited per account.
const PER_SHAPE: usize = 2;
/// Pages visited per account at most (a guard against a crawl that never ends).
const PER_ACCOUNT: usize = 120;
const PHONE: (u32, u32) = (360, 640);
const DESKTOP: (u32, u32) = (1280, 800);

/// Chromium's console since the last call (chromedriver's log extension).
#[derive(Debug)]
struct ConsoleLog;

impl fantoccini::wd::WebDriverCompatibleCommand for ConsoleLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(r#"{"type":"browser"}"#.into()),
        )
    }
}

/// The console's errors since the last call.
async fn console_errors(c: &Client) -> Vec<String> {
    let log = c.issue_cmd(ConsoleLog).await.expect("read the console");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == "SEVERE")
        // the browser's own location service, which has no network here (the field pages ask
        // for the phone's position): not an error of the page
        .filter(|e| {
            !e["message"]
                .as_str()
                .unwrap_or_default()
                .contains("Network location provider")
        })
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// What the crawl reads of a loaded page, in one script.
const INSPECT: &str = r#"
const nav = performance.getEntriesByType('navigation')[0];
const labelled = e => (e.labels && e.labels.length) || e.getAttribute('aria-label')
    || e.getAttribute('aria-labelledby') || e.title;
const unlabelled = [...document.querySelectorAll('input, select, textarea')]
    .filter(e => !['hidden', 'submit', 'button', 'reset', 'image'].includes(e.type) && !labelled(e))
    .map(e => e.outerHTML.slice(0, 160));
// a 12-digit code whose cell (or paragraph, item …) holds no word beside codes
const bare = [];
const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (!/(^|\D)\d{12}(\D|$)/.test(n.data)) continue;
    const cell = n.parentElement.closest('td, th, li, dd, dt, p, h1, h2, h3, h4, label, option, caption, button, a')
        || n.parentElement;
    const rest = cell.innerText.replace(/\d{12}/g, '');
    // a code column is fine where the same row names the area (a link to it with words)
    const code = n.data.match(/\d{12}/)[0];
    const row = cell.closest('tr');
    const named = row && [...row.querySelectorAll('a[href]')]
        .some(a => a.pathname.endsWith(code) && /\p{L}/u.test(a.innerText));
    if (!/\p{L}/u.test(rest) && !named) bare.push(cell.tagName + ': ' + cell.innerText.trim().slice(0, 80));
}
// the words a reader sees in the page's language: without data marked as not to be
// translated (usernames, file names, rule syntax, recorded reasons) or quoted in another
// language (the public notice, a Chinese document, on an English page)
const words = [];
const pageLang = document.documentElement.lang;
const shown = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = shown.nextNode(); n; n = shown.nextNode()) {
    const e = n.parentElement;
    if (e.closest('[translate=no], script, style') || !e.checkVisibility()) continue;
    if (e.closest('[lang]').lang !== pageLang) continue;
    words.push(n.data);
}
const utc = (document.body.innerText.match(/\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z/g) || [])
    .slice(0, 3);
return {
    utc,
    status: nav ? nav.responseStatus : 0,
    lang: document.documentElement.lang,
    text: document.body.innerText,
    words: words.join(' '),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    unlabelled,
    bare,
};
"#;

/// Whether the page is wider than its window (what makes the whole page scroll sideways), and
/// if so the first elements that reach past the edge.
async fn overflow(c: &Client) -> Option<String> {
    if fits_width(c).await {
        None
    } else {
        Some(too_wide(c).await.join(" | "))
    }
}

/// The shape of a page's address: ids and tokens replaced, query keys kept, values dropped.
fn shape(url: &url::Url) -> String {
    let path: Vec<String> = url
        .path_segments()
        .into_iter()
        .flatten()
        .map(|s| {
            if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() {
                "{n}".to_string()
            } else if s.len() >= 20 {
                "{token}".to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    let mut keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    keys.sort();
    format!("/{}?{}", path.join("/"), keys.join("&"))
}

/// Links the crawl does not follow: other sites, the language switch (it changes the cookie
/// for every later page), and downloads (files, not pages).
fn followed(url: &url::Url, base: &url::Url) -> bool {
    let path = url.path();
    url.origin() == base.origin()
        && !url.query_pairs().any(|(k, _)| k == "lang")
        && !path.contains("/export")
        && !path.contains("/archives/")
        && !path.ends_with(".svg")
        && !path.ends_with(".png")
        && !path.starts_with("/api/")
}

/// What is wrong with one loaded page, as lines of the crawl's report.
async fn inspect(c: &Client, account: &str, at: &str, from: &str) -> (Vec<String>, Vec<String>) {
    let mut found = Vec::new();
    let page = c.execute(INSPECT, vec![]).await.unwrap();
    let status = page["status"].as_u64().unwrap_or(0);
    let where_ = format!("{account} {at} (linked from {from})");
    if status >= 400 {
        found.push(format!("{where_}: answered {status}"));
    }
    let words = page["words"].as_str().unwrap_or_default();
    if page["lang"] == "zh-CN" {
        for word in i18n::english_words(words) {
            found.push(format!("{where_}: English word {word:?}"));
        }
    } else {
        for foreign in i18n::foreign_texts(words, Lang::En) {
            found.push(format!("{where_}: Chinese text {foreign}"));
        }
    }
    for (key, what) in [
        ("utc", "UTC time"),
        ("unlabelled", "control without a label"),
        ("bare", "area code as the only name"),
    ] {
        for e in page[key].as_array().into_iter().flatten() {
            found.push(format!(
                "{where_}: {what}: {}",
                e.as_str().unwrap_or_default()
            ));
        }
    }
    for e in console_errors(c).await {
        found.push(format!("{where_}: console error: {e}"));
    }
    for (w, h) in [PHONE, DESKTOP] {
        c.set_window_size(w, h).await.unwrap();
        if let Some(wide) = overflow(c).await {
            found.push(format!("{where_}: wider than {w} px: {wide}"));
        }
    }
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    let links = page["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l.as_str().map(str::to_string))
        .collect();
    (found, links)
}

/// The start page of `account` at both sizes, as PNG files.
async fn screenshots(c: &Client, account: &str) {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for (w, h) in [PHONE, DESKTOP] {
        c.set_window_size(w, h).await.unwrap();
        let png = c.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{account}-{w}.png")), png).unwrap();
    }
    c.set_window_size(PHONE.0, PHONE.1).await.unwrap();
}

/// Logs `account` in with the form and follows every link from its start page, breadth first,
/// in `lang` (the switch's cookie set once, at the start page).
async fn crawl(c: &Client, base: &url::Url, account: &str, lang: Lang) -> (Vec<String>, usize) {
    c.delete_all_cookies().await.unwrap();
    c.goto(base.join("/login").unwrap().as_str()).await.unwrap();
    fill(c, "input[name=username]", account).await;
    fill(c, "input[name=password]", DEMO_PASSWORD).await;
    click(c, "button[type=submit]").await;
    wait_for_url(c, "the start page", |p, _| p != "/login").await;
    if lang == Lang::En {
        c.goto(base.join("/?lang=en").unwrap().as_str())
            .await
            .unwrap();
    } else {
        screenshots(c, account).await;
    }

    let mut start = c.current_url().await.unwrap();
    start.set_query(None);
    let mut found = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut shapes: HashMap<String, usize> = HashMap::new();
    let mut queue = VecDeque::from([(start, "login".to_string())]);
    let mut visited = 0;
    while let Some((url, from)) = queue.pop_front() {
        if visited >= PER_ACCOUNT || !seen.insert(url.to_string()) {
            continue;
        }
        let count = shapes.entry(shape(&url)).or_default();
        if *count >= PER_SHAPE {
            continue;
        }
        *count += 1;
        visited += 1;
        c.goto(url.as_str()).await.unwrap();
        let at = format!(
            "{}{}",
            url.path(),
            url.query().map(|q| format!("?{q}")).unwrap_or_default()
        );
        let (problems, links) = inspect(c, account, &at, &from).await;
        found.extend(problems);
        for link in links {
            if let Ok(next) = url::Url::parse(&link) {
                let mut next = next;
                next.set_fragment(None);
                if followed(&next, base) && !seen.contains(next.as_str()) {
                    queue.push_back((next, at.clone()));
                }
            }
        }
    }
    (found, visited)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_each_demo_account_reaches_is_whole_at_both_sizes() {
    if !installed() {
        return;
    }
    let (_dir, db) = demo(400).await;
    fupin_services::demo_accounts::ensure(&db).await.unwrap();
    let base = url::Url::parse(&serve(&db).await).unwrap();
    let driver = start_driver().await;
    let c = browser(&driver).await;

    let mut found = Vec::new();
    for lang in [Lang::Zh, Lang::En] {
        for account in fupin_services::demo_accounts::usernames() {
            let (problems, visited) = crawl(&c, &base, account, lang).await;
            eprintln!(
                "{account} ({lang:?}): {visited} pages, {} problems",
                problems.len()
            );
            assert!(visited >= 5, "{account} reached only {visited} pages");
            found.extend(problems);
        }
    }
    // the checks themselves see what they look for: a page that is not there, logged in
    c.goto(base.join("/no-such-page").unwrap().as_str())
        .await
        .unwrap();
    let (missing, _) = inspect(&c, "department", "/no-such-page", "the test").await;
    assert!(
        missing.iter().any(|m| m.ends_with("answered 404")),
        "{missing:?}"
    );
    c.close().await.unwrap();
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );
}
