//! Warnings on both databases: department lists with planted cases and their near misses are
//! compared with a generated registry, the rules raise what they should and nothing else, each
//! warning names its evidence, the verification workflow closes them, a second comparison of
//! the same evidence does not reopen a dismissed warning, and the counts per area add up.

use std::path::Path;

use chrono::NaiveDate;
use fupin_core::Household;
use fupin_core::access::Scope;
use fupin_core::codes::Sex;
use fupin_core::departments::DepartmentKind;
use fupin_core::linkage::Settings;
use fupin_core::warnings::{Act, Resolution, RuleSettings, WarningState};
use fupin_core::{AreaCode, CodeList, IdNumber};
use fupin_services::audit::Actor;
use fupin_services::compare::run::{import_list, run};
use fupin_services::compare::warnings::{self, RaiseSummary};
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;
use fupin_storage::Db;
use fupin_storage::warnings::WarningFilter;

mod common;
use common::{backends, generated, import};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
}

/// The households the planted cases are about: one poor or monitored, one exited.
struct Cast {
    poor: Household,
    poor_id: i64,
    exited: Household,
    exited_id: i64,
}

async fn cast(db: &Db) -> Cast {
    let everything = Scope::operator();
    let (mut poor, mut exited) = (None, None);
    for id in 1..=200 {
        let Some(r) = db.household(&everything, id).await.unwrap() else {
            continue;
        };
        let h = r.household;
        if h.members.len() < 2 || h.conditions.relocated {
            continue;
        }
        // by 2023 every poor household has exited: the watched are the monitored
        if (h.status.is_poor() || h.monitoring.is_some()) && poor.is_none() {
            poor = Some((h, id));
        } else if h.status.is_exited() && h.monitoring.is_none() && exited.is_none() {
            exited = Some((h, id));
        }
    }
    let ((poor, poor_id), (exited, exited_id)) = (poor.unwrap(), exited.unwrap());
    Cast {
        poor,
        poor_id,
        exited,
        exited_id,
    }
}

/// A valid ID number of someone not in the registry (high sequence numbers, rare in the generator).
fn not_registered(year: i32, seq: u16) -> String {
    let birth = NaiveDate::from_ymd_opt(year, 7, 7).unwrap();
    IdNumber::compose("522726", birth, 400 + seq, Sex::Male)
        .as_str()
        .to_string()
}

fn write(path: &Path, header: &str, rows: &[String]) {
    let mut text = format!("{header}\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

async fn compare(
    db: &Db,
    file: &Path,
    source: &str,
    kind: DepartmentKind,
    as_of: NaiveDate,
) -> RaiseSummary {
    let actor = Actor::cli();
    let imported = import_list(db, &actor, None, source, Some(kind), None, file, as_of)
        .await
        .unwrap();
    let settings = Settings {
        random_pairs: 50_000,
        ..Settings::default()
    };
    let summary = run(
        db,
        &actor,
        imported.snapshot_id,
        None,
        &settings,
        today(),
        &Silent,
    )
    .await
    .unwrap();
    warnings::raise_for_run(db, &actor, summary.run_id, &RuleSettings::default())
        .await
        .unwrap()
}

fn found(s: &RaiseSummary, rule: &str) -> usize {
    s.found.get(rule).copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_cases_raise_warnings_that_are_verified_and_stay_closed() {
    let dir = tempfile::tempdir().unwrap();
    let file = generated(dir.path(), 120, Format::Csv);
    for t in backends().await {
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let c = cast(&t.db).await;
        let (p1, p2) = (&c.poor.members[0], &c.poor.members[1]);
        let x1 = &c.exited.members[0];
        let village = c.poor.village_code.clone();
        let person = |m: &fupin_core::Member| format!("{},{}", m.id_number.as_str(), m.name);

        // E1: a poor household's member on the payroll; an outsider (not in the registry) too
        let payroll = dir.path().join(format!("payroll-{}.csv", t.name));
        let outsider = not_registered(1990, 11);
        write(
            &payroll,
            "人员编号,身份证号,姓名,工作单位,月工资",
            &[
                format!("P1,{},县教育局,5200", person(p1)),
                format!("P2,{outsider},韦外人,县水务局,4800"),
            ],
        );
        let s = compare(
            &t.db,
            &payroll,
            "县财政局供养人员",
            DepartmentKind::Payroll,
            today(),
        )
        .await;
        assert_eq!(found(&s, "payroll"), 1, "{}: {s:?}", t.name);
        assert_eq!(s.raised.opened, 1);

        // E2: a car is a warning, a cheap motorcycle (the near miss) is not
        let vehicles = dir.path().join(format!("vehicle-{}.csv", t.name));
        write(
            &vehicles,
            "号牌号码,身份证号,所有人,车辆类型,初次登记日期,购置价格",
            &[
                format!("贵J·A1234,{},小型轿车,2022-05-01,86000", person(p2)),
                format!("贵J·B5678,{},二轮摩托车,2022-05-01,6500", person(p1)),
            ],
        );
        let s = compare(
            &t.db,
            &vehicles,
            "县公安局机动车",
            DepartmentKind::Vehicle,
            today(),
        )
        .await;
        assert_eq!((found(&s, "vehicle"), s.raised.opened), (1, 1), "{s:?}");

        // the dead still listed: a death on the register of a live household's member
        let deaths = dir.path().join(format!("death-{}.csv", t.name));
        write(
            &deaths,
            "死亡证明编号,身份证号,姓名,死亡日期",
            &[format!("D1,{},2024-02-10", person(p2))],
        );
        let s = compare(
            &t.db,
            &deaths,
            "县民政局死亡名单",
            DepartmentKind::Death,
            today(),
        )
        .await;
        assert_eq!(found(&s, "dead_listed"), 1, "{s:?}");
        assert_eq!(
            found(&s, "dead_paid"),
            0,
            "nothing was paid after the death"
        );

        // the assistance roll: extreme support after exit (a probable wrong exit), someone on
        // dibao not in the registry (a probable omission), temporary relief (a near miss)
        let exit_year = c.exited.exit_year.unwrap();
        let roll = dir.path().join(format!("assistance-{}.csv", t.name));
        write(
            &roll,
            "救助证号,身份证号,姓名,保障类别,保障起始日期,月保障金额,地区代码",
            &[
                format!(
                    "A1,{},特困供养,{}-03-01,520,{}",
                    person(x1),
                    exit_year + 1,
                    c.exited.village_code
                ),
                format!(
                    "A2,{},莫未录,农村低保,2023-01-01,420,{village}",
                    not_registered(1985, 12)
                ),
                format!(
                    "A3,{},罗临时,临时救助,2023-01-01,800,{village}",
                    not_registered(1977, 13)
                ),
            ],
        );
        let s = compare(
            &t.db,
            &roll,
            "县民政局低保特困",
            DepartmentKind::Assistance,
            today(),
        )
        .await;
        assert_eq!(found(&s, "wrong_exit"), 1, "{s:?}");
        assert_eq!(found(&s, "missed"), 1, "{s:?}");
        assert_eq!(s.found.values().sum::<usize>(), 2, "{s:?}");

        // what a county officer sees: five warnings, each with its evidence
        let actor = Actor::cli();
        let reads = fupin_services::audit::AuditSink::start(t.db.clone());
        let county = Scope::operator_within(Some(village.ancestor(fupin_core::AreaLevel::County)));
        let (rows, total) = warnings::list(
            &t.db,
            &reads,
            &actor,
            &county,
            &WarningFilter::default(),
            0,
            50,
        )
        .await
        .unwrap();
        assert_eq!(total, 5, "{rows:#?}");
        let payroll_w = rows.iter().find(|w| w.rule == "payroll").unwrap();
        assert_eq!(payroll_w.household_id, Some(c.poor_id));
        assert_eq!(payroll_w.area_code, village.as_str());
        let v = warnings::view(&t.db, &reads, &actor, &county, payroll_w.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v.evidence.records[0].record.key, "P1");
        assert_eq!(v.evidence.records[0].source, "县财政局供养人员");
        assert!(
            v.evidence
                .link
                .as_ref()
                .unwrap()
                .explanation
                .contains("身份证号一致")
        );
        let missed = rows.iter().find(|w| w.rule == "missed").unwrap();
        assert_eq!(
            missed.area_code,
            village.as_str(),
            "assigned to the village on the roll"
        );
        assert_eq!(missed.household_id, None);

        // the household record shows its warnings (payroll, vehicle, the death)
        let on_record = warnings::of_household(&t.db, &county, c.poor_id)
            .await
            .unwrap();
        let mut rules: Vec<&str> = on_record.iter().map(|w| w.rule.code()).collect();
        rules.sort_unstable();
        assert_eq!(rules, ["dead_listed", "payroll", "vehicle"]);
        assert_eq!(
            warnings::of_household(&t.db, &county, c.exited_id)
                .await
                .unwrap()
                .len(),
            1
        );

        // another county sees none and cannot act on them
        let elsewhere = Scope::operator_within(Some(AreaCode::parse("520102").unwrap()));
        let (rows, total) = warnings::list(
            &t.db,
            &reads,
            &actor,
            &elsewhere,
            &WarningFilter::default(),
            0,
            50,
        )
        .await
        .unwrap();
        assert_eq!((rows.len(), total), (0, 0));
        let dismiss = Act::Dismiss {
            reason: "同名不同人".into(),
        };
        assert!(
            warnings::act(&t.db, &actor, &elsewhere, payroll_w.id, dismiss.clone())
                .await
                .is_err()
        );

        // verify and close: the payroll one dismissed, the car confirmed
        let closed = warnings::act(&t.db, &actor, &county, payroll_w.id, dismiss.clone())
            .await
            .unwrap();
        assert_eq!(closed.state, WarningState::Dismissed);
        assert!(closed.warning.closed_at.is_some());
        assert!(
            warnings::act(&t.db, &actor, &county, payroll_w.id, dismiss)
                .await
                .is_err(),
            "closed is final"
        );
        let car = on_record
            .iter()
            .find(|w| w.rule.code() == "vehicle")
            .unwrap()
            .warning
            .id;
        let verify = Act::Verify {
            note: "入户核查行驶证".into(),
        };
        assert_eq!(
            warnings::act(&t.db, &actor, &county, car, verify)
                .await
                .unwrap()
                .state,
            WarningState::Verifying
        );
        let confirm = Act::Confirm {
            resolution: Resolution::Remove,
            note: "车辆属实，启动清退程序".into(),
        };
        let v = warnings::act(&t.db, &actor, &county, car, confirm)
            .await
            .unwrap();
        assert_eq!(v.state, WarningState::Confirmed);
        assert_eq!(v.warning.resolution.as_deref(), Some("remove"));
        let acts: Vec<&str> = v.events.iter().map(|e| e.state_after.as_str()).collect();
        assert_eq!(acts, ["open", "verifying", "confirmed"]);
        // assigned elsewhere in the county: the township of the missed person's village
        let township = village.ancestor(fupin_core::AreaLevel::Township);
        let moved = warnings::act(
            &t.db,
            &actor,
            &county,
            missed.id,
            Act::Assign {
                area: township.clone(),
            },
        )
        .await
        .unwrap();
        assert_eq!(moved.warning.area_code, township.as_str());

        // next month's payroll list: the same record again and a new one. The dismissed
        // warning is not reopened; the new record is a new warning
        let payroll2 = dir.path().join(format!("payroll2-{}.csv", t.name));
        write(
            &payroll2,
            "人员编号,身份证号,姓名,工作单位,月工资",
            &[
                format!("P1,{},县教育局,5200", person(p1)),
                format!("P9,{},镇卫生院,4100", person(p2)),
            ],
        );
        let next = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
        let s = compare(
            &t.db,
            &payroll2,
            "县财政局供养人员",
            DepartmentKind::Payroll,
            next,
        )
        .await;
        assert_eq!(found(&s, "payroll"), 2);
        assert_eq!(
            (s.raised.opened, s.raised.kept_closed, s.raised.still_open),
            (1, 1, 0),
            "{s:?}"
        );
        let again = warnings::view(&t.db, &reads, &actor, &county, payroll_w.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.state, WarningState::Dismissed);

        // counts and ageing per area: six raised, one dismissed, one confirmed
        let now = chrono::Utc::now().date_naive();
        let summary = warnings::summary(&t.db, &county, None, now).await.unwrap();
        let total = &summary[0];
        assert_eq!(
            (
                total.open,
                total.verifying,
                total.confirmed,
                total.dismissed
            ),
            (4, 0, 1, 1),
            "{summary:#?}"
        );
        assert_eq!(total.ageing[0], 4, "opened today");
        assert_eq!(total.by_rule.get("payroll"), Some(&1));
        let rows_sum: i64 = summary[1..]
            .iter()
            .map(|r| r.open + r.confirmed + r.dismissed)
            .sum();
        assert_eq!(rows_sum, 6, "the areas' rows add up to the total");
        let later = now + chrono::Days::new(120);
        let aged = warnings::summary(&t.db, &county, None, later)
            .await
            .unwrap();
        assert_eq!(aged[0].ageing[3], 4, "{:?}", aged[0].ageing);

        // the registry's own rules: a second scan raises nothing new
        let first = warnings::scan_registry(&t.db, &actor, None, &RuleSettings::default())
            .await
            .unwrap();
        let second = warnings::scan_registry(&t.db, &actor, None, &RuleSettings::default())
            .await
            .unwrap();
        assert_eq!(second.raised.opened, 0);
        assert_eq!(
            second.raised.still_open,
            first.raised.opened + first.raised.still_open
        );
        t.drop_database().await;
    }
}
