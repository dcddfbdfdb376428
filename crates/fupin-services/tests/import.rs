//! Import and export against real databases: SQLite always, PostgreSQL too when
//! `FUPIN_TEST_POSTGRES` names a server (CI sets it; each test gets its own database).

use std::path::Path;

use fupin_core::access::{Scope, Viewer};
use fupin_core::{AreaCode, CodeList, Field};
use fupin_services::generate::{GeneratorConfig, Geography, generate};
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;
use fupin_storage::Db;

mod common;
use common::{backends, generated, import, options};

async fn export_all(db: &Db, path: &Path) {
    // the generated registry spans four provinces: export each and concatenate without headers
    let mut text = String::new();
    for (i, p) in ["21", "34", "52", "62"].iter().enumerate() {
        let part = path.with_extension(format!("{p}.csv"));
        fupin_services::export::export_households(
            db,
            &Viewer::operator(),
            &AreaCode::parse(p).unwrap(),
            &part,
            Format::Csv,
            &Silent,
        )
        .await
        .unwrap();
        let body = std::fs::read_to_string(&part).unwrap();
        let mut lines = body.lines();
        let header = lines.next().unwrap();
        if i == 0 {
            text.push_str(header);
            text.push('\n');
        }
        for l in lines {
            text.push_str(l);
            text.push('\n');
        }
    }
    std::fs::write(path, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_is_idempotent_and_export_round_trips() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 300, Format::Csv);
        let first = import(&t.db, &file, false).await;
        assert!(first.committed, "{}: {:?}", t.name, first.first_errors);
        assert_eq!((first.created, first.errors), (300, 0), "{}", t.name);
        let (households, members) =
            t.db.registry_size(&Scope::operator(), &AreaCode::parse("52").unwrap())
                .await
                .unwrap();
        assert!(households > 0 && members >= households, "{}", t.name);

        let again = import(&t.db, &file, false).await;
        assert_eq!(
            (again.created, again.updated, again.unchanged),
            (0, 0, 300),
            "{}",
            t.name
        );

        let exported = dir.path().join("export.csv");
        export_all(&t.db, &exported).await;
        let third = import(&t.db, &exported, false).await;
        assert_eq!(
            (third.created, third.updated, third.unchanged),
            (0, 0, 300),
            "{}: export → import",
            t.name
        );
        let exported_again = dir.path().join("export2.csv");
        export_all(&t.db, &exported_again).await;
        assert_eq!(
            std::fs::read(&exported).unwrap(),
            std::fs::read(&exported_again).unwrap(),
            "{}: export → import → export is identical",
            t.name
        );
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_is_recorded_with_old_and_new_values() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 20, Format::Csv);
        import(&t.db, &file, false).await;
        let text = std::fs::read_to_string(&file).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let header: Vec<&str> = lines[0].split(',').collect();
        let phone_col = header.iter().position(|h| *h == "联系电话").unwrap();
        let number = lines[1].split(',').next().unwrap().to_string();
        for line in lines
            .iter_mut()
            .skip(1)
            .filter(|l| l.starts_with(&format!("{number},")))
        {
            let mut cells: Vec<String> = line.split(',').map(String::from).collect();
            cells[phone_col] = "13912345678".into();
            *line = cells.join(",");
        }
        let changed = dir.path().join("changed.csv");
        std::fs::write(&changed, lines.join("\n")).unwrap();
        let s = import(&t.db, &changed, false).await;
        assert_eq!((s.updated, s.unchanged), (1, 19), "{}", t.name);
        let id =
            t.db.household_id(&Scope::operator(), &number)
                .await
                .unwrap()
                .unwrap();
        let record =
            t.db.household(&Scope::operator(), id)
                .await
                .unwrap()
                .unwrap();
        assert_eq!(record.household.phone, "13912345678");
        let update = record
            .changes
            .iter()
            .find(|c| c.action == "update")
            .expect("an update entry");
        let diff = update.changes();
        assert_eq!(diff.len(), 1, "{}: {diff:?}", t.name);
        assert_eq!(diff[0].field, "phone");
        assert_eq!(diff[0].new.as_deref(), Some("13912345678"));
        assert_eq!(update.actor, "test");
        t.drop_database().await;
    }
}

/// Rewrites one cell of the first data row of the household starting at `line_index`.
fn set_cell(lines: &mut [String], line_index: usize, column: &str, value: &str) {
    let header: Vec<String> = lines[0]
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(String::from)
        .collect();
    let col = header
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    let mut cells: Vec<String> = lines[line_index].split(',').map(String::from).collect();
    cells[col] = value.to_string();
    lines[line_index] = cells.join(",");
}

/// A county office's import (the console's): a household number or an ID number registered in
/// another county is refused, and the message does not say which household holds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_import_refuses_what_is_registered_outside_without_saying_where() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 40, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed);
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<String> = text.lines().map(String::from).collect();
        let header: Vec<String> = lines[0]
            .trim_start_matches('\u{feff}')
            .split(',')
            .map(String::from)
            .collect();
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let village_col = column("村级区划代码");
        let cell = |line: usize, col: usize| lines[line].split(',').nth(col).unwrap().to_string();
        // each household's rows, first to last
        let mut groups = vec![(1, 2)];
        for i in 2..lines.len() {
            if lines[i].split(',').next() == lines[i - 1].split(',').next() {
                groups.last_mut().unwrap().1 = i + 1;
            } else {
                groups.push((i, i + 1));
            }
        }
        let a = groups[0];
        let county = cell(a.0, village_col)[..6].to_string();
        let mut others = groups[1..]
            .iter()
            .filter(|g| !cell(g.0, village_col).starts_with(&county));
        let (b, c) = (*others.next().unwrap(), *others.next().unwrap());
        // A keeps its village and takes C's head's ID number; B moves into A's village
        let mut sheet = vec![lines[0].clone()];
        sheet.extend(lines[a.0..a.1].iter().cloned());
        let last = sheet.len() - 1;
        // the whole person, so that the row is valid but for where the ID is registered
        for name in &header[column("姓名")..] {
            if name != "与户主关系" {
                set_cell(&mut sheet, last, name, &cell(c.0, column(name)));
            }
        }
        for line in &lines[b.0..b.1] {
            sheet.push(line.clone());
            let at = sheet.len() - 1;
            for name in ["县", "乡镇", "行政村", "村级区划代码"] {
                set_cell(&mut sheet, at, name, &cell(a.0, column(name)));
            }
        }
        let path = dir.path().join("county.csv");
        std::fs::write(&path, sheet.join("\n") + "\n").unwrap();
        let mut opts = options(false);
        opts.report = Some(dir.path().join("county.errors.csv"));
        opts.scope = Some(Scope::operator_within(Some(
            AreaCode::parse(&county).unwrap(),
        )));
        let s = fupin_services::import::import_households(&t.db, &path, &opts, &Silent)
            .await
            .unwrap();
        assert!(!s.committed, "{}", t.name);
        let keys: Vec<&str> = s.first_problems.iter().map(|p| p.reason.key).collect();
        assert!(
            keys.contains(&"problem.id_registered_elsewhere"),
            "{}: {keys:?}",
            t.name
        );
        assert!(
            keys.contains(&"problem.number_registered_elsewhere"),
            "{}: {keys:?}",
            t.name
        );
        assert!(
            !keys.contains(&"problem.id_in_other_household"),
            "{}: {keys:?}",
            t.name
        );
        // the command line's import of the same sheet names the household instead
        let s = import(&t.db, &path, false).await;
        let keys: Vec<&str> = s.first_problems.iter().map(|p| p.reason.key).collect();
        assert!(
            keys.contains(&"problem.id_in_other_household"),
            "{}: {keys:?}",
            t.name
        );
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_rows_are_reported_and_nothing_is_written() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 40, Format::Csv);
        let text = std::fs::read_to_string(&file).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        // the first row of each household (rows are grouped by household number)
        let mut starts = vec![1];
        for i in 2..lines.len() {
            if lines[i].split(',').next() != lines[i - 1].split(',').next() {
                starts.push(i);
            }
        }
        let bad_id = {
            let header: Vec<&str> = lines[0].split(',').collect();
            let col = header.iter().position(|h| *h == "证件号码").unwrap();
            let id: String = lines[starts[0]].split(',').nth(col).unwrap().to_string();
            let last = id.chars().last().unwrap();
            let wrong = if last == '0' { '1' } else { '0' };
            format!("{}{}", &id[..17], wrong)
        };
        set_cell(&mut lines, starts[0], "证件号码", &bad_id);
        // household columns are repeated on every member row: change them on all of them
        let header: Vec<String> = lines[0]
            .trim_start_matches('\u{feff}')
            .split(',')
            .map(String::from)
            .collect();
        let code_col = header.iter().position(|h| h == "村级区划代码").unwrap();
        let code = lines[starts[4]]
            .split(',')
            .nth(code_col)
            .unwrap()
            .to_string();
        let unknown_village = format!("{}999", &code[..9]);
        for (k, column, value) in [
            (1, "主要致贫原因", "因穷"),
            (2, "工资性收入(元)", "-5"),
            (2, "人均纯收入(元)", ""),
            (4, "村级区划代码", unknown_village.as_str()),
        ] {
            for line in starts[k]..starts[k + 1] {
                set_cell(&mut lines, line, column, value);
            }
        }
        set_cell(&mut lines, starts[3], "与户主关系", "之子");
        set_cell(&mut lines, starts[5], "出生日期", "1900-01-01");
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, lines.join("\n")).unwrap();

        let s = import(&t.db, &bad, false).await;
        assert!(!s.committed, "{}", t.name);
        assert_eq!(s.invalid_households, 6, "{}: {:?}", t.name, s.first_errors);
        assert_eq!(
            t.db.max_household_id().await.unwrap(),
            0,
            "{}: all-or-nothing leaves the registry empty",
            t.name
        );
        let report = std::fs::read_to_string(s.report.as_ref().expect("a report")).unwrap();
        for (row, column, reason) in [
            (starts[0] + 1, "证件号码", "校验码"),
            (starts[1] + 1, "主要致贫原因", "不在致贫原因代码表中"),
            (starts[2] + 1, "工资性收入(元)", "不能为负"),
            (starts[3] + 1, "与户主关系", "户主应恰有1人"),
            (starts[4] + 1, "村级区划代码", "不存在"),
            (starts[5] + 1, "出生日期", "出生日期"),
        ] {
            assert!(
                report
                    .lines()
                    .any(|l| l.starts_with(&format!("{row},{column},")) && l.contains(reason)),
                "{}: no report line for row {row} {column} ({reason}) in\n{report}",
                t.name
            );
        }

        let partial = import(&t.db, &bad, true).await;
        assert!(partial.committed);
        assert_eq!(
            (partial.created, partial.invalid_households),
            (34, 6),
            "{}",
            t.name
        );
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gbk_csv_and_xlsx_import_alike() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let csv = generated(dir.path(), 60, Format::Csv);
        let text = std::fs::read_to_string(&csv).unwrap();
        let (gbk, _, lossy) = encoding_rs::GBK.encode(text.trim_start_matches('\u{feff}'));
        assert!(!lossy, "generated names are all GBK characters");
        let gbk_path = dir.path().join("gbk.csv");
        std::fs::write(&gbk_path, &gbk).unwrap();
        let s = import(&t.db, &gbk_path, false).await;
        assert_eq!(s.encoding, "gb18030");
        assert_eq!(
            (s.created, s.errors),
            (60, 0),
            "{}: {:?}",
            t.name,
            s.first_errors
        );

        let xdir = tempfile::tempdir().unwrap();
        let xlsx = generated(xdir.path(), 60, Format::Xlsx);
        let x = import(&t.db, &xlsx, false).await;
        assert_eq!(
            (x.created, x.updated, x.unchanged),
            (0, 0, 60),
            "{}: same households from XLSX",
            t.name
        );
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_import_is_idempotent_and_round_trips() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 120, Format::Csv);
        import(&t.db, &file, false).await;
        let history = dir.path().join("history.csv");
        let opts = options(false);
        let first = fupin_services::history::import_history(&t.db, &history, &opts, &Silent)
            .await
            .unwrap();
        assert!(
            first.committed && first.errors == 0,
            "{}: {:?}",
            t.name,
            first.first_errors
        );
        assert_eq!(first.households_read, 120, "{}", t.name);
        let again = fupin_services::history::import_history(&t.db, &history, &opts, &Silent)
            .await
            .unwrap();
        assert_eq!(
            (again.created, again.updated, again.unchanged),
            (0, 0, 120),
            "{}",
            t.name
        );

        // every province's history exported and re-imported changes nothing
        for p in ["21", "34", "52", "62"] {
            let out = dir.path().join(format!("history-{p}.csv"));
            let area = AreaCode::parse(p).unwrap();
            fupin_services::export::export_history(
                &t.db,
                &Viewer::operator(),
                &area,
                &out,
                Format::Csv,
                &Silent,
            )
            .await
            .unwrap();
            let s = fupin_services::history::import_history(&t.db, &out, &opts, &Silent)
                .await
                .unwrap();
            assert_eq!(
                (s.created, s.updated, s.errors),
                (0, 0, 0),
                "{}: history of {p}",
                t.name
            );
        }

        // a year's status is kept per household and shown in order
        let (list, _) =
            t.db.household_list(&Scope::operator(), &AreaCode::parse("52").unwrap(), 0, 1)
                .await
                .unwrap();
        let record =
            t.db.household(&Scope::operator(), list[0].id)
                .await
                .unwrap()
                .unwrap();
        let years: Vec<i32> = record.status_years.iter().map(|s| s.year).collect();
        assert!(
            years.len() >= 7 && years.windows(2).all(|w| w[0] < w[1]),
            "{}: {years:?}",
            t.name
        );
        t.drop_database().await;
    }
}

/// The registry's indexes and constraints as the database catalogue describes them.
async fn schema_objects(db: &Db) -> Vec<String> {
    let sql = match db {
        Db::Sqlite(_) => {
            "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master ORDER BY 1"
        }
        Db::Postgres(_) => {
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
             UNION ALL
             SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
               FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
             ORDER BY 1"
        }
    };
    fupin_storage::dispatch!(db, p => sqlx::query_scalar(sql).fetch_all(p).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_into_an_empty_registry_restores_every_index_and_constraint() {
    for t in backends().await {
        let before = schema_objects(&t.db).await;
        assert!(
            before.iter().any(|o| o.contains("members_household")),
            "{}: {before:?}",
            t.name
        );
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 50, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        assert_eq!(schema_objects(&t.db).await, before, "{}", t.name);
        // the codes, issued before their indexes were built: one live code each, all distinct
        assert_eq!(codes(&t.db).await, (50, 50, 50), "{}", t.name);

        // one more household into the registry now filled: the code comes the other way
        use fupin_services::parse::status_snapshot;
        let mut w = fupin_storage::RegistryWriter::begin(&t.db).await.unwrap();
        let mut one = one_generated(99);
        one.number = "X-1".into();
        let ctx = fupin_storage::WriteContext {
            actor: "test".into(),
            reason: "test".into(),
            import_run: None,
        };
        let status = status_snapshot(&one, "test");
        w.create(&[(one, status)], &ctx).await.unwrap();
        w.commit().await.unwrap();
        assert_eq!(codes(&t.db).await, (51, 51, 51), "{}", t.name);
        t.drop_database().await;
    }
}

/// One household of the generator's, from `seed`.
fn one_generated(seed: u64) -> fupin_core::Household {
    let areas = fupin_services::areas::parse_json(fupin_services::areas::SEED_DIVISIONS).unwrap();
    let geo = Geography::new(&areas, fupin_services::areas::SEED_BOUNDARIES).unwrap();
    let config = GeneratorConfig {
        households: 1,
        seed,
        last_year: 2023,
    };
    generate(&config, &geo).next().unwrap().household
}

/// (codes, live codes, distinct tokens) in the registry.
async fn codes(db: &Db) -> (i64, i64, i64) {
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct Counts {
        codes: i64,
        live: i64,
        tokens: i64,
    }
    let mut tx = db.reader().await.unwrap();
    let rows: Vec<Counts> = fupin_storage::sql::fetch_all(
        &mut tx,
        "SELECT COUNT(*) AS codes, COUNT(DISTINCT CASE WHEN revoked_at IS NULL THEN household_id END) AS live, \
         COUNT(DISTINCT token) AS tokens FROM household_codes",
        &[],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (rows[0].codes, rows[0].live, rows[0].tokens)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_constraints_are_checked_before_commit() {
    use fupin_services::parse::status_snapshot;
    use fupin_storage::{RegistryWriter, WriteContext};
    let one = one_generated(3);
    // the same people registered a second time under another household number
    let mut twin = one.clone();
    twin.number.push('9');
    let batch = [
        (one.clone(), status_snapshot(&one, "test")),
        (twin.clone(), status_snapshot(&twin, "test")),
    ];
    let ctx = WriteContext {
        actor: "test".into(),
        reason: "test".into(),
        import_run: None,
    };
    for t in backends().await {
        let before = schema_objects(&t.db).await;
        let mut w = RegistryWriter::begin(&t.db).await.unwrap();
        w.defer_constraints().await.unwrap();
        // caught on insert (SQLite keeps its unique keys) or at the latest by the commit
        let result = match w.create(&batch, &ctx).await {
            Ok(_) => w.commit().await,
            Err(e) => {
                // release the writer's locks before reading on other connections
                w.rollback().await.unwrap();
                Err(e)
            }
        };
        let err = result.expect_err("a repeated ID number must not commit");
        assert!(err.to_string().contains("id_number"), "{}: {err}", t.name);
        for province in ["21", "34", "52", "62"] {
            let area = AreaCode::parse(province).unwrap();
            let (households, _) = t.db.registry_size(&Scope::operator(), &area).await.unwrap();
            assert_eq!(households, 0, "{}: nothing half-written", t.name);
        }
        assert_eq!(schema_objects(&t.db).await, before, "{}", t.name);
        t.drop_database().await;
    }
}

/// An export holds only the viewer's jurisdiction, masked as the viewer's roles require.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_are_scoped_and_masked_by_viewer() {
    use fupin_core::access::{HouseholdReach, Principal, Role};
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 120, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let everything = Scope::operator();
        let guizhou = AreaCode::parse("52").unwrap();
        let (in_guizhou, _) =
            t.db.household_list(&everything, &guizhou, 0, 1000)
                .await
                .unwrap();
        let one =
            t.db.household(&everything, in_guizhou[0].id)
                .await
                .unwrap()
                .unwrap();
        let county = AreaCode::parse(&one.household.village_code.as_str()[..6]).unwrap();
        let principal = |area: &AreaCode, role: Role| Principal {
            user_id: 1,
            username: "u".into(),
            area: area.clone(),
            roles: vec![role],
            token_actions: None,
        };
        let export = |viewer: Viewer, name: &str| {
            let path = dir.path().join(name);
            let (db, area) = (t.db.clone(), guizhou.clone());
            async move {
                fupin_services::export::export_households(
                    &db,
                    &viewer,
                    &area,
                    &path,
                    Format::Csv,
                    &Silent,
                )
                .await
                .unwrap();
                std::fs::read_to_string(&path).unwrap()
            }
        };
        // a county's staff: only that county, in full
        let staff = export(
            Viewer::from(&principal(&county, Role::OfficeStaff)),
            "staff.csv",
        )
        .await;
        let head = one.household.head().unwrap();
        assert!(staff.contains(head.id_number.as_str()), "{}", t.name);
        for h in &in_guizhou {
            let in_county = h.village_code.starts_with(&county.as_str()[..6]);
            assert_eq!(
                staff.contains(&h.number),
                in_county,
                "{}: {}",
                t.name,
                h.number
            );
        }
        assert!(
            in_guizhou
                .iter()
                .any(|h| !h.village_code.starts_with(&county.as_str()[..6])),
            "the province has households outside the county"
        );
        // a leader of the province: every household of it, ID numbers and phones masked
        let leader = export(
            Viewer::from(&principal(&guizhou, Role::OfficeLeader)),
            "leader.csv",
        )
        .await;
        for h in &in_guizhou {
            assert!(leader.contains(&h.number), "{}", t.name);
        }
        assert!(
            !leader.contains(head.id_number.as_str()),
            "{}: full ID exported",
            t.name
        );
        assert!(leader.contains(&head.id_number.masked()), "{}", t.name);
        assert!(leader.contains(&head.name), "leaders see names");
        // a helper with no paired household: nothing at all
        let mut helper = Viewer::from(&principal(&county, Role::HelperCadre));
        assert_eq!(helper.scope.households(), HouseholdReach::Paired(1));
        let nothing = export(helper.clone(), "helper.csv").await;
        assert_eq!(nothing.lines().count(), 1, "{}: the header only", t.name);
        helper.scope = helper.scope.without_households();
        assert_eq!(export(helper, "none.csv").await.lines().count(), 1);
        t.drop_database().await;
    }
}

/// The comprehensive query: every key (ID number and its tail, phone, household number, part
/// of a name) and filter finds exactly the households the registry holds that match, inside
/// the scope, on both databases; the name index follows an update.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_by_keys_and_filters_within_the_scope() {
    use fupin_core::Household;
    use fupin_core::codes::{Cause, HouseholdStatus};
    use fupin_core::search::{HouseholdQuery, SearchKey, clean_name};
    use std::collections::BTreeSet;
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 200, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let everything = Scope::operator();
        let mut all: Vec<(i64, Household)> = Vec::new();
        for id in 1..=200 {
            let r = t.db.household(&everything, id).await.unwrap().unwrap();
            all.push((id, r.household));
        }
        let find = |q: HouseholdQuery, scope: Scope| {
            let db = t.db.clone();
            async move {
                let page = db.find_households(&scope, &q, 0, 1000).await.unwrap();
                assert_eq!(page.total as usize, page.items.len());
                page.items
            }
        };
        let numbers = |hits: &[fupin_storage::SearchHit]| -> BTreeSet<String> {
            hits.iter().map(|h| h.household.number.clone()).collect()
        };
        let expect = |pick: &dyn Fn(&Household) -> bool| -> BTreeSet<String> {
            all.iter()
                .filter(|(_, h)| pick(h))
                .map(|(_, h)| h.number.clone())
                .collect()
        };
        let key = |k: SearchKey| HouseholdQuery {
            key: Some(k),
            ..Default::default()
        };
        let one = all[6].1.clone();
        let last = one.members.last().unwrap().clone();
        let id = last.id_number.to_string();

        let hits = find(key(SearchKey::IdNumber(id.clone())), everything.clone()).await;
        assert_eq!(
            numbers(&hits),
            BTreeSet::from([one.number.clone()]),
            "{}",
            t.name
        );
        assert_eq!(hits[0].matched.as_ref().unwrap().name, last.name);

        let tail = id[12..].to_string();
        let hits = find(key(SearchKey::IdTail(tail.clone())), everything.clone()).await;
        let want = expect(&|h| {
            h.members
                .iter()
                .any(|m| m.id_number.to_string().ends_with(&tail))
        });
        assert_eq!(numbers(&hits), want, "{}: tail {tail}", t.name);
        assert!(hits.iter().all(|h| {
            h.matched
                .as_ref()
                .is_some_and(|m| m.id_number.ends_with(&tail))
        }));

        let hits = find(key(SearchKey::Phone(one.phone.clone())), everything.clone()).await;
        assert_eq!(
            numbers(&hits),
            expect(&|h| h.phone == one.phone),
            "{}",
            t.name
        );

        let prefix = one.number[..one.number.len() - 1].to_string();
        let hits = find(
            key(SearchKey::HouseholdNumber(prefix.clone())),
            everything.clone(),
        )
        .await;
        assert_eq!(
            numbers(&hits),
            expect(&|h| h.number.starts_with(&prefix)),
            "{}",
            t.name
        );

        // the full name, and the given name alone (part of a name)
        let full = clean_name(&last.name);
        let given: String = full.chars().skip(1).collect();
        for q in [full.clone(), given] {
            if q.chars().count() < 2 {
                continue;
            }
            let hits = find(key(SearchKey::Name(q.clone())), everything.clone()).await;
            let want = expect(&|h| h.members.iter().any(|m| clean_name(&m.name).contains(&q)));
            assert_eq!(numbers(&hits), want, "{}: name {q}", t.name);
            assert!(want.contains(&one.number));
            assert!(hits.iter().all(|h| {
                h.matched
                    .as_ref()
                    .is_some_and(|m| clean_name(&m.name).contains(&q))
            }));
        }

        // filters narrow together
        let q = HouseholdQuery {
            status: Some(HouseholdStatus::ExitedWithPolicy),
            cause: Some(Cause::Illness),
            ..Default::default()
        };
        let hits = find(q, everything.clone()).await;
        let want = expect(&|h| {
            h.status == HouseholdStatus::ExitedWithPolicy
                && (h.main_cause == Cause::Illness || h.other_causes.contains(&Cause::Illness))
        });
        assert!(!want.is_empty());
        assert_eq!(numbers(&hits), want, "{}", t.name);

        // the poor households as the area tables count them: 未脱贫 and 返贫 alike
        let poor = HouseholdQuery {
            poor: true,
            ..Default::default()
        };
        let hits = find(poor, everything.clone()).await;
        let want = expect(&|h| h.status.is_poor());
        assert!(!want.is_empty());
        assert_eq!(numbers(&hits), want, "{}", t.name);

        // outside the scope: nothing
        let elsewhere = if one.village_code.as_str().starts_with("52") {
            "21"
        } else {
            "52"
        };
        let scope = Scope::operator_within(Some(AreaCode::parse(elsewhere).unwrap()));
        assert!(
            find(key(SearchKey::IdNumber(id.clone())), scope)
                .await
                .is_empty()
        );

        // a renamed member is found by the new name only, and with an ID number corrected, by
        // the new number's end only
        let mut renamed = one.clone();
        renamed.members.last_mut().unwrap().name = "龚测试名".into();
        let corrected = (0..500)
            .map(|seq| {
                fupin_core::id_number::IdNumber::compose(
                    last.id_number.address_code(),
                    last.id_number.birth_date(),
                    seq,
                    last.id_number.sex(),
                )
            })
            .find(|n| {
                all.iter().all(|(_, h)| {
                    h.members
                        .iter()
                        .all(|m| m.id_number.as_str()[14..] != n.as_str()[14..])
                })
            })
            .expect("an ID number whose end no member has");
        renamed.members.last_mut().unwrap().id_number = corrected.clone();
        let mut w = fupin_storage::RegistryWriter::begin(&t.db).await.unwrap();
        let status = fupin_services::parse::status_snapshot(&renamed, "更名");
        let ctx = fupin_storage::WriteContext {
            actor: "test".into(),
            reason: "更名".into(),
            import_run: None,
        };
        w.update(7, &renamed, &status, &[], &ctx).await.unwrap();
        w.commit().await.unwrap();
        let hits = find(key(SearchKey::Name("测试名".into())), everything.clone()).await;
        assert_eq!(
            numbers(&hits),
            BTreeSet::from([one.number.clone()]),
            "{}",
            t.name
        );
        let after: Vec<(i64, Household)> = all
            .iter()
            .map(|(i, h)| (*i, if *i == 7 { renamed.clone() } else { h.clone() }))
            .collect();
        let want: BTreeSet<String> = after
            .iter()
            .filter(|(_, h)| {
                h.members
                    .iter()
                    .any(|m| clean_name(&m.name).contains(&full))
            })
            .map(|(_, h)| h.number.clone())
            .collect();
        let hits = find(key(SearchKey::Name(full.clone())), everything.clone()).await;
        assert_eq!(numbers(&hits), want, "{}: the old name", t.name);
        let tail_of = |h: &Household| -> BTreeSet<String> {
            h.members
                .iter()
                .map(|m| m.id_number.as_str()[14..].to_string())
                .collect()
        };
        let new_tail = corrected.as_str()[14..].to_string();
        let hits = find(key(SearchKey::IdTail(new_tail.clone())), everything.clone()).await;
        assert_eq!(
            numbers(&hits),
            BTreeSet::from([one.number.clone()]),
            "{}: the new ID number's end",
            t.name
        );
        let old_tail = id[14..].to_string();
        let hits = find(key(SearchKey::IdTail(old_tail.clone())), everything.clone()).await;
        let want: BTreeSet<String> = after
            .iter()
            .filter(|(_, h)| tail_of(h).contains(&old_tail))
            .map(|(_, h)| h.number.clone())
            .collect();
        assert_eq!(numbers(&hits), want, "{}: the old ID number's end", t.name);
        t.drop_database().await;
    }
}

/// Area figures (households, people, poor, exited, monitored by child area) are what the
/// registry holds, on both databases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn area_figures_count_the_registry() {
    use std::collections::HashMap;
    let areas = fupin_services::areas::parse_json(fupin_services::areas::SEED_DIVISIONS).unwrap();
    let geo = Geography::new(&areas, fupin_services::areas::SEED_BOUNDARIES).unwrap();
    let config = GeneratorConfig {
        households: 300,
        seed: 7,
        last_year: 2023,
    };
    // expected, by city of Guizhou: [households, people, poor, poor people, exited, monitored]
    let mut expected: HashMap<String, [i64; 6]> = HashMap::new();
    for g in generate(&config, &geo) {
        let h = g.household;
        let code = h.village_code.as_str();
        if !code.starts_with("52") {
            continue;
        }
        let e = expected.entry(code[..4].to_string()).or_default();
        let people = h.members.len() as i64;
        e[0] += 1;
        e[1] += people;
        if h.status.is_poor() {
            e[2] += 1;
            e[3] += people;
        }
        e[4] += i64::from(h.status.is_exited());
        e[5] += i64::from(h.monitoring.is_some());
    }
    assert!(expected.values().any(|e| e[2] > 0) && expected.values().any(|e| e[4] > 0));
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 300, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let guizhou = AreaCode::parse("52").unwrap();
        let children =
            t.db.area_children(
                &Scope::operator(),
                Some(&guizhou),
                fupin_storage::FigureYear::Now,
            )
            .await
            .unwrap();
        for c in children {
            let prefix = &c.area.code.as_str()[..4];
            let e = expected.get(prefix).copied().unwrap_or_default();
            let f = c.figures;
            let got = [
                f.households,
                f.members,
                f.poor,
                f.poor_members,
                f.exited,
                f.monitored,
            ];
            assert_eq!(got, e, "{}: {}", t.name, c.area.name);
        }
        t.drop_database().await;
    }
}

/// The per-village figures the area pages read are kept by every write: after a bulk load, a
/// history import and an update that moves a household to another village and changes its
/// status, they equal the figures rebuilt from scratch, now and for every year.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_follow_every_write() {
    use fupin_storage::FigureYear;
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 120, Format::Csv);
        import(&t.db, &file, false).await;
        let history = dir.path().join("history.csv");
        let h = fupin_services::history::import_history(&t.db, &history, &options(false), &Silent)
            .await
            .unwrap();
        assert!(h.committed, "{}", t.name);

        // move the first household to the village of the last one and mark it returned
        let text = std::fs::read_to_string(&file).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let header: Vec<String> = lines[0]
            .trim_start_matches('\u{feff}')
            .split(',')
            .map(String::from)
            .collect();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let number = lines[1].split(',').next().unwrap().to_string();
        let target = lines
            .last()
            .unwrap()
            .split(',')
            .nth(col("村级区划代码"))
            .unwrap()
            .to_string();
        for line in lines
            .iter_mut()
            .skip(1)
            .filter(|l| l.starts_with(&format!("{number},")))
        {
            let mut cells: Vec<String> = line.split(',').map(String::from).collect();
            cells[col("村级区划代码")] = target.clone();
            for field in [Field::County, Field::Township, Field::Village] {
                if let Some(i) = header.iter().position(|h| h == field.zh()) {
                    cells[i].clear();
                }
            }
            cells[col("户状态")] = "返贫".into();
            *line = cells.join(",");
        }
        let changed = dir.path().join("changed.csv");
        std::fs::write(&changed, lines.join("\n")).unwrap();
        let s = import(&t.db, &changed, false).await;
        assert_eq!(s.updated, 1, "{}: {:?}", t.name, s.first_errors);

        let snapshot = || async {
            let mut all = Vec::new();
            let mut years = vec![FigureYear::Now];
            let guizhou = AreaCode::parse("52").unwrap();
            for y in t.db.area_years(&Scope::operator(), &guizhou).await.unwrap() {
                years.push(FigureYear::Year(y.year));
            }
            for year in years {
                for p in ["21", "34", "52", "62"] {
                    let p = AreaCode::parse(p).unwrap();
                    let mut frontier = vec![p];
                    while let Some(code) = frontier.pop() {
                        for c in
                            t.db.area_children(&Scope::operator(), Some(&code), year)
                                .await
                                .unwrap()
                        {
                            if c.figures.households > 0 {
                                frontier.push(c.area.code.clone());
                            }
                            all.push((year, c.area.code.to_string(), c.figures));
                        }
                    }
                }
            }
            all
        };
        let kept = snapshot().await;
        assert!(
            kept.iter()
                .any(|(y, _, f)| *y != FigureYear::Now && f.returned > 0),
            "{}: some year has returned households",
            t.name
        );
        t.db.rebuild_figures().await.unwrap();
        let rebuilt = snapshot().await;
        assert_eq!(kept.len(), rebuilt.len(), "{}", t.name);
        for (k, r) in kept.iter().zip(&rebuilt) {
            assert_eq!(k, r, "{}", t.name);
        }
        t.drop_database().await;
    }
}
