//! Big-data comparison in Chromium: the county office uploads a death list and runs the
//! comparison over the county; the village official works the warning on a phone (verify,
//! confirm with the action); the county leader sees the evidence with ID numbers masked and
//! cannot act.

use fantoccini::Locator;
use fupin_core::AreaCode;
use fupin_core::access::{Role, Scope};
use fupin_core::codes::HouseholdStatus;

use super::{
    account, browser, click, fill, fits_width, installed, log_in, registry, serve, start_driver,
    text, too_wide, wait_for_path, wait_for_path_prefix, wait_for_url,
};

/// Two members of households still on the roll in the county: (village, household id, name,
/// ID number) of each.
async fn two_members(db: &fupin_storage::Db) -> Vec<(AreaCode, i64, String, String)> {
    let county = AreaCode::parse(super::COUNTY).unwrap();
    let (list, _) = db
        .household_list(&Scope::operator(), &county, 0, 400)
        .await
        .unwrap();
    let mut found = Vec::new();
    for row in list {
        let h = db
            .household(&Scope::operator(), row.id)
            .await
            .unwrap()
            .unwrap()
            .household;
        if matches!(h.status, HouseholdStatus::Removed | HouseholdStatus::Closed) {
            continue;
        }
        let m = &h.members[0];
        found.push((
            h.village_code.clone(),
            row.id,
            m.name.clone(),
            m.id_number.to_string(),
        ));
        if found.len() == 2 {
            break;
        }
    }
    found
}

/// The text of the first element `css` selects once it contains `wanted` (a form post that
/// comes back to the same address gives no other sign of having arrived).
async fn wait_for_text(c: &fantoccini::Client, css: &str, wanted: &str) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if t.contains(wanted) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css} never showed {wanted:?}; last {last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_death_list_is_compared_and_its_warning_worked_in_chromium() {
    if !installed() {
        return;
    }
    let (dir, db, _index) = registry().await;
    let county = AreaCode::parse(super::COUNTY).unwrap();
    let members = two_members(&db).await;
    let (village, household, name, id_number) = members[0].clone();
    account(
        &db,
        "minzheng",
        "县扶贫办 比对员",
        county.clone(),
        Role::OfficeStaff,
    )
    .await;
    account(
        &db,
        "lingdao",
        "县扶贫办 领导",
        county.clone(),
        Role::OfficeLeader,
    )
    .await;
    account(
        &db,
        "cunguan",
        "村第一书记",
        village.clone(),
        Role::VillageOfficial,
    )
    .await;
    // the list: both members, and one person the registry does not hold
    let list = dir.path().join("死亡名单.csv");
    let mut csv = String::from("死亡证明编号,身份证号,姓名,死亡日期\n");
    for (i, (_, _, n, id)) in members.iter().enumerate() {
        csv += &format!("SW{i},{id},{n},2024-03-0{}\n", i + 1);
    }
    csv += "SW9,110101199003077777,局外人,2024-05-01\n";
    std::fs::write(&list, csv).unwrap();

    let base = serve(&db).await;
    let driver = start_driver().await;
    let c = browser(&driver).await;

    // the county office: upload the list, then compare it with the county
    c.goto(&format!("{base}/login")).await.unwrap();
    log_in(&c, "minzheng").await;
    wait_for_url(&c, "a page after the login", |p, _| p != "/login").await;
    click(&c, "nav.menu a[href='/compare']").await;
    wait_for_path(&c, "/compare").await;
    assert!(fits_width(&c).await, "{:?}", too_wide(&c).await);
    fill(&c, "#upload-list input[name=source]", "县卫健局死亡名单").await;
    c.find(Locator::Css(
        "#upload-list select[name=kind] option[value=death]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(Locator::Css("#upload-list input[type=file]"))
        .await
        .unwrap()
        .send_keys(&list.display().to_string())
        .await
        .unwrap();
    click(&c, "#upload-list button[type=submit]").await;
    // its columns are checked against its first rows before anything is imported
    wait_for_path_prefix(&c, "/compare/lists/").await;
    let first_rows = wait_for_text(&c, "#first-rows", "局外人").await;
    assert!(first_rows.contains("死亡证明编号"), "{first_rows}");
    assert!(fits_width(&c).await, "{:?}", too_wide(&c).await);
    let key = c
        .find(Locator::Css("select[name=column_key] option:checked"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(key, "死亡证明编号", "the kind's own key column is proposed");
    click(&c, "#mapping-form button[type=submit]").await;
    let sources = wait_for_text(&c, "#sources", "县卫健局死亡名单").await;
    assert!(
        sources.contains("死亡名单.csv"),
        "the file's own name: {sources}"
    );
    click(&c, "#run-form button[type=submit]").await;
    wait_for_path_prefix(&c, "/compare/runs/").await;
    let matches = c
        .find(Locator::Css("#matches"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        matches, "2",
        "both registry members linked, the outsider not"
    );
    let raised = c
        .find(Locator::Css("#run-warnings"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(raised.contains("死亡未销户"), "{raised}");
    assert!(fits_width(&c).await, "{:?}", too_wide(&c).await);
    click(&c, "form[action='/logout'] button").await;
    wait_for_path(&c, "/login").await;

    // the village official: the village's one warning, verified and confirmed on the phone
    log_in(&c, "cunguan").await;
    wait_for_url(&c, "a page after the login", |p, _| p != "/login").await;
    click(&c, "nav.menu a[href='/warnings']").await;
    wait_for_path(&c, "/warnings").await;
    assert!(fits_width(&c).await, "{:?}", too_wide(&c).await);
    let page = text(&c).await;
    assert!(page.contains(&name), "the warning names the member: {page}");
    assert_eq!(
        c.find(Locator::Css("#unresolved"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "1",
        "only the village's own warning"
    );
    click(&c, "#warning-list tbody a").await;
    wait_for_path_prefix(&c, "/warnings/").await;
    let warning_path = c.current_url().await.unwrap().path().to_string();
    assert!(fits_width(&c).await, "{:?}", too_wide(&c).await);
    assert!(
        text(&c).await.contains(&id_number),
        "in full for the village"
    );
    fill(
        &c,
        "#verify-form input[name=note]",
        "入户核实，查看死亡证明",
    )
    .await;
    click(&c, "#verify-form button").await;
    wait_for_text(&c, "#warning-state", "核实中").await;
    // confirming without saying what was found is refused by the server, not only the form
    c.execute(
        "document.querySelector('#confirm-form select').value = 'remove';
         document.querySelector('#confirm-form input[name=note]').required = false;
         document.querySelector('#confirm-form').submit();",
        vec![],
    )
    .await
    .unwrap();
    wait_for_text(&c, "#refusal", "核实情况").await;
    wait_for_text(&c, "#warning-state", "核实中").await;
    c.find(Locator::Css("#confirm-form option[value=remove]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&c, "#confirm-form input[name=note]", "已死亡，办理销户").await;
    click(&c, "#confirm-form button").await;
    wait_for_text(&c, "#warning-state", "已查实").await;
    assert!(
        c.find(Locator::Css("#confirm-form")).await.is_err(),
        "a closed warning has no act forms"
    );
    // the household's record lists it
    c.goto(&format!("{base}/households/{household}"))
        .await
        .unwrap();
    let on_record = c
        .find(Locator::Css("#household-warnings"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(on_record.contains("已查实"), "{on_record}");
    click(&c, "form[action='/logout'] button").await;
    wait_for_path(&c, "/login").await;

    // the county leader: the evidence with the ID number masked, and no act forms
    log_in(&c, "lingdao").await;
    wait_for_url(&c, "a page after the login", |p, _| p != "/login").await;
    c.goto(&format!("{base}{warning_path}")).await.unwrap();
    let seen = text(&c).await;
    assert!(seen.contains(&name), "a leader sees names");
    assert!(
        !seen.contains(&id_number),
        "a leader does not see ID numbers"
    );
    assert!(seen.contains(&format!("{}**********", &id_number[..4])));
    assert!(c.find(Locator::Css("#verify-form")).await.is_err());
    assert!(
        c.find(Locator::Css("nav.menu a[href='/compare']"))
            .await
            .is_err(),
        "a leader does not run comparisons"
    );
    c.close().await.unwrap();
}
