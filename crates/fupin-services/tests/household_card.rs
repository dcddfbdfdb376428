//! The household card against generated households on both databases: a village's cards come
//! with one code per household that stays the same until re-issued (then the old one leads
//! nowhere); typed income lines become the year's income, all or nothing; archives are kept
//! once per file, refused by content, and audited.

use fupin_core::access::{Scope, Viewer};
use fupin_core::income_items::TypedItem;
use fupin_core::{AreaCode, Fen, IncomeFormula};
use fupin_services::archives::{AttachError, Attached, Upload, attach};
use fupin_services::audit::Actor;
use fupin_services::household_card::{
    IncomeLinesError, Reissued, cards, looks_like_code, preview_income_lines, reissue_code,
    save_income_lines,
};
use fupin_services::progress::Silent;
use fupin_services::sheet::Format;
use fupin_storage::household_cards::CardsOf;

mod common;
use common::{backends, generated, import, options};

fn line(category: &str, item: &str, amount: &str) -> TypedItem {
    TypedItem {
        category: category.into(),
        item: item.into(),
        amount: amount.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_codes_income_lines_and_archives() {
    for t in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let file = generated(dir.path(), 120, Format::Csv);
        assert!(import(&t.db, &file, false).await.committed, "{}", t.name);
        let history = dir.path().join("history.csv");
        fupin_services::history::import_history(&t.db, &history, &options(false), &Silent)
            .await
            .unwrap();
        let all = Scope::operator();
        let operator = Viewer::operator();
        let actor = Actor::cli();
        let one = t.db.household(&all, 1).await.unwrap().unwrap();
        let village = one.household.village_code.clone();

        // every household got its code when it was imported: printing cards writes nothing
        let ids: Vec<i64> = (1..=120).collect();
        let issued = t.db.live_codes(&all, &ids).await.unwrap();
        assert_eq!(issued.len(), 120, "{}", t.name);
        assert!(issued.values().all(|c| looks_like_code(c)), "{}", t.name);

        // the village's cards: one per household, in number order, each with a code
        let first = cards(&t.db, &operator, CardsOf::Village(&village), 2023, false)
            .await
            .unwrap();
        assert!(!first.is_empty(), "{}", t.name);
        assert!(
            first
                .windows(2)
                .all(|w| w[0].household.number < w[1].household.number)
        );
        assert!(first.iter().all(|c| looks_like_code(&c.code)));
        assert!(first.iter().all(|c| issued[&c.id] == c.code), "{}", t.name);
        let distinct: std::collections::HashSet<_> = first.iter().map(|c| &c.code).collect();
        assert_eq!(
            distinct.len(),
            first.len(),
            "{}: codes are distinct",
            t.name
        );
        assert!(
            first
                .iter()
                .any(|c| c.income.is_some() && c.per_capita.is_some())
        );
        // a second print keeps the codes
        let again = cards(&t.db, &operator, CardsOf::Village(&village), 2023, false)
            .await
            .unwrap();
        assert_eq!(
            first.iter().map(|c| &c.code).collect::<Vec<_>>(),
            again.iter().map(|c| &c.code).collect::<Vec<_>>()
        );
        let card = &first[0];
        assert_eq!(
            t.db.code_household(&card.code).await.unwrap(),
            Some(card.id)
        );

        // re-issue: not without a reason; then a new code, the old one leads nowhere
        assert_eq!(
            reissue_code(&t.db, &all, &actor, card.id, Some(" "))
                .await
                .unwrap(),
            Reissued::NeedsReason
        );
        assert_eq!(
            t.db.code_household(&card.code).await.unwrap(),
            Some(card.id)
        );
        let Reissued::Code(new) = reissue_code(&t.db, &all, &actor, card.id, Some("明白卡遗失"))
            .await
            .unwrap()
        else {
            panic!("{}: no new code", t.name)
        };
        assert_ne!(new, card.code);
        assert_eq!(t.db.code_household(&card.code).await.unwrap(), None);
        assert_eq!(t.db.code_household(&new).await.unwrap(), Some(card.id));
        // outside the jurisdiction: nothing happens
        let elsewhere = Scope::operator_within(Some(AreaCode::parse("110101").unwrap()));
        assert!(
            reissue_code(&t.db, &elsewhere, &actor, card.id, Some("明白卡遗失"))
                .await
                .unwrap()
                == Reissued::NotFound
        );
        assert_eq!(t.db.code_household(&new).await.unwrap(), Some(card.id));
        // storage itself refuses: no code of an outside household is read or replaced
        assert!(
            t.db.live_codes(&elsewhere, &[card.id])
                .await
                .unwrap()
                .is_empty()
        );
        let entry = actor.entry("household.code.reissue", "household", "", "", "");
        let token = "f".repeat(32);
        let refused = t.db.reissue_code(&elsewhere, card.id, &token, "t", entry);
        assert!(matches!(
            refused.await,
            Err(fupin_storage::StorageError::NotFound)
        ));
        assert_eq!(t.db.code_household(&new).await.unwrap(), Some(card.id));
        // the public card's scope reaches its household and no other
        let card_scope = Scope::public_card(card.id);
        assert!(
            t.db.household(&card_scope, card.id)
                .await
                .unwrap()
                .is_some()
        );
        let other = if card.id == 1 { 2 } else { 1 };
        assert!(t.db.household(&card_scope, other).await.unwrap().is_none());
        assert_eq!(
            t.db.live_codes(&card_scope, &[card.id, other])
                .await
                .unwrap()
                .len(),
            1
        );

        // typed income lines: a bad line refuses the whole form and writes nothing
        let bad = save_income_lines(
            &t.db,
            &all,
            &actor,
            card.id,
            2023,
            &[line("wage", "务工", "6000"), line("wage", "务工", "abc")],
            "入户核实收入",
        )
        .await;
        match bad {
            Err(IncomeLinesError::Lines(errors)) => {
                assert_eq!((errors[0].line, errors[0].field), (2, "amount"));
            }
            other => panic!("{}: {other:?}", t.name),
        }
        let before = cards(&t.db, &operator, CardsOf::Household(card.id), 2023, false)
            .await
            .unwrap();
        assert!(before[0].items.is_empty());
        assert_eq!(before[0].income, card.income);

        let typed = [
            line("wage", "务工收入（广东）", "6000"),
            line("business", "烤烟", "3000"),
            line("business", "生猪", "1000"),
            line("property", "土地流转金", "200"),
            line("transfer", "低保金", "1800"),
            line("expenditure", "种子化肥", "1600"),
        ];
        // the second look: before and after, nothing written yet
        let preview = preview_income_lines(&t.db, &all, card.id, 2023, &typed)
            .await
            .unwrap();
        assert_eq!(preview.before, card.income, "{}", t.name);
        assert_eq!(preview.after.net(), Fen(1_040_000));
        assert_eq!(preview.line, card.line);
        let unchanged = cards(&t.db, &operator, CardsOf::Household(card.id), 2023, false)
            .await
            .unwrap();
        assert!(
            unchanged[0].items.is_empty(),
            "{}: a preview writes nothing",
            t.name
        );
        // replacing a year's income needs a reason
        let refused = save_income_lines(&t.db, &all, &actor, card.id, 2023, &typed, " ").await;
        assert!(
            matches!(refused, Err(IncomeLinesError::NoReason)),
            "{}",
            t.name
        );
        for _ in 0..2 {
            // saving the same lines twice leaves one set of lines
            let income =
                save_income_lines(&t.db, &all, &actor, card.id, 2023, &typed, "入户核实收入")
                    .await
                    .unwrap();
            assert_eq!(income.net(), Fen(1_040_000));
        }
        let after = cards(&t.db, &operator, CardsOf::Household(card.id), 2023, false)
            .await
            .unwrap();
        let after = &after[0];
        assert_eq!(after.items.len(), 6, "{}", t.name);
        assert_eq!(after.items[1].item, "烤烟");
        let income = after.income.as_ref().unwrap();
        assert_eq!(income.business, Fen(400_000));
        assert_eq!(
            after.per_capita,
            income.per_capita(IncomeFormula::CURRENT),
            "{}",
            t.name
        );
        // the household page's record reads the same year's income
        let rec = t.db.household(&all, card.id).await.unwrap().unwrap();
        let year = rec.incomes.iter().find(|i| i.income.year == 2023).unwrap();
        assert_eq!(year.income.wage, Fen(600_000));
        assert!(
            rec.changes
                .iter()
                .any(|c| c.reason.contains("明白卡") && c.reason.contains("入户核实收入")),
            "{}: the reason given is in the change log",
            t.name
        );

        // archives: refused by content, kept once per file, outside the jurisdiction a 404
        let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
        let upload = |bytes: Vec<u8>| Upload {
            title: "户口簿".into(),
            file_name: "C:\\scans\\hukou.pdf".into(),
            bytes,
        };
        let refused = attach(
            &t.db,
            &all,
            &actor,
            card.id,
            upload(b"MZ\x90\0".to_vec()),
            1024,
        )
        .await
        .unwrap_err();
        assert!(matches!(refused, AttachError::Refused(_)), "{}", t.name);
        let too_big = attach(&t.db, &all, &actor, card.id, upload(pdf.clone()), 10)
            .await
            .unwrap_err();
        assert!(matches!(too_big, AttachError::Refused(_)));
        let added = attach(&t.db, &all, &actor, card.id, upload(pdf.clone()), 1024)
            .await
            .unwrap();
        let again = attach(&t.db, &all, &actor, card.id, upload(pdf.clone()), 1024)
            .await
            .unwrap();
        assert!(matches!(added, Attached::Added { .. }));
        assert!(matches!(again, Attached::AlreadyThere { .. }));
        let listed = t.db.archives_of(&all, card.id).await.unwrap();
        assert_eq!(listed.len(), 1, "{}", t.name);
        assert_eq!(listed[0].file_name, "hukou.pdf");
        assert_eq!(listed[0].size, pdf.len() as i64);
        let file =
            t.db.archive_file(&all, card.id, listed[0].id)
                .await
                .unwrap()
                .unwrap();
        assert_eq!(file.body, pdf, "{}: the bytes come back unchanged", t.name);
        assert!(
            t.db.archive_file(&elsewhere, card.id, listed[0].id)
                .await
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            attach(
                &t.db,
                &elsewhere,
                &actor,
                card.id,
                upload(pdf.clone()),
                1024
            )
            .await,
            Err(AttachError::NotFound)
        ));
        let (trail, _) =
            t.db.audit_entries(None, &fupin_storage::AuditFilter::default(), 0, 100)
                .await
                .unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions
                .iter()
                .filter(|a| **a == "household.archive.attach")
                .count(),
            1
        );
        assert!(actions.contains(&"household.code.reissue"));
        assert!(actions.contains(&"household.income.lines"));
        t.drop_database().await;
    }
}
