//! Instructions and announcements in Chromium at 360 px (issue 27): the county's office issues
//! an instruction to a township; the township finds it on its to-do, acknowledges it and
//! reports back with a file; the county sees it reported with the file, then posts an
//! announcement that the township reads, and sees the township's receipt.

use fupin_core::AreaLevel;
use fupin_core::access::Scope;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instruction_goes_down_and_comes_back_answered_in_chromium() {
    if !installed() {
        return;
    }
    let (dir, db, index) = registry().await;
    let first = db
        .household(&Scope::operator(), 1)
        .await
        .unwrap()
        .unwrap()
        .household;
    let county = first.village_code.ancestor(AreaLevel::County);
    let township = first.village_code.ancestor(AreaLevel::Township);
    let township_name = index.name(&township).unwrap().to_string();
    account(
        &db,
        "xian",
        "县扶贫办 张丽",
        county.clone(),
        Role::OfficeStaff,
    )
    .await;
    account(
        &db,
        "xiang",
        "乡镇扶贫站 刘洋",
        township.clone(),
        Role::OfficeStaff,
    )
    .await;
    let base = serve(&db).await;
    let driver = start_driver().await;

    // the county issues it to the township
    let office = browser(&driver).await;
    office.goto(&format!("{base}/tasks/new")).await.unwrap();
    log_in(&office, "xian").await;
    wait_for_path(&office, "/tasks/new").await;
    assert!(fits_width(&office).await, "the form fits a 360-px phone");
    fill(&office, "input[name=title]", "核查危房改造进度").await;
    fill(&office, "textarea[name=text]", "请逐户核查后反馈核查表。").await;
    click(&office, &format!("input[name=area][value='{township}']")).await;
    click(&office, "#task-form button[type=submit]").await;
    wait_for_path_prefix(&office, "/tasks/").await;
    let issued = office.current_url().await.unwrap().path().to_string();
    let page = text(&office).await;
    assert!(
        page.contains(&township_name) && page.contains("待签收"),
        "{page}"
    );

    // the township finds it on its to-do, acknowledges it and reports with a file
    let town = browser(&driver).await;
    town.goto(&format!("{base}/tasks")).await.unwrap();
    log_in(&town, "xiang").await;
    wait_for_path(&town, "/tasks").await;
    assert!(fits_width(&town).await, "the to-do fits a 360-px phone");
    assert!(text(&town).await.contains("核查危房改造进度"));
    click(&town, "#to-do-list a").await;
    wait_for_path(&town, &issued).await;
    click(&town, "form[action$='/acknowledge'] button").await;
    wait_for_path(&town, &issued).await;
    assert!(text(&town).await.contains("已签收"));
    let file = dir.path().join("核查表.pdf");
    std::fs::write(&file, b"%PDF-1.4\n% fupin browser test\n%%EOF\n").unwrap();
    fill(&town, "textarea[name=text]", "已核查12户，2户需加固。").await;
    town.find(Locator::Css("input[name=attachment]"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    click(&town, "#report-form button[type=submit]").await;
    wait_for_path(&town, &issued).await;
    let answered = text(&town).await;
    assert!(
        answered.contains("已核查12户") && answered.contains("核查表.pdf"),
        "{answered}"
    );
    assert!(
        fits_width(&town).await,
        "the instruction's page fits a 360-px phone"
    );

    // the county sees it reported, with the file
    office.goto(&format!("{base}{issued}")).await.unwrap();
    let seen = text(&office).await;
    assert!(
        seen.contains("1/1") && seen.contains("核查表.pdf"),
        "{seen}"
    );

    // an announcement to the township, read there, and the county sees the receipt
    office.goto(&format!("{base}/announcements")).await.unwrap();
    fill(
        &office,
        "#announcement-form input[name=title]",
        "本周五召开帮扶工作例会",
    )
    .await;
    fill(
        &office,
        "#announcement-form textarea[name=text]",
        "上午9点，乡政府三楼。",
    )
    .await;
    // the whole county is ticked by default; send it to the township only
    click(&office, &format!("input[name=area][value='{county}']")).await;
    click(&office, &format!("input[name=area][value='{township}']")).await;
    click(&office, "#announcement-form button[type=submit]").await;
    wait_for_path_prefix(&office, "/announcements/").await;
    let notice = office.current_url().await.unwrap().path().to_string();
    assert!(text(&office).await.contains("0/1"));
    town.goto(&format!("{base}/announcements")).await.unwrap();
    assert!(text(&town).await.contains("未读 1"));
    click(&town, "#announcements a").await;
    wait_for_path(&town, &notice).await;
    assert!(text(&town).await.contains("上午9点"));
    office.goto(&format!("{base}{notice}")).await.unwrap();
    let receipts = text(&office).await;
    assert!(
        receipts.contains("1/1") && receipts.contains("乡镇扶贫站 刘洋"),
        "{receipts}"
    );
    assert!(fits_width(&office).await, "the receipts fit a 360-px phone");
    office.close().await.unwrap();
    town.close().await.unwrap();
}
