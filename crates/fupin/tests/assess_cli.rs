//! `fupin gen`, `fupin import` and `fupin assess` as an operator runs them: a new card re-scores
//! every year already assessed and keeps the old card's scores; a bad card is refused naming the
//! indicator; `--evaluate` reports without writing.

use std::process::Output;

fn fupin(db: &str, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fupin"))
        .arg("--database-url")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_card_rescores_every_assessed_year() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("a.sqlite3").display());
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    ok(&fupin(
        &url,
        &["gen", "--households", "60", "--seed", "5", "--out", data_s],
    ));
    let db = fupin_storage::Db::connect(&url).await.unwrap();
    fupin_services::areas::load_seed_divisions(&db)
        .await
        .unwrap();
    for (what, file) in [("households", "households.csv"), ("history", "history.csv")] {
        ok(&fupin(
            &url,
            &["import", what, data.join(file).to_str().unwrap()],
        ));
    }
    for year in ["2019", "2020"] {
        let out = ok(&fupin(&url, &["assess", "--year", year]));
        assert!(out.contains("default-2024.1"), "{out}");
    }

    // a broken card: refused, naming the indicator and the field; nothing stored
    let card = fupin_core::assessment::index::DEFAULT_CARD.replace("default-2024.1", "prov-2025.1");
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, card.replace("relocated = 1.0", "relocated = 2.0")).unwrap();
    let o = fupin(
        &url,
        &[
            "assess",
            "--year",
            "2021",
            "--card",
            broken.to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("house_safety") && e.contains("categories"),
        "{e}"
    );

    // a good card re-scores 2019, 2020 and 2021; the default card's scores stay
    let good = dir.path().join("card.toml");
    std::fs::write(&good, &card).unwrap();
    let out = ok(&fupin(
        &url,
        &["assess", "--year", "2021", "--card", good.to_str().unwrap()],
    ));
    for year in ["2019年", "2020年", "2021年"] {
        assert!(out.contains(year), "{year}: {out}");
    }
    let pairs = db.assessed_years(None).await.unwrap();
    for (year, card) in [
        (2019, "default-2024.1"),
        (2020, "default-2024.1"),
        (2019, "prov-2025.1"),
        (2021, "prov-2025.1"),
    ] {
        assert!(
            pairs.contains(&(year, card.to_string())),
            "{year} {card}: {pairs:?}"
        );
    }

    let out = ok(&fupin(&url, &["assess", "--year", "2016", "--evaluate"]));
    assert!(
        out.contains("as of 2016") && out.contains("poor households"),
        "{out}"
    );
    assert!(
        !db.assessed_years(None)
            .await
            .unwrap()
            .iter()
            .any(|(y, _)| *y == 2016)
    );
}
