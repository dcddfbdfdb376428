//! Village and county exit against real databases: the generated indicator sheet loads once
//! however often it is loaded, a bad sheet leaves nothing, the stored figures are the sheet's,
//! exited people are counted from the households, and both backends reach the same verdicts.

use fupin_core::access::Scope;
use fupin_core::assessment::area_exit::{Criterion, Indicator, exit_verdict};
use fupin_core::assessment::checklist::Outcome;
use fupin_core::codes::HouseholdStatus;
use fupin_core::{AreaLevel, CodeList};
use fupin_services::indicators::{import_indicators, parse};
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;
use fupin_storage::FigureYear;

mod common;
use common::{backends, generated, import, options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn area_exit_figures_load_once_and_decide_the_same_on_both_backends() {
    let mut verdicts = Vec::new();
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 200, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let history = dir.path().join("history.csv");
        let h = fupin_services::history::import_history(&t.db, &history, &options(false), &Silent)
            .await
            .unwrap();
        assert!(h.committed);
        fupin_services::population::import_populations(
            &t.db,
            &dir.path().join("populations.csv"),
            "gen",
        )
        .await
        .unwrap();
        let sheet = dir.path().join("indicators.csv");
        let values = parse(&sheet).unwrap();
        let n = import_indicators(&t.db, &sheet, "gen").await.unwrap();
        assert_eq!(n as usize, values.len());
        // loading again replaces, never duplicates (the primary key would refuse a duplicate)
        assert_eq!(import_indicators(&t.db, &sheet, "gen").await.unwrap(), n);

        // a sheet naming an unknown area is refused whole
        let bad = dir.path().join("bad.csv");
        std::fs::write(
            &bad,
            "区划代码,年度,通硬化路\n522726100201,2031,是\n999999999999,2031,是\n",
        )
        .unwrap();
        assert!(import_indicators(&t.db, &bad, "bad").await.is_err());

        let all = Scope::operator();
        let county = values
            .iter()
            .find(|v| v.area.level() == AreaLevel::County)
            .unwrap()
            .area
            .clone();
        let village = values
            .iter()
            .find(|v| v.area.level() == AreaLevel::Village && county.contains(&v.area))
            .unwrap()
            .area
            .clone();
        assert!(
            t.db.area_count(&all, &village, FigureYear::Year(2031))
                .await
                .unwrap()
                .unwrap()
                .indicators
                .is_empty(),
            "{}: nothing of the bad sheet was written",
            t.name
        );

        // the stored indicators of the county's 2020 are the sheet's
        let own =
            t.db.area_count(&all, &county, FigureYear::Year(2020))
                .await
                .unwrap()
                .unwrap();
        let in_sheet: Vec<(Indicator, i64)> = values
            .iter()
            .filter(|v| v.area == county && v.year == 2020)
            .map(|v| (v.indicator, v.value))
            .collect();
        assert_eq!(
            own.indicators.clone().into_iter().collect::<Vec<_>>(),
            in_sheet
        );

        // exited people now: the member counts of the village's exited households
        let (list, _) = t.db.household_list(&all, &village, 0, 1_000).await.unwrap();
        let exited: i64 = list
            .iter()
            .filter(|h| HouseholdStatus::parse(&h.status).is_some_and(|s| s.is_exited()))
            .map(|h| i64::from(h.member_count))
            .sum();
        let now =
            t.db.area_count(&all, &village, FigureYear::Now)
                .await
                .unwrap()
                .unwrap();
        assert_eq!(now.figures.exited_members, exited, "{}", t.name);
        assert!(exited > 0, "{}: the generated village has exits", t.name);

        let policy = t.db.policy().await.unwrap();
        let verdict = exit_verdict(
            &policy,
            &county,
            2020,
            &own.registry_counts(),
            &own.indicators,
        )
        .unwrap();
        let comprehensive = verdict.get(Criterion::ComprehensiveIncidence).unwrap();
        assert_ne!(comprehensive.outcome, Outcome::Unknown, "{}", t.name);
        verdicts.push((t.name.clone(), own.figures.clone(), verdict));
        t.drop_database().await;
    }
    for pair in verdicts.windows(2) {
        assert_eq!(
            pair[0].1, pair[1].1,
            "{} vs {}: figures",
            pair[0].0, pair[1].0
        );
        assert_eq!(
            pair[0].2, pair[1].2,
            "{} vs {}: verdicts",
            pair[0].0, pair[1].0
        );
    }
}
