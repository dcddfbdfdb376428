//! `fupin assess` against real databases: every household scored and checked, the results what
//! the core's rules say for each record, re-runs replacing and new cards adding, area counts
//! summing the households.

use fupin_core::access::Scope;
use fupin_core::assessment::index::{Card, DEFAULT_CARD};
use fupin_core::{AreaCode, PolicyKey};
use fupin_services::assess::{Assessed, assess, assess_one, card_for_run};
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;

mod common;
use common::{backends, generated, import, options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assessment_scores_every_household_and_keeps_card_versions() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 150, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let history = dir.path().join("history.csv");
        let h = fupin_services::history::import_history(&t.db, &history, &options(false), &Silent)
            .await
            .unwrap();
        assert!(h.committed);

        let card = card_for_run(&t.db, None).await.unwrap();
        assert_eq!(card, Card::default_card());
        let s = assess(&t.db, &card, 2020, &Scope::operator(), &Silent)
            .await
            .unwrap();
        assert_eq!(s.assessed + s.skipped, 150, "{}", t.name);
        assert_eq!(s.poor + s.at_risk + s.stable, s.assessed);
        assert!(s.poor > 0 && s.stable > 0, "{}: {s:?}", t.name);

        // each stored row is what the core computes from the record
        let all = Scope::operator();
        let policy = t.db.policy().await.unwrap();
        let pace = t.db.county_exit_pace(2020).await.unwrap();
        for id in [1, 17, 42, 99] {
            let rec = t.db.household(&all, id).await.unwrap().unwrap();
            let stored = t.db.household_assessments(&all, id).await.unwrap();
            let Some(row) = stored.first() else { continue };
            let incomes: Vec<_> = rec
                .incomes
                .iter()
                .map(|i| i.income.clone())
                .filter(|i| (2017..=2020).contains(&i.year))
                .collect();
            let county = rec
                .household
                .village_code
                .ancestor(fupin_core::AreaLevel::County);
            let lines: Vec<_> = (2020..=2030)
                .map(|y| policy.money(PolicyKey::ExitIncomeLine, y, &county))
                .collect();
            let status = rec
                .status_years
                .iter()
                .find(|s| s.year == 2020)
                .map_or(rec.household.status, |s| s.status);
            let assessed = Assessed {
                id,
                household: &rec.household,
                incomes: &incomes,
                status,
                lines: &lines,
                pace: pace.get(county.county6()).copied(),
                measures: None,
                year: 2020,
            };
            let (want, prediction) = assess_one(&card, &assessed, &row.computed_at);
            assert_eq!(prediction.is_some(), status.is_poor());
            assert_eq!(row, &want, "{}: household {id}", t.name);
        }

        // area counts sum the households: Guizhou's cities add up to the province's assessed
        let guizhou = AreaCode::parse("52").unwrap();
        let by_city =
            t.db.assessment_figures(&all, &guizhou, 4, (2020, &card.version))
                .await
                .unwrap();
        let in_guizhou: i64 = by_city.values().map(|f| f.assessed).sum();
        let gz = assess(
            &t.db,
            &card,
            2020,
            &Scope::operator_within(Some(guizhou.clone())),
            &Silent,
        )
        .await
        .unwrap();
        assert_eq!(in_guizhou as u64, gz.assessed, "{}", t.name);
        let short: i64 = by_city.values().map(|f| f.short_housing).sum();
        assert_eq!(short as u64, gz.shortfalls[4]);

        // a re-run replaces; a new card version adds its own rows beside
        let again = assess(&t.db, &card, 2020, &Scope::operator(), &Silent)
            .await
            .unwrap();
        assert_eq!(again.assessed, s.assessed);
        let rows = t.db.household_assessments(&all, 1).await.unwrap();
        assert_eq!(rows.len(), usize::from(s.assessed > 0 && !rows.is_empty()));
        let other = DEFAULT_CARD.replace("default-2024.1", "province-2025.1");
        let card2 = card_for_run(&t.db, Some(&other)).await.unwrap();
        assert_eq!(
            card_for_run(&t.db, None).await.unwrap().version,
            "province-2025.1",
            "in force"
        );
        assess(&t.db, &card2, 2020, &Scope::operator(), &Silent)
            .await
            .unwrap();
        let rows = t.db.household_assessments(&all, 1).await.unwrap();
        let versions: Vec<&str> = rows.iter().map(|r| r.card_version.as_str()).collect();
        assert!(
            versions.contains(&"default-2024.1") && versions.contains(&"province-2025.1"),
            "{versions:?}"
        );
        // the same version with another text is refused
        let changed = other.replace(
            "weight = 15\nsource = \"house_condition\"\nunknown = 0.5",
            "weight = 15\nsource = \"house_condition\"\nunknown = 0.4",
        );
        assert!(
            card_for_run(&t.db, Some(&changed)).await.is_err(),
            "{}",
            t.name
        );
        t.drop_database().await;
    }
}

/// The prediction reads the year's matching: owed housing or relocation waits a year, and the
/// batch, the household's explanation and the core agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn predictions_take_the_years_measures_into_account() {
    use fupin_services::assess::{explain_latest, standing, stored_catalogues};
    use fupin_services::measures::{catalogue_for_run, match_households};
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 400, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let history = dir.path().join("history.csv");
        let h = fupin_services::history::import_history(&t.db, &history, &options(false), &Silent)
            .await
            .unwrap();
        assert!(h.committed);
        let card = card_for_run(&t.db, None).await.unwrap();
        let catalogue = catalogue_for_run(&t.db, None).await.unwrap();
        let year = 2018;
        // without a matching, then with one (no deliveries: every entitlement is owed)
        assess(&t.db, &card, year, &Scope::operator(), &Silent)
            .await
            .unwrap();
        let all = Scope::operator();
        let mut before = std::collections::HashMap::new();
        for id in 1..=400 {
            if let Some(row) = t.db.household_assessments(&all, id).await.unwrap().first() {
                before.insert(id, row.expected_exit_year);
            }
        }
        match_households(
            &t.db,
            &catalogue,
            year,
            &fupin_core::access::Scope::operator(),
            &Silent,
        )
        .await
        .unwrap();
        assess(&t.db, &card, year, &Scope::operator(), &Silent)
            .await
            .unwrap();
        let catalogues = stored_catalogues(&t.db).await.unwrap();
        let policy = t.db.policy().await.unwrap();
        let (mut delayed, mut owed_named) = (0, 0);
        for id in 1..=400 {
            let Some(row) =
                t.db.household_assessments(&all, id)
                    .await
                    .unwrap()
                    .first()
                    .cloned()
            else {
                continue;
            };
            let rec = t.db.household(&all, id).await.unwrap().unwrap();
            let matched = t.db.household_measures(&all, id).await.unwrap();
            let codes =
                matched
                    .iter()
                    .find(|m| m.year == year)
                    .map(|m| fupin_storage::MatchedCodes {
                        catalogue_version: m.catalogue_version.clone(),
                        entitled: m.entitled_codes.clone(),
                        gaps: m.gap_codes.clone(),
                    });
            let standing = standing(&catalogues, codes.as_ref(), &rec.household);
            let slow = standing.as_ref().is_some_and(|s| !s.slow_gaps.is_empty());
            if let (Some(then), Some(now)) = (before[&id], row.expected_exit_year) {
                assert!(now >= then, "{}: {id} measures only delay here", t.name);
                if now > then {
                    assert!(
                        slow,
                        "{}: {id} delayed without owed housing or an owed move",
                        t.name
                    );
                    assert!(now >= year + 2);
                    delayed += 1;
                }
            }
            let explained = explain_latest(&t.db, &policy, &all, &rec)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(explained.stored.expected_exit_year, row.expected_exit_year);
            if let (Some(p), Some(s)) = (&explained.prediction, &standing) {
                assert_eq!(
                    p.expected_exit_year, row.expected_exit_year,
                    "{}: {id}",
                    t.name
                );
                if let Some(name) = s.slow_gaps.first() {
                    assert!(
                        p.reasons.iter().any(|r| r
                            .bilingual(&fupin_services::message_tables())
                            .unwrap()
                            .contains(name)),
                        "{p:?}"
                    );
                    owed_named += 1;
                }
            }
        }
        assert!(
            delayed > 0 && owed_named > 0,
            "{}: {delayed} {owed_named}",
            t.name
        );
        t.drop_database().await;
    }
}
