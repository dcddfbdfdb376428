//! The demo's field work, so every field page has something to show for every account: in the
//! county of the demo's first household, helpers from a dozen units each paired with three or
//! four households (some changed helper along the way, a few households have none), a work team
//! in every village with the demo's village official as a first secretary, a year of visits with
//! their photos, three months of sign-ins, and three planted signs of help on paper only — one
//! helper's visits registered from the township office, one photo sent for two households, and
//! two visits thirty kilometres apart twenty minutes apart.

use anyhow::{Context, Result};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use fupin_core::access::Scope;
use fupin_core::codes::{CodeList, Ethnicity, Sex};
use fupin_core::field::pairing::{TeamRole, UnitLevel};
use fupin_core::{AreaCode, AreaLevel, GeoPoint};
use fupin_storage::Db;
use fupin_storage::field::helpers::NewHelper;
use fupin_storage::sql::Value;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::PhotoStore;
use super::generated::{self, Generated, Paired};
use crate::generate::names;

/// What the demo's field work holds.
#[derive(Debug, Clone, Default)]
pub struct FieldDemo {
    pub helpers: usize,
    pub paired: usize,
    pub unpaired: usize,
    pub visits: usize,
    pub signins: usize,
}

const COUNTY_UNITS: &[(&str, UnitLevel)] = &[
    ("县教育局", UnitLevel::County),
    ("县卫生健康局", UnitLevel::County),
    ("县农业农村局", UnitLevel::County),
    ("县交通运输局", UnitLevel::County),
    ("县人力资源和社会保障局", UnitLevel::County),
    ("县住房和城乡建设局", UnitLevel::County),
    ("县水务局", UnitLevel::County),
    ("市生态环境局", UnitLevel::Municipal),
    ("省农业科学院", UnitLevel::Provincial),
];
const POSTS: &[&str] = &["科员", "副科长", "干部", "教师", "医生", "技术员", "副局长"];

fn person(rng: &mut impl Rng) -> (String, String) {
    let surname = names::surname(rng, Ethnicity::Han);
    let sex = if rng.random_bool(0.6) {
        Sex::Male
    } else {
        Sex::Female
    };
    let born = rng.random_range(1965..1995);
    let name = names::full_name(rng, surname, sex, born);
    let phone = format!("139{:08}", rng.random_range(0..100_000_000u32));
    (name, phone)
}

/// Builds the demo's field work unless there are visits already; what it made.
pub async fn ensure(db: &Db, store: &PhotoStore, today: NaiveDate) -> Result<Option<FieldDemo>> {
    if db.visits_recorded().await? > 0 {
        return Ok(None);
    }
    let everything = Scope::operator();
    let first = db
        .household(&everything, 1)
        .await?
        .context("the demo registry is empty")?;
    let county = first.household.village_code.ancestor(AreaLevel::County);
    let mut rng = ChaCha8Rng::seed_from_u64(27);
    let mut out = FieldDemo::default();

    let places = db.household_places(&everything, Some(&county)).await?;
    let village_names = db
        .area_names(
            &places
                .iter()
                .filter_map(|p| AreaCode::parse(&p.village_code).ok())
                .collect::<Vec<_>>(),
        )
        .await?;

    let mut tx = db.begin().await?;
    // the demo's helper account: a teacher of the county's education bureau
    let helper_user = db
        .user_with_hash("helper")
        .await?
        .context("the demo helper account")?
        .0;
    let mut paired_ids: std::collections::HashSet<i64> = std::collections::HashSet::new();
    if let Some(h) = db.helper_of_user(helper_user.id).await? {
        let unit = tx
            .unit_id(county.as_str(), COUNTY_UNITS[0].0, UnitLevel::County.code())
            .await?;
        let row = NewHelper {
            area_code: h.area_code.clone(),
            name: h.name.clone(),
            phone: h.phone.clone(),
            unit_id: Some(unit),
            post: "教师".into(),
            user_id: Some(helper_user.id),
        };
        tx.update_helper(h.id, &row, None).await?;
        for (household, _) in tx
            .current_helpers_of(&places.iter().map(|p| p.id).collect::<Vec<_>>())
            .await?
        {
            paired_ids.insert(household);
        }
        out.helpers += 1;
    }
    // the townships' own people and the villages' committees help too
    let mut by_village: std::collections::BTreeMap<
        &str,
        Vec<&fupin_storage::field::helpers::HouseholdPlace>,
    > = std::collections::BTreeMap::new();
    for p in &places {
        by_village
            .entry(p.village_code.as_str())
            .or_default()
            .push(p);
    }
    let mut team_pool = Vec::new();
    for (village, homes) in &by_village {
        let village_unit = (
            format!(
                "{}村民委员会",
                village_names.get(*village).cloned().unwrap_or_default()
            ),
            UnitLevel::Village,
        );
        let town = AreaCode::parse(village)
            .map(|v| v.ancestor(AreaLevel::Township))
            .ok();
        let town_name = match &town {
            Some(t) => db
                .area_names(std::slice::from_ref(t))
                .await?
                .remove(t.as_str())
                .unwrap_or_default(),
            None => String::new(),
        };
        let township_unit = (format!("{town_name}人民政府"), UnitLevel::Township);
        let mut waiting: Vec<_> = homes
            .iter()
            .filter(|p| !paired_ids.contains(&p.id))
            .collect();
        // about one household in twenty waits for a helper
        let keep = waiting.len() - waiting.len().div_ceil(20).min(waiting.len() / 3);
        out.unpaired += waiting.len() - keep;
        waiting.truncate(keep);
        for chunk in waiting.chunks(4) {
            let (unit, level) = match rng.random_range(0..10) {
                0 => (township_unit.0.clone(), township_unit.1),
                1 => (village_unit.0.clone(), village_unit.1),
                _ => {
                    let (u, l) = COUNTY_UNITS[rng.random_range(0..COUNTY_UNITS.len())];
                    (u.to_string(), l)
                }
            };
            let unit_id = tx.unit_id(county.as_str(), &unit, level.code()).await?;
            let (name, phone) = person(&mut rng);
            let helper = tx
                .insert_helper(&NewHelper {
                    area_code: village.to_string(),
                    name,
                    phone,
                    unit_id: Some(unit_id),
                    post: POSTS[rng.random_range(0..POSTS.len())].into(),
                    user_id: None,
                })
                .await?;
            out.helpers += 1;
            team_pool.push((village.to_string(), helper));
            for p in chunk {
                let since = NaiveDate::from_ymd_opt(
                    rng.random_range(2016..=2019),
                    rng.random_range(1..=12),
                    1,
                )
                .expect("a date");
                // one in ten had another helper first, who moved on
                if rng.random_bool(0.1) {
                    let (name, phone) = person(&mut rng);
                    let before = tx
                        .insert_helper(&NewHelper {
                            area_code: village.to_string(),
                            name,
                            phone,
                            unit_id: Some(unit_id),
                            post: POSTS[rng.random_range(0..POSTS.len())].into(),
                            user_id: None,
                        })
                        .await?;
                    out.helpers += 1;
                    let earlier = since - Duration::days(rng.random_range(300..900));
                    let id = tx
                        .insert_pairing(before, p.id, &earlier.to_string(), "demo")
                        .await?;
                    tx.end_pairing(id, &(since - Duration::days(1)).to_string())
                        .await?;
                }
                tx.insert_pairing(helper, p.id, &since.to_string(), "demo")
                    .await?;
                out.paired += 1;
            }
        }
    }
    // a work team in every village: a first secretary and a member from the helpers there; in
    // the demo's village the village official is the first secretary
    let village_user = db
        .user_with_hash("village")
        .await?
        .context("the demo village account")?
        .0;
    let mut team = Vec::new();
    for village in by_village.keys() {
        let mut members: Vec<i64> = team_pool
            .iter()
            .filter(|(v, _)| v == village)
            .map(|(_, h)| *h)
            .take(2)
            .collect();
        if *village == first.household.village_code.as_str() {
            let unit = tx
                .unit_id(county.as_str(), COUNTY_UNITS[2].0, UnitLevel::County.code())
                .await?;
            let secretary = tx
                .insert_helper(&NewHelper {
                    area_code: village.to_string(),
                    name: village_user.real_name.clone(),
                    phone: village_user.phone.clone(),
                    unit_id: Some(unit),
                    post: "驻村第一书记".into(),
                    user_id: Some(village_user.id),
                })
                .await?;
            out.helpers += 1;
            members.insert(0, secretary);
        }
        for (i, helper) in members.into_iter().enumerate() {
            let role = if i == 0 {
                TeamRole::FirstSecretary
            } else {
                TeamRole::Member
            };
            let since = NaiveDate::from_ymd_opt(2021, 6, 1).expect("a date");
            tx.insert_team_member(village, helper, role.code(), &since.to_string())
                .await?;
            team.push((village.to_string(), helper));
        }
    }
    tx.commit().await?;

    // a year of visits, one photo each
    let mut read = db.reader().await?;
    let current = read
        .current_helpers_of(&places.iter().map(|p| p.id).collect::<Vec<_>>())
        .await?;
    drop(read);
    let place_of: std::collections::HashMap<i64, &fupin_storage::field::helpers::HouseholdPlace> =
        places.iter().map(|p| (p.id, p)).collect();
    let paired: Vec<Paired> = current
        .iter()
        .map(|(household, helper)| {
            let p = place_of[household];
            Paired {
                household_id: *household,
                helper_id: *helper,
                village_code: p.village_code.clone(),
                home: p.lat.zip(p.lon).map(|(lat, lon)| GeoPoint { lat, lon }),
            }
        })
        .collect();
    let months = generated::months_to(today, 12);
    let mut visits = generated::year(
        &paired,
        &months,
        Utc::now(),
        0.88,
        &mut rng,
        true,
        1,
        |_| "demo".into(),
    );
    visits.extend(planted(&paired, &months, helper_user.id, db, &mut rng).await?);
    for g in &visits {
        for b in &g.photo_bytes {
            store.put(b).await?;
        }
    }
    let rows: Vec<_> = visits.iter().map(|g| g.visit.clone()).collect();
    let mut tx = db.begin().await?;
    for chunk in rows.chunks(5_000) {
        tx.load_visits(chunk, true).await?;
    }
    tx.rebuild_tallies().await?;
    out.visits = rows.len();
    // three months of sign-ins: most working days in at nine and out at half past five
    let mut signins = Vec::new();
    for (village, helper) in &team {
        let homes: Vec<GeoPoint> = by_village[village.as_str()]
            .iter()
            .filter_map(|p| p.lat.zip(p.lon).map(|(lat, lon)| GeoPoint { lat, lon }))
            .collect();
        let mut day = today - Duration::days(90);
        while day <= today {
            if day.weekday().number_from_monday() <= 5 && rng.random_bool(0.8) {
                for (kind, hour) in [("in", 1), ("out", 9)] {
                    let at = Utc
                        .with_ymd_and_hms(
                            day.year(),
                            day.month(),
                            day.day(),
                            hour,
                            rng.random_range(0..40),
                            0,
                        )
                        .single()
                        .expect("a time");
                    let near = homes.get(rng.random_range(0..homes.len().max(1))).copied();
                    let fix = near.map(|h| {
                        generated::offset(
                            h,
                            rng.random_range(-80.0..80.0),
                            rng.random_range(-80.0..80.0),
                        )
                    });
                    let far = rng.random_bool(0.04);
                    let fix = fix.map(|p| {
                        if far {
                            generated::offset(p, 2_500.0, 0.0)
                        } else {
                            p
                        }
                    });
                    let (flags, distance) = super::signins::review(
                        fix.map(|p| fupin_core::field::Fix {
                            lat: p.lat,
                            lon: p.lon,
                            accuracy_m: Some(20.0),
                        }),
                        &homes,
                        500.0,
                    );
                    signins.push(vec![
                        Value::Text(super::visits::new_client_id()),
                        Value::I64(*helper),
                        Value::Text(village.clone()),
                        Value::Text(kind.into()),
                        Value::Text(at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                        Value::Text(day.to_string()),
                        Value::Text(at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                        Value::Text("demo".into()),
                        Value::OptF64(fix.map(|p| p.lat)),
                        Value::OptF64(fix.map(|p| p.lon)),
                        Value::OptF64(fix.map(|_| 20.0)),
                        Value::OptF64(distance),
                        Value::Text(flags.iter().map(|f| f.code()).collect::<Vec<_>>().join(",")),
                    ]);
                }
            }
            day += Duration::days(1);
        }
    }
    out.signins = signins.len();
    fupin_storage::bulk::insert_rows(
        &mut tx,
        "village_signins",
        &[
            "client_id",
            "helper_id",
            "village_code",
            "kind",
            "at",
            "day",
            "recorded_at",
            "recorded_by",
            "lat",
            "lon",
            "accuracy_m",
            "distance_m",
            "flags",
        ],
        signins,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(out))
}

/// The three planted patterns, in the month before this one.
async fn planted(
    paired: &[Paired],
    months: &[NaiveDate],
    helper_user: i64,
    db: &Db,
    rng: &mut impl Rng,
) -> Result<Vec<Generated>> {
    let mut out = Vec::new();
    let Some(month) = months.iter().rev().nth(1).copied() else {
        return Ok(out);
    };
    let at = |day: i64, hour: u32, minute: u32| {
        let d = month + Duration::days(day);
        Utc.with_ymd_and_hms(d.year(), d.month(), d.day(), hour, minute, 0)
            .single()
            .expect("a time")
    };
    let mut serial = 900_000_000;
    // the demo helper's households "visited" from the township office, 1.2 km from the first
    if let Some(me) = db.helper_of_user(helper_user).await? {
        let mine: Vec<&Paired> = paired
            .iter()
            .filter(|p| p.helper_id == me.id && p.home.is_some())
            .collect();
        if let Some(first) = mine.first().and_then(|p| p.home) {
            let office = generated::offset(first, 1_200.0, 0.0);
            for (i, p) in mine.iter().take(3).enumerate() {
                let spot = generated::offset(
                    office,
                    rng.random_range(-10.0..10.0),
                    rng.random_range(-10.0..10.0),
                );
                let mut g = generated::visit_at(
                    p,
                    at(3 + i as i64, 2, 10),
                    Some((spot, 15.0)),
                    1,
                    true,
                    serial,
                    "helper",
                );
                g.visit.done = "入户宣讲政策".into();
                out.push(g);
                serial += 1;
            }
        }
    }
    // one photo sent for two households of different helpers
    let others: Vec<&Paired> = paired.iter().filter(|p| p.home.is_some()).collect();
    if let (Some(a), Some(b)) = (
        others.get(10),
        others
            .iter()
            .skip(11)
            .find(|p| p.helper_id != others[10].helper_id),
    ) {
        for (i, p) in [a, b].into_iter().enumerate() {
            let home = p.home.expect("located");
            let mut g = generated::visit_at(
                p,
                at(12 + i as i64, 3, 0),
                Some((home, 12.0)),
                0,
                true,
                serial,
                "demo",
            );
            let shared = generated::photo("fupin demo shared photo");
            g.visit.photos.push(fupin_storage::field::visits::NewPhoto {
                sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&shared)),
                kind: "image/jpeg".into(),
                bytes: shared.len() as i64,
                taken_at: None,
                lat: None,
                lon: None,
            });
            g.photo_bytes.push(shared);
            g.visit.done = "了解生产生活情况".into();
            out.push(g);
            serial += 1;
        }
    }
    // two visits of one helper sixty kilometres apart, twenty minutes apart (180 km/h)
    if let Some(p) = others.get(20) {
        let home = p.home.expect("located");
        let mut g =
            generated::visit_at(p, at(20, 2, 0), Some((home, 10.0)), 1, true, serial, "demo");
        g.visit.done = "核实收入".into();
        out.push(g);
        serial += 1;
        if let Some(q) = others
            .iter()
            .find(|q| q.helper_id == p.helper_id && q.household_id != p.household_id)
        {
            let away = generated::offset(home, 60_000.0, 0.0);
            let mut g = generated::visit_at(
                q,
                at(20, 2, 20),
                Some((away, 10.0)),
                1,
                true,
                serial,
                "demo",
            );
            g.visit.done = "核实收入".into();
            out.push(g);
        }
    }
    Ok(out)
}
