//! Measures against generated households and real databases: every default measure matches
//! some households and not others; a matching run stores what the core computes, finds the
//! gaps the deliveries leave, and a delivery recorded (again) closes a gap exactly once.

use fupin_core::access::Scope;
use fupin_core::measures::{Catalogue, Facts, Per};
use fupin_services::audit::Actor;
use fupin_services::generate::{GeneratorConfig, Geography, generate};
use fupin_services::measures::{NewDelivery, catalogue_for_run, match_households, record};
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;

mod common;
use common::{backends, generated, import, options};

/// Each measure of the default catalogue, in a year of its period, over generated households:
/// at least one household entitled and one not.
#[test]
fn every_default_measure_matches_some_households_and_not_others() {
    let areas = fupin_services::areas::parse_json(fupin_services::areas::SEED_DIVISIONS).unwrap();
    let geo = Geography::new(&areas, fupin_services::areas::SEED_BOUNDARIES).unwrap();
    let config = GeneratorConfig {
        households: 4_000,
        seed: 11,
        last_year: 2023,
    };
    let households: Vec<_> = generate(&config, &geo).collect();
    let catalogue = Catalogue::default_catalogue();
    let mut silent = Vec::new();
    for m in &catalogue.measures {
        let year = m.years.map_or(2023, |(from, to)| to.min(2023).max(from));
        let (mut yes, mut no) = (0, 0);
        for g in &households {
            let Some(rec) = g.history.iter().find(|r| r.status.year == year) else {
                continue;
            };
            let facts =
                Facts::new(&g.household, year, Some(&rec.income)).with_status(rec.status.status);
            if facts.entitled(m, year) > 0 {
                yes += 1;
            } else {
                no += 1;
            }
        }
        if yes == 0 || no == 0 {
            silent.push(format!(
                "{} {} in {year}: {yes} entitled, {no} not",
                m.code, m.name
            ));
        }
    }
    assert!(silent.is_empty(), "{}", silent.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matching_finds_the_gaps_and_a_delivery_closes_one_once() {
    let operator = fupin_core::access::Scope::operator();
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 200, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let history = dir.path().join("history.csv");
        let h = fupin_services::history::import_history(&t.db, &history, &options(false), &Silent)
            .await
            .unwrap();
        assert!(h.committed);
        let catalogue = catalogue_for_run(&t.db, None).await.unwrap();
        let all = Scope::operator();
        let sheet = dir.path().join("deliveries.csv");
        let rows = fupin_services::deliveries::parse(&sheet).unwrap();
        let n = fupin_services::deliveries::import_deliveries(
            &t.db,
            &all,
            &catalogue,
            &Actor::cli(),
            &sheet,
            &Silent,
        )
        .await
        .unwrap();
        assert_eq!(n.rows as usize, rows.len(), "{}", t.name);
        // loading the same sheet again corrects in place
        fupin_services::deliveries::import_deliveries(
            &t.db,
            &all,
            &catalogue,
            &Actor::cli(),
            &sheet,
            &Silent,
        )
        .await
        .unwrap();

        let s = match_households(&t.db, &catalogue, 2023, &operator, &Silent)
            .await
            .unwrap();
        assert_eq!(
            s.delivered as usize,
            rows.len(),
            "{}: every delivery was an entitlement",
            t.name
        );
        assert_eq!(s.entitlements, s.delivered + s.gaps);
        assert!(
            s.gaps > 0 && s.households_with_gaps > 0,
            "{}: {s:?}",
            t.name
        );

        // a household with a gap: its stored codes are what the core computes now
        let guizhou = fupin_core::AreaCode::parse("52").unwrap();
        let (lines, total) =
            t.db.gap_households(&all, &guizhou, 2023, 0, 10)
                .await
                .unwrap();
        assert!(total > 0 && !lines.is_empty(), "{}", t.name);
        let line = &lines[0];
        let rec =
            t.db.household(&all, line.household_id)
                .await
                .unwrap()
                .unwrap();
        let stored =
            t.db.household_measures(&all, line.household_id)
                .await
                .unwrap();
        let income = rec
            .incomes
            .iter()
            .find(|i| i.income.year == 2023)
            .map(|i| &i.income);
        let status = rec
            .status_years
            .iter()
            .find(|s| s.year == 2023)
            .map_or(rec.household.status, |s| s.status);
        let facts = Facts::new(&rec.household, 2023, income).with_status(status);
        let live: usize = catalogue
            .measures
            .iter()
            .map(|m| facts.entitled(m, 2023))
            .sum();
        assert_eq!(stored[0].entitled as usize, live, "{}", t.name);
        assert_eq!(stored[0].gap_codes, line.gap_codes);

        // deliver the first gap; recording it twice still closes exactly one
        let first = line.gap_codes.split(',').next().unwrap();
        let (code, seq) = match first.split_once(':') {
            Some((c, s)) => (c, s.parse::<usize>().ok()),
            None => (first, None),
        };
        let measure = catalogue.measure(code).unwrap();
        let member = match (measure.per, seq) {
            (Per::Member, Some(i)) => rec.household.members[i - 1].id_number.as_str().to_string(),
            _ => String::new(),
        };
        let delivery = NewDelivery {
            household_number: rec.household.number.clone(),
            measure_code: code.to_string(),
            member_id_number: member,
            year: 2023,
            delivered_on: chrono::NaiveDate::from_ymd_opt(2023, 6, 1).unwrap(),
            amount: measure.amount_yuan.map(fupin_core::Fen::from_yuan),
            unit: measure.department.clone(),
            evidence: "测试".into(),
        };
        for _ in 0..2 {
            record(
                &t.db,
                &all,
                &catalogue,
                &Actor::cli(),
                &[(1, delivery.clone())],
            )
            .await
            .unwrap();
        }
        let again = match_households(&t.db, &catalogue, 2023, &operator, &Silent)
            .await
            .unwrap();
        assert_eq!(again.gaps + 1, s.gaps, "{}", t.name);
        assert_eq!(again.delivered, s.delivered + 1);
        // the counts by village and measure add up to the run's, province by province
        let mut counted = 0;
        for p in
            t.db.area_children(&all, None, fupin_storage::FigureYear::Now)
                .await
                .unwrap()
        {
            let counts = t.db.measure_counts(&all, &p.area.code, 2023).await.unwrap();
            counted += counts.values().map(|c| c.gaps as u64).sum::<u64>();
        }
        assert_eq!(counted, again.gaps, "{}", t.name);

        // bad rows are named, and nothing of them is written
        let bad = [
            (
                2,
                NewDelivery {
                    measure_code: "NOPE-1".into(),
                    ..delivery.clone()
                },
            ),
            (
                3,
                NewDelivery {
                    household_number: "0000".into(),
                    ..delivery.clone()
                },
            ),
        ];
        let e = record(&t.db, &all, &catalogue, &Actor::cli(), &bad)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("第2行") && e.contains("NOPE-1"), "{e}");
        assert!(e.contains("第3行") && e.contains("[户编号]"), "{e}");
        // outside the caller's jurisdiction the household does not exist
        let elsewhere =
            Scope::operator_within(Some(fupin_core::AreaCode::parse("110101").unwrap()));
        let e = record(
            &t.db,
            &elsewhere,
            &catalogue,
            &Actor::cli(),
            &[(1, delivery.clone())],
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(e.contains("[户编号]"), "{e}");
        t.drop_database().await;
    }
}
