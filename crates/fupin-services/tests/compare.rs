//! Big-data comparison on both databases, against generated lists with planted truth: the
//! links are right (precision and recall on valid IDs, F1 on the rest, no namesake taken for a
//! member), an import is all or nothing and a retried one is the same snapshot, and the export
//! names every record with its link and the evidence.

use chrono::NaiveDate;
use fupin_core::departments::DepartmentKind;
use fupin_core::linkage::Settings;
use fupin_services::audit::Actor;
use fupin_services::compare::quality::{evaluate, read_truth, report};
use fupin_services::compare::run::{export_links, import_list, run};
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;

mod common;
use common::{backends, generated_with, import};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()
}

fn settings() -> Settings {
    Settings {
        random_pairs: 300_000,
        ..Settings::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_are_right_on_planted_truth_and_exported_with_their_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let file = generated_with(dir.path(), 3_000, Format::Csv, true);
    let lists = dir.path().join("departments");
    for t in backends().await {
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let actor = Actor::cli();
        let medical = lists.join("medical.csv");
        let imported = import_list(
            &t.db,
            &actor,
            None,
            "县医保局参保名单",
            Some(DepartmentKind::Medical),
            None,
            &medical,
            today(),
        )
        .await
        .unwrap();
        assert!(
            imported.new && imported.records > 8_000,
            "{}",
            imported.records
        );
        let summary = run(
            &t.db,
            &actor,
            imported.snapshot_id,
            None,
            &settings(),
            today(),
            &Silent,
        )
        .await
        .unwrap();
        assert_eq!(summary.stats.records as usize, imported.records);
        let truth = read_truth(&lists.join("truth.csv"), "medical").unwrap();
        let run_row = t.db.comparison_run(summary.run_id).await.unwrap().unwrap();
        let q = evaluate(&t.db, &run_row, &truth, today()).await.unwrap();
        let shown = report(&q);
        assert_eq!(q.unknown, 0, "{shown}");
        assert!(
            q.exact.precision() >= 0.99 && q.exact.recall() >= 0.99,
            "{}\n{shown}",
            t.name
        );
        assert!(q.fuzzy.records > 300, "{shown}");
        assert!(q.fuzzy.f1() >= 0.97, "{}\n{shown}", t.name);
        assert!(q.namesakes.records > 0, "{shown}");
        assert_eq!(q.namesakes.false_positive, 0, "{shown}");
        // a slipped number (missing or mistyped) is still found by name, birth and place
        for slip in ["id_missing", "id_typo"] {
            let c = q.by_slip.get(slip).copied().unwrap_or_default();
            assert!(c.records > 20 && c.recall() > 0.95, "{slip}\n{shown}");
        }

        // the export: one row per record, the member found and the evidence for it
        let out = dir.path().join(format!("links-{}.csv", t.name));
        let reads = fupin_services::audit::AuditSink::start(t.db.clone());
        let n = export_links(&t.db, &reads, &actor, &run_row, &out)
            .await
            .unwrap();
        assert_eq!(n as usize, imported.records);
        let text = std::fs::read_to_string(&out).unwrap();
        let mut rows = csv::Reader::from_reader(text.as_bytes());
        let header = rows.headers().unwrap().clone();
        assert_eq!(&header[1], "记录编号");
        let scored = rows
            .records()
            .map(|r| r.unwrap())
            .find(|r| r[2].is_empty() && r[9].starts_with("匹配"))
            .expect("a record without an ID number linked by score");
        assert_eq!(scored[4].len(), 18, "the member's ID number: {scored:?}");
        assert!(
            scored[10].contains("姓名") && scored[10].contains("出生日期"),
            "{scored:?}"
        );

        // a list without any address (deaths) links on name and birth alone
        let deaths = import_list(
            &t.db,
            &actor,
            None,
            "县民政局死亡名单",
            Some(DepartmentKind::Death),
            None,
            &lists.join("death.csv"),
            today(),
        )
        .await
        .unwrap();
        let s = run(
            &t.db,
            &actor,
            deaths.snapshot_id,
            None,
            &settings(),
            today(),
            &Silent,
        )
        .await
        .unwrap();
        let run_row = t.db.comparison_run(s.run_id).await.unwrap().unwrap();
        let truth = read_truth(&lists.join("truth.csv"), "death").unwrap();
        let q = evaluate(&t.db, &run_row, &truth, today()).await.unwrap();
        assert!(
            q.exact.precision() >= 0.99 && q.fuzzy.false_positive == 0,
            "{}",
            report(&q)
        );
        t.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_is_all_or_nothing_and_a_retry_is_the_same_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("vehicles.csv");
    std::fs::write(
        &good,
        "号牌号码,所有人,身份证号\n贵A10001,张三,52272219800314001X\n贵A10002,李四,\n",
    )
    .unwrap();
    let bad = dir.path().join("vehicles-bad.csv");
    std::fs::write(
        &bad,
        "号牌号码,所有人,身份证号,初次登记日期\n贵A1,张三,,2021-13-01\n贵A2,李四,,\n",
    )
    .unwrap();
    for t in backends().await {
        let actor = Actor::cli();
        let first = import_list(
            &t.db,
            &actor,
            None,
            "公安车辆",
            Some(DepartmentKind::Vehicle),
            None,
            &good,
            today(),
        )
        .await
        .unwrap();
        let again = import_list(&t.db, &actor, None, "公安车辆", None, None, &good, today())
            .await
            .unwrap();
        assert!(first.new && !again.new, "{}", t.name);
        assert_eq!(first.snapshot_id, again.snapshot_id);
        let e = import_list(&t.db, &actor, None, "公安车辆", None, None, &bad, today())
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 2") && e.contains("初次登记日期"), "{e}");
        let source =
            t.db.department_source("", "公安车辆")
                .await
                .unwrap()
                .unwrap();
        assert_eq!(
            t.db.snapshots_of(source.id).await.unwrap().len(),
            1,
            "nothing of the bad file kept"
        );
        let wrong_kind = import_list(
            &t.db,
            &actor,
            None,
            "公安车辆",
            Some(DepartmentKind::Death),
            None,
            &good,
            today(),
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(wrong_kind.contains("vehicle"), "{wrong_kind}");
        t.drop_database().await;
    }
}
