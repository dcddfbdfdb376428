//! The print jobs of 明白卡 of the demo's largest villages printed to PDF by Chromium on A4
//! (issue 26): one page per household — no card runs onto a second sheet, no two share one.

use fantoccini::wd::PrintConfiguration;

use super::*;

/// The pages of a PDF as Chromium writes it: one `/Type /Page` dictionary each (the page tree's
/// `/Type /Pages` excluded).
fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| w.starts_with(needle) && w[needle.len()] != b's')
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_village_print_job_prints_one_a4_page_per_household() {
    if !installed() {
        return;
    }
    let (_dir, db) = demo(3_000).await;
    // the demo's largest print jobs: the villages with the most households (ties by code)
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for (_, village) in db.household_villages(None).await.unwrap() {
        *counts.entry(village).or_default() += 1;
    }
    let mut largest: Vec<(String, usize)> = counts.into_iter().collect();
    largest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    largest.truncate(PRINT_JOBS);
    assert!(
        largest.iter().all(|(_, n)| *n >= 5),
        "print jobs this small prove little: {largest:?}"
    );
    for (i, (village, _)) in largest.iter().enumerate() {
        let code = AreaCode::parse(village).unwrap();
        account(
            &db,
            &format!("cunguan{i}"),
            "村干部",
            code,
            Role::VillageOfficial,
        )
        .await;
    }
    let base = serve(&db).await;
    let driver = start_driver().await;
    let c = browser(&driver).await;
    let kept = screenshot_dir();
    std::fs::create_dir_all(&kept).unwrap();
    for (i, (village, households)) in largest.iter().enumerate() {
        c.delete_all_cookies().await.unwrap();
        c.goto(&format!("{base}/login")).await.unwrap();
        log_in(&c, &format!("cunguan{i}")).await;
        wait_for_path(&c, "/").await;
        let cards = format!("/areas/{village}/cards");
        c.goto(&format!("{base}{cards}")).await.unwrap();
        wait_for_path(&c, &cards).await;
        let shown = c
            .find_all(Locator::Css("article.card-sheet"))
            .await
            .unwrap()
            .len();
        assert_eq!(
            shown, *households,
            "every household of {village} has its card"
        );
        // laid out in its own fonts before it is printed
        c.execute_async(
            "const done = arguments[arguments.length - 1]; document.fonts.ready.then(() => done(true));",
            vec![],
        )
        .await
        .unwrap();
        let pdf = c.print(PrintConfiguration::default()).await.unwrap();
        assert!(pdf.starts_with(b"%PDF"), "Chromium printed a PDF");
        // kept beside CI's log, to see what was printed
        std::fs::write(kept.join(format!("cards-{village}.pdf")), &pdf).unwrap();
        assert_eq!(
            pdf_pages(&pdf),
            *households,
            "{village}: {households} households on A4, one page each"
        );
    }
    c.close().await.unwrap();
}

/// The print jobs printed: the demo's largest villages.
const PRINT_JOBS: usize = 3;

#[test]
fn pages_are_counted_without_the_page_tree() {
    let pdf = b"<</Type /Pages /Count 2>> <</Type /Page /Parent 1 0 R>> <</Type /Page\n>>";
    assert_eq!(pdf_pages(pdf), 2);
}
