//! The disclosure scanner (issue 24, item 1): distinctive personal values are planted in one
//! household — a member's full name, ID number, birth date and serious illness, the household's
//! phone and bank account — and quoted whole in the free text kept about it (a change's reason,
//! a delivery's evidence, a case's note). Then every page and API answer of the route table that
//! can show that household is read by every demo account (one per role), by an API token and by
//! nobody, in Chinese and in English: no answer may carry a value the reader's disclosure
//! withholds, whether in a table cell or in text derived from the record (the measures'
//! reasons, the checklist's evidence, notes).

use axum::http::Method;
use fupin_core::CodeList;
use fupin_core::access::{Action, Sensitive};
use fupin_core::codes::{Health, HouseholdStatus};
use fupin_core::masking::Disclosure;
use fupin_core::record::FieldChange;
use fupin_services::audit::Actor;
use fupin_storage::measures::record_deliveries;
use fupin_storage::{Delivery, RegistryWriter, WriteContext};

mod common;
use common::{Client, demo_clients, get, world};

const NAME: &str = "谢霁翀";
const PHONE: &str = "13966661234";
const BANK: &str = "6217000099998888777";

/// The planted values with the kind of data each is.
struct Planted {
    values: Vec<(Sensitive, String)>,
}

impl Planted {
    /// Those of the planted values `d` withholds.
    fn withheld(&self, d: &Disclosure) -> Vec<&(Sensitive, String)> {
        self.values.iter().filter(|(s, _)| !d.reveals(*s)).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_or_api_answer_restates_a_withheld_value() {
    let w = world(40, |h, status| {
        h.status = HouseholdStatus::Poor;
        status.status = HouseholdStatus::Poor;
        h.phone = PHONE.into();
        h.bank_account = BANK.into();
        let m = &mut h.members[1];
        m.name = NAME.into();
        m.health = Health::Serious;
        m.critical_illness_insurance = true;
        m.medical_insurance = true;
    })
    .await;
    let h = &w.households[0];
    let m = &h.members[1];
    let id_number = m.id_number.as_str().to_string();
    let birth = fupin_core::date::iso(m.birth_date);
    let planted = Planted {
        values: vec![
            (Sensitive::Name, NAME.into()),
            (Sensitive::IdNumber, id_number.clone()),
            (Sensitive::BirthDate, birth.clone()),
            (Sensitive::Phone, PHONE.into()),
            (Sensitive::BankAccount, BANK.into()),
            (Sensitive::Health, Health::Serious.zh().into()),
            (Sensitive::Health, Health::Serious.en().into()),
        ],
    };
    let gossip = format!(
        "{NAME}（{id_number}，{birth}生）{}，电话{PHONE}，账号{BANK}",
        Health::Serious.zh()
    );

    // free text quoting them: a change's reason, a delivery's evidence, a case's note
    let ctx = WriteContext {
        actor: "test".into(),
        reason: gossip.clone(),
        import_run: None,
    };
    let mut changed = h.clone();
    changed.group = "二组".into();
    let status = fupin_core::StatusYear {
        year: 2023,
        status: HouseholdStatus::Poor,
        reason: gossip.clone(),
    };
    let mut writer = RegistryWriter::begin(&w.db).await.unwrap();
    let change = FieldChange {
        field: "group".into(),
        old: Some(h.group.clone()),
        new: Some(changed.group.clone()),
    };
    writer
        .update(1, &changed, &status, &[change], &ctx)
        .await
        .unwrap();
    writer.commit().await.unwrap();
    let mut tx = w.db.begin().await.unwrap();
    record_deliveries(
        &mut tx,
        &[Delivery {
            household_id: 1,
            measure_code: "MED-01".into(),
            member_id_number: id_number.clone(),
            year: 2023,
            delivered_on: "2023-05-01".into(),
            amount: Some(50_000),
            unit: "县医保局".into(),
            evidence: gossip.clone(),
            recorded_by: "test".into(),
            recorded_at: "2023-05-01T00:00:00Z".into(),
        }],
    )
    .await
    .unwrap();
    let event = fupin_storage::CaseEvent {
        at: fupin_storage::now_utc(),
        actor: "test".into(),
        act: "open".into(),
        step_after: "applied".into(),
        note: gossip.clone(),
    };
    let case = fupin_storage::cases::open_case(
        &mut tx,
        "exit",
        &h.village_code,
        Some(1),
        &h.head().unwrap().name,
        "{}",
        "applied",
        &event,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let token =
        w.db.live_codes(&fupin_core::access::Scope::operator(), &[1])
            .await
            .unwrap()[&1]
            .clone();

    // every reader: the demo accounts, a leader's API token, nobody
    let mut clients = demo_clients(&w.db).await;
    let (secret, _) = fupin_services::accounts::create_token(
        &w.db,
        &Actor::cli(),
        "city",
        "scanner",
        &[Action::ViewHouseholds],
        30,
    )
    .await
    .map(|(id, secret)| (secret, id))
    .unwrap();
    let mut token_client = clients.iter().find(|c| c.name == "city").unwrap().clone();
    token_client.name = "city (API token)".into();
    token_client.cookie = None;
    token_client.bearer = Some(secret);
    clients.push(token_client);
    clients.push(Client::anonymous());

    // every GET route, on this household, its village, its case and its code
    let village = h.village_code.to_string();
    let mut uris: Vec<String> = fupin_web::routes::table()
        .iter()
        .filter(|r| r.method == Method::GET)
        .filter(|r| !r.path.starts_with("/admin") && !r.path.contains("{archive}"))
        .filter(|r| !r.path.starts_with("/compare/runs/") && !r.path.contains("warnings/{id}"))
        .map(|r| {
            let id = if r.path.starts_with("/cases/") || r.path.starts_with("/notices/") {
                case.to_string()
            } else {
                "1".to_string()
            };
            r.path
                .replace("{id}", &id)
                .replace("{code}", &village)
                .replace("{token}", &token)
                .replace("{n}", "2")
        })
        .collect();
    for q in [NAME, id_number.as_str(), &id_number[14..], PHONE] {
        let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        uris.push(format!("/search?q={q}"));
        uris.push(format!("/search/export?q={q}"));
    }
    let english: Vec<String> = uris
        .iter()
        .map(|u| format!("{u}{}lang=en", if u.contains('?') { '&' } else { '?' }))
        .collect();
    uris.extend(english);

    let app = fupin_web::router(w.db.clone());
    let mut leaks = Vec::new();
    let mut shown = 0;
    for c in &clients {
        let disclosure = match &c.principal {
            Some(p) => Disclosure::for_principal(p),
            None => Disclosure::public(),
        };
        let withheld = planted.withheld(&disclosure);
        for uri in &uris {
            let a = get(&app, c, uri, &[]).await;
            assert!(
                !a.status.is_server_error(),
                "{} {uri}: {}",
                c.name,
                a.status
            );
            if a.body.contains(&h.number) {
                shown += 1;
            }
            for (kind, value) in &withheld {
                // a search box shows back what its reader typed: that tells them nothing
                let typed: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
                if uri.contains(&typed) {
                    continue;
                }
                if a.body.contains(value.as_str()) {
                    leaks.push(format!("{} {uri}: {kind:?} {value}", c.name));
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "withheld values shown:\n{}",
        leaks.join("\n")
    );
    // the scan read the household's pages, not only refusals: every role that may view it,
    // the token and the public card
    assert!(shown > 100, "the household was shown {shown} times");
}
