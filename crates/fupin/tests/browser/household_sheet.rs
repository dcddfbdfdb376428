//! The household sheet on the console, in Chromium at 360×640: a county clerk picks the
//! export's area by name, and uploads the county's sheet with one household of another county
//! appended; the import's page shows its progress, then what went in and the row refused.

use fantoccini::Locator;
use fupin_core::AreaCode;
use fupin_core::access::{Role, Viewer};
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;

use super::{
    account, browser, click, fill, fits_width, installed, log_in, registry, serve, start_driver,
    too_wide, wait_for_path, wait_for_path_prefix, wait_for_url,
};

/// The text of `css` once the page shows it (the import's page reloads itself until done).
async fn text_when_shown(c: &fantoccini::Client, css: &str) -> String {
    for _ in 0..300 {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            return t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css} never appeared");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_imports_its_household_sheet_on_a_phone_in_chromium() {
    if !installed() {
        return;
    }
    let (dir, db, _index) = registry().await;
    let county = AreaCode::parse(super::COUNTY).unwrap();
    account(
        &db,
        "hujiyuan",
        "县扶贫办 户籍员",
        county.clone(),
        Role::OfficeStaff,
    )
    .await;
    // the county's sheet as exported, and one household of another county after it
    let sheet = dir.path().join("户籍信息表.csv");
    let viewer = Viewer::operator();
    fupin_services::export::export_households(&db, &viewer, &county, &sheet, Format::Csv, &Silent)
        .await
        .unwrap();
    let mut elsewhere = None;
    for province in ["520000", "210000", "340000", "620000"] {
        let area = AreaCode::parse(province).unwrap();
        let page = db.households_after(&viewer.scope, &area, 0, 5_000).await;
        elsewhere = elsewhere.or(page
            .unwrap()
            .into_iter()
            .find(|h| !county.contains(&h.household.village_code)));
    }
    let elsewhere = elsewhere.expect("a household of another county");
    let areas = db.area_index().await.unwrap();
    let columns = fupin_services::columns::household_sheet();
    let mut text = std::fs::read_to_string(&sheet).unwrap();
    for row in fupin_services::export::household_rows(&elsewhere.household, &areas, &columns) {
        text += &row.join(",");
        text += "\n";
    }
    std::fs::write(&sheet, text).unwrap();

    let base = serve(&db).await;
    let driver = start_driver().await;
    let c = browser(&driver).await;
    c.goto(&format!("{base}/login")).await.unwrap();
    log_in(&c, "hujiyuan").await;
    wait_for_url(&c, "a page after the login", |p, _| p != "/login").await;
    click(&c, "nav.menu a[href='/registry/sheet']").await;
    wait_for_path(&c, "/registry/sheet").await;
    assert!(fits_width(&c).await, "{:?}", too_wide(&c).await);
    // the export's area: the county and its townships and villages, by name
    let own = c
        .find(Locator::Css(
            "#export-form select[name=area] option:checked",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let county_name = areas.name(&county).unwrap().to_string();
    assert_eq!(
        own.trim(),
        county_name,
        "the clerk's own county is proposed"
    );
    let village = elsewhere.household.village_code.clone();
    let village_name = areas.name(&village).unwrap().to_string();
    fill(&c, "input[name=area_q]", &village_name).await;
    click(&c, "form[action^='/registry/sheet'] button[type=submit]").await;
    let found = text_when_shown(&c, "#export-form select[name=area]").await;
    assert!(
        !found.contains(&village_name),
        "another county's village is not offered: {found}"
    );
    let said = text_when_shown(&c, "#export-form [role=status]").await;
    assert!(said.contains("没有名称含此文字的区划"), "{said}");

    // the import: the valid households in, the other county's reported by row
    c.find(Locator::Css("#import-form input[value=skip_invalid]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#import-form input[type=file]"))
        .await
        .unwrap()
        .send_keys(&sheet.display().to_string())
        .await
        .unwrap();
    click(&c, "#import-form button[type=submit]").await;
    wait_for_path_prefix(&c, "/registry/sheet/imports/").await;
    let outcome = text_when_shown(&c, "#import-outcome").await;
    assert!(outcome.contains("导入完成"), "{outcome}");
    let figures = text_when_shown(&c, "#import-figures").await;
    assert!(figures.contains("有错误的户 1"), "{figures}");
    let problems = text_when_shown(&c, "#import-problems").await;
    assert!(problems.contains(village.as_str()), "{problems}");
    assert!(fits_width(&c).await, "{:?}", too_wide(&c).await);
    assert!(
        c.find(Locator::Css("#report-link")).await.is_ok(),
        "the whole report to download"
    );
}
