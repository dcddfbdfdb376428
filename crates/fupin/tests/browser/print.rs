//! A village's print job of 明白卡 printed to PDF by Chromium on A4 (issue 26): one page per
//! household — no card runs onto a second sheet, no two share one.

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
    // the village with the most households: the demo's largest print job
    let mut counts = std::collections::HashMap::<String, usize>::new();
    for (_, village) in db.household_villages(None).await.unwrap() {
        *counts.entry(village).or_default() += 1;
    }
    let (village, households) = counts.into_iter().max_by_key(|(_, n)| *n).unwrap();
    assert!(
        households >= 5,
        "a print job of {households} cards proves little"
    );
    account(
        &db,
        "cunguan",
        "村干部",
        AreaCode::parse(&village).unwrap(),
        Role::VillageOfficial,
    )
    .await;
    let base = serve(&db).await;
    let driver = start_driver().await;
    let c = browser(&driver).await;
    c.goto(&format!("{base}/login")).await.unwrap();
    log_in(&c, "cunguan").await;
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
        shown, households,
        "every household of the village has its card"
    );
    let pdf = c.print(PrintConfiguration::default()).await.unwrap();
    assert!(pdf.starts_with(b"%PDF"), "Chromium printed a PDF");
    // kept beside CI's log, to see what was printed
    let kept = screenshot_dir();
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::write(kept.join("village-cards.pdf"), &pdf).unwrap();
    assert_eq!(
        pdf_pages(&pdf),
        households,
        "{households} households on A4: one page each"
    );
    c.close().await.unwrap();
}

#[test]
fn pages_are_counted_without_the_page_tree() {
    let pdf = b"<</Type /Pages /Count 2>> <</Type /Page /Parent 1 0 R>> <</Type /Page\n>>";
    assert_eq!(pdf_pages(pdf), 2);
}
