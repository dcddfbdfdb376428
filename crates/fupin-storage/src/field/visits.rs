//! Visits (走访) with their photos, written once per client id with the month's tallies and the
//! household's latest visit in the same transaction, so the summaries never disagree with the
//! visits they count.

use fupin_core::access::Scope;

use crate::scope;
use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx};

/// A new row's id.
#[derive(Debug, Clone, Copy, sqlx::FromRow, serde::Deserialize)]
pub struct Id {
    pub id: i64,
}

/// A visit as stored, with its helper's name.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct VisitRow {
    pub id: i64,
    pub client_id: String,
    pub household_id: i64,
    pub helper_id: i64,
    pub helper_name: String,
    pub village_code: String,
    pub visited_at: String,
    pub month: String,
    pub recorded_at: String,
    pub recorded_by: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub distance_m: Option<f64>,
    /// Comma-separated `VisitFlag` codes.
    pub flags: String,
    /// Some flag doubts that the helper was there (counted among the month's flagged visits).
    pub flagged: bool,
    pub done: String,
    pub needs: String,
    /// Comma-separated `ChangedItem` codes.
    pub changed: String,
    pub photos: i64,
    pub edited_at: Option<String>,
}

const VISIT_SELECT: &str = "SELECT v.id, v.client_id, v.household_id, v.helper_id, \
    hp.name AS helper_name, v.village_code, v.visited_at, v.month, v.recorded_at, v.recorded_by, \
    v.lat, v.lon, v.accuracy_m, v.distance_m, v.flags, v.flagged, v.done, v.needs, v.changed, v.photos, \
    v.edited_at FROM visits v JOIN helpers hp ON hp.id = v.helper_id";

/// A photo of a visit, in the order it was sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct VisitPhoto {
    pub visit_id: i64,
    pub position: i64,
    pub sha256: String,
    pub kind: String,
    pub bytes: i64,
    pub taken_at: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// A correction appended to a visit after its edit window.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Correction {
    pub id: i64,
    pub visit_id: i64,
    pub recorded_at: String,
    pub recorded_by: String,
    pub text: String,
}

/// A photo to record (its bytes are already in the object store).
#[derive(Debug, Clone, PartialEq)]
pub struct NewPhoto {
    pub sha256: String,
    pub kind: String,
    pub bytes: i64,
    pub taken_at: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// A visit to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVisit {
    pub client_id: String,
    pub household_id: i64,
    pub helper_id: i64,
    pub village_code: String,
    pub visited_at: String,
    pub month: String,
    pub recorded_at: String,
    pub recorded_by: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub distance_m: Option<f64>,
    pub flags: String,
    /// Counted among the month's flagged visits.
    pub flagged: bool,
    pub done: String,
    pub needs: String,
    pub changed: String,
    pub photos: Vec<NewPhoto>,
}

impl Db {
    /// A household's visits within `scope`, newest first, at most `limit`.
    pub async fn visits_of_household(
        &self,
        scope: &Scope,
        household_id: i64,
        limit: i64,
    ) -> Result<Vec<VisitRow>, StorageError> {
        self.reader()
            .await?
            .visits_of_household(scope, household_id, limit)
            .await
    }

    /// One visit within `scope`, its photos and corrections.
    pub async fn visit(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<(VisitRow, Vec<VisitPhoto>, Vec<Correction>)>, StorageError> {
        let mut tx = self.reader().await?;
        let rows: Vec<VisitRow> = fetch_all(
            &mut tx,
            &format!(
                "{VISIT_SELECT} WHERE v.id = $1 AND {}",
                scope::of_household(scope, "v.household_id")
            ),
            &[Value::I64(id)],
        )
        .await?;
        let Some(visit) = rows.into_iter().next() else {
            return Ok(None);
        };
        let photos = tx.photos_of_visits(&[id]).await?;
        let corrections = fetch_all(
            &mut tx,
            "SELECT id, visit_id, recorded_at, recorded_by, text FROM visit_corrections \
             WHERE visit_id = $1 ORDER BY id",
            &[Value::I64(id)],
        )
        .await?;
        Ok(Some((visit, photos, corrections)))
    }

    /// A helper's visits from `from` (inclusive) to `to` (exclusive), ISO instants, by time.
    pub async fn visits_of_helper(
        &self,
        scope: &Scope,
        helper_id: i64,
        from: &str,
        to: &str,
    ) -> Result<Vec<VisitRow>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "{VISIT_SELECT} WHERE v.helper_id = $1 AND v.visited_at >= $2 AND v.visited_at < $3 \
                 AND {} ORDER BY v.visited_at, v.id",
                scope::of_household(scope, "v.household_id")
            ),
            &[
                Value::I64(helper_id),
                Value::Text(from.into()),
                Value::Text(to.into()),
            ],
        )
        .await
    }

    /// The kind of the photo `sha256` if it belongs to a visit `scope` reaches (else `None`:
    /// a photo is served only to those who may see one of its visits).
    pub async fn photo_kind(
        &self,
        scope: &Scope,
        sha256: &str,
    ) -> Result<Option<String>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Kind {
            kind: String,
        }
        let rows: Vec<Kind> = fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT ph.kind FROM photos ph WHERE ph.sha256 = $1 AND EXISTS (SELECT 1 \
                 FROM visit_photos vp JOIN visits v ON v.id = vp.visit_id \
                 WHERE vp.sha256 = ph.sha256 AND {})",
                scope::of_household(scope, "v.household_id")
            ),
            &[Value::Text(sha256.into())],
        )
        .await?;
        Ok(rows.into_iter().next().map(|k| k.kind))
    }
}

impl Tx {
    /// [`Db::visits_of_household`] inside this transaction.
    pub async fn visits_of_household(
        &mut self,
        scope: &Scope,
        household_id: i64,
        limit: i64,
    ) -> Result<Vec<VisitRow>, StorageError> {
        fetch_all(
            self,
            &format!(
                "{VISIT_SELECT} WHERE v.household_id = $1 AND {} \
                 ORDER BY v.visited_at DESC, v.id DESC LIMIT $2",
                scope::of_household(scope, "v.household_id")
            ),
            &[Value::I64(household_id), Value::I64(limit)],
        )
        .await
    }

    /// The photos of these visits (already read within a scope), by visit and position.
    pub async fn photos_of_visits(&mut self, ids: &[i64]) -> Result<Vec<VisitPhoto>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let args: Vec<Value> = ids.iter().map(|&i| Value::I64(i)).collect();
        fetch_all(
            self,
            &format!(
                "SELECT vp.visit_id, vp.position, vp.sha256, ph.kind, ph.bytes, ph.taken_at, \
                 ph.lat, ph.lon FROM visit_photos vp JOIN photos ph ON ph.sha256 = vp.sha256 \
                 WHERE vp.visit_id IN ({}) ORDER BY vp.visit_id, vp.position",
                list.join(", ")
            ),
            &args,
        )
        .await
    }

    /// The visit a client id names, whoever sent it (the sync's replay check).
    pub async fn visit_by_client_id(
        &mut self,
        client_id: &str,
    ) -> Result<Option<VisitRow>, StorageError> {
        let rows: Vec<VisitRow> = fetch_all(
            self,
            &format!("{VISIT_SELECT} WHERE v.client_id = $1"),
            &[Value::Text(client_id.into())],
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    /// Records a visit, its photos and the tallies; its id. The caller holds the writer and
    /// has checked that the client id is new.
    pub async fn insert_visit(&mut self, v: &NewVisit) -> Result<i64, StorageError> {
        for p in &v.photos {
            execute(
                self,
                "INSERT INTO photos (sha256, kind, bytes, taken_at, lat, lon, stored_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256) DO NOTHING",
                &[
                    Value::Text(p.sha256.clone()),
                    Value::Text(p.kind.clone()),
                    Value::I64(p.bytes),
                    Value::OptText(p.taken_at.clone()),
                    Value::OptF64(p.lat),
                    Value::OptF64(p.lon),
                    Value::Text(v.recorded_at.clone()),
                ],
            )
            .await?;
        }
        let ids: Vec<Id> = fetch_all(
            self,
            "INSERT INTO visits (client_id, household_id, helper_id, village_code, visited_at, \
             month, recorded_at, recorded_by, lat, lon, accuracy_m, distance_m, flags, flagged, \
             done, needs, changed, photos) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             $12, $13, $14, $15, $16, $17, $18) RETURNING id",
            &[
                Value::Text(v.client_id.clone()),
                Value::I64(v.household_id),
                Value::I64(v.helper_id),
                Value::Text(v.village_code.clone()),
                Value::Text(v.visited_at.clone()),
                Value::Text(v.month.clone()),
                Value::Text(v.recorded_at.clone()),
                Value::Text(v.recorded_by.clone()),
                Value::OptF64(v.lat),
                Value::OptF64(v.lon),
                Value::OptF64(v.accuracy_m),
                Value::OptF64(v.distance_m),
                Value::Text(v.flags.clone()),
                Value::Bool(v.flagged),
                Value::Text(v.done.clone()),
                Value::Text(v.needs.clone()),
                Value::Text(v.changed.clone()),
                Value::I64(v.photos.len() as i64),
            ],
        )
        .await?;
        let id = ids.first().map(|r| r.id).ok_or(StorageError::NotFound)?;
        for (i, p) in v.photos.iter().enumerate() {
            execute(
                self,
                "INSERT INTO visit_photos (visit_id, position, sha256) VALUES ($1, $2, $3)",
                &[
                    Value::I64(id),
                    Value::I64(i as i64 + 1),
                    Value::Text(p.sha256.clone()),
                ],
            )
            .await?;
        }
        self.tally_visit(v).await?;
        Ok(id)
    }

    /// Adds a new visit to its month's tallies and the household's latest visit.
    async fn tally_visit(&mut self, v: &NewVisit) -> Result<(), StorageError> {
        let (household, month) = (Value::I64(v.household_id), Value::Text(v.month.clone()));
        let seen: Vec<super::Count> = fetch_all(
            self,
            "SELECT COUNT(*) AS n FROM visit_months WHERE household_id = $1 AND month = $2",
            &[household.clone(), month.clone()],
        )
        .await?;
        let new_to_village = seen.first().is_none_or(|c| c.n == 0);
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Visits {
            visits: i64,
        }
        let after: Vec<Visits> = fetch_all(
            self,
            "INSERT INTO visit_months (household_id, month, helper_id, village_code, visits) \
             VALUES ($1, $2, $3, $4, 1) ON CONFLICT (household_id, month, helper_id) \
             DO UPDATE SET visits = visit_months.visits + 1 RETURNING visits",
            &[
                household,
                month.clone(),
                Value::I64(v.helper_id),
                Value::Text(v.village_code.clone()),
            ],
        )
        .await?;
        let new_to_helper = after.first().is_some_and(|r| r.visits == 1);
        let counts = |new: bool| {
            [
                Value::I64(new.into()),
                Value::I64(v.flagged.into()),
                Value::I64(v.photos.len() as i64),
            ]
        };
        let mut args = vec![
            month.clone(),
            Value::I64(v.helper_id),
            Value::Text(v.village_code.clone()),
        ];
        args.extend(counts(new_to_helper));
        execute(
            self,
            "INSERT INTO helper_tallies (month, helper_id, village_code, visits, households, \
             flagged, photos) VALUES ($1, $2, $3, 1, $4, $5, $6) \
             ON CONFLICT (month, helper_id, village_code) DO UPDATE SET \
             visits = helper_tallies.visits + 1, households = helper_tallies.households + $4, \
             flagged = helper_tallies.flagged + $5, photos = helper_tallies.photos + $6",
            &args,
        )
        .await?;
        let mut args = vec![month, Value::Text(v.village_code.clone())];
        args.extend(counts(new_to_village));
        execute(
            self,
            "INSERT INTO village_tallies (month, village_code, visits, households, flagged, \
             photos) VALUES ($1, $2, 1, $3, $4, $5) ON CONFLICT (month, village_code) DO UPDATE \
             SET visits = village_tallies.visits + 1, households = village_tallies.households + $3, \
             flagged = village_tallies.flagged + $4, photos = village_tallies.photos + $5",
            &args,
        )
        .await?;
        execute(
            self,
            "INSERT INTO last_visits (household_id, village_code, visited_at) VALUES ($1, $2, $3) \
             ON CONFLICT (household_id) DO UPDATE SET visited_at = excluded.visited_at, \
             village_code = excluded.village_code WHERE excluded.visited_at > last_visits.visited_at",
            &[
                Value::I64(v.household_id),
                Value::Text(v.village_code.clone()),
                Value::Text(v.visited_at.clone()),
            ],
        )
        .await?;
        execute(
            self,
            "UPDATE pairings SET seen_at = $2 WHERE household_id = $1 AND ended_on IS NULL \
             AND seen_at < $2",
            &[
                Value::I64(v.household_id),
                Value::Text(v.visited_at.clone()),
            ],
        )
        .await?;
        Ok(())
    }

    /// Writes many visits at once (a generated year: the demo, the benchmark), their photos
    /// deduplicated by hash (`with_photos`; else only their count is kept, as the benchmark's
    /// 36 million photo rows would be read by none of its queries), then
    /// [`Tx::rebuild_tallies`]. Client ids must be new.
    pub async fn load_visits(
        &mut self,
        visits: &[NewVisit],
        with_photos: bool,
    ) -> Result<(), StorageError> {
        let mut next = None;
        let ids = self.reserve_ids("visits", visits.len(), &mut next).await?;
        let mut rows = Vec::with_capacity(visits.len());
        let mut links = Vec::new();
        let mut photos: std::collections::HashMap<&str, &NewPhoto> =
            std::collections::HashMap::new();
        for (v, id) in visits.iter().zip(&ids) {
            rows.push(vec![
                Value::I64(*id),
                Value::Text(v.client_id.clone()),
                Value::I64(v.household_id),
                Value::I64(v.helper_id),
                Value::Text(v.village_code.clone()),
                Value::Text(v.visited_at.clone()),
                Value::Text(v.month.clone()),
                Value::Text(v.recorded_at.clone()),
                Value::Text(v.recorded_by.clone()),
                Value::OptF64(v.lat),
                Value::OptF64(v.lon),
                Value::OptF64(v.accuracy_m),
                Value::OptF64(v.distance_m),
                Value::Text(v.flags.clone()),
                Value::Bool(v.flagged),
                Value::Text(v.done.clone()),
                Value::Text(v.needs.clone()),
                Value::Text(v.changed.clone()),
                Value::I64(v.photos.len() as i64),
            ]);
            for (i, p) in v.photos.iter().enumerate().filter(|_| with_photos) {
                links.push(vec![
                    Value::I64(*id),
                    Value::I64(i as i64 + 1),
                    Value::Text(p.sha256.clone()),
                ]);
                photos.entry(p.sha256.as_str()).or_insert(p);
            }
        }
        let stored_at = visits
            .first()
            .map(|v| v.recorded_at.clone())
            .unwrap_or_default();
        let photo_rows: Vec<Vec<Value>> = photos
            .values()
            .map(|p| {
                vec![
                    Value::Text(p.sha256.clone()),
                    Value::Text(p.kind.clone()),
                    Value::I64(p.bytes),
                    Value::OptText(p.taken_at.clone()),
                    Value::OptF64(p.lat),
                    Value::OptF64(p.lon),
                    Value::Text(stored_at.clone()),
                ]
            })
            .collect();
        crate::bulk::upsert_rows(
            self,
            "photos",
            &[
                "sha256",
                "kind",
                "bytes",
                "taken_at",
                "lat",
                "lon",
                "stored_at",
            ],
            &["sha256"],
            photo_rows,
        )
        .await?;
        crate::bulk::insert_rows(
            self,
            "visits",
            &[
                "id",
                "client_id",
                "household_id",
                "helper_id",
                "village_code",
                "visited_at",
                "month",
                "recorded_at",
                "recorded_by",
                "lat",
                "lon",
                "accuracy_m",
                "distance_m",
                "flags",
                "flagged",
                "done",
                "needs",
                "changed",
                "photos",
            ],
            rows,
        )
        .await?;
        crate::bulk::insert_rows(
            self,
            "visit_photos",
            &["visit_id", "position", "sha256"],
            links,
        )
        .await?;
        Ok(())
    }

    /// Computes the monthly tallies, the latest visits and when each paired household was last
    /// seen again from the visits themselves (after [`Tx::load_visits`]; the same figures a
    /// visit at a time writes).
    pub async fn rebuild_tallies(&mut self) -> Result<(), StorageError> {
        for sql in [
            "DELETE FROM visit_months",
            "DELETE FROM helper_tallies",
            "DELETE FROM village_tallies",
            "DELETE FROM last_visits",
            "INSERT INTO visit_months (household_id, month, helper_id, village_code, visits) \
             SELECT household_id, month, helper_id, MIN(village_code), COUNT(*) FROM visits \
             GROUP BY household_id, month, helper_id",
            "INSERT INTO helper_tallies (month, helper_id, village_code, visits, households, \
             flagged, photos) SELECT month, helper_id, village_code, COUNT(*), \
             COUNT(DISTINCT household_id), SUM(CASE WHEN flagged THEN 1 ELSE 0 END), \
             CAST(SUM(photos) AS BIGINT) FROM visits GROUP BY month, helper_id, village_code",
            "INSERT INTO village_tallies (month, village_code, visits, households, flagged, \
             photos) SELECT month, village_code, COUNT(*), COUNT(DISTINCT household_id), \
             SUM(CASE WHEN flagged THEN 1 ELSE 0 END), CAST(SUM(photos) AS BIGINT) FROM visits \
             GROUP BY month, village_code",
            "INSERT INTO last_visits (household_id, village_code, visited_at) \
             SELECT household_id, MIN(village_code), MAX(visited_at) FROM visits GROUP BY household_id",
            "UPDATE pairings SET seen_at = COALESCE((SELECT l.visited_at FROM last_visits l \
             WHERE l.household_id = pairings.household_id AND l.visited_at > pairings.started_on), \
             started_on) WHERE ended_on IS NULL",
        ] {
            execute(self, sql, &[]).await?;
        }
        Ok(())
    }

    /// Rewrites a visit's notes within its edit window.
    pub async fn edit_visit_notes(
        &mut self,
        id: i64,
        done: &str,
        needs: &str,
        changed: &str,
    ) -> Result<(), StorageError> {
        execute(
            self,
            "UPDATE visits SET done = $2, needs = $3, changed = $4, edited_at = $5 WHERE id = $1",
            &[
                Value::I64(id),
                Value::Text(done.into()),
                Value::Text(needs.into()),
                Value::Text(changed.into()),
                Value::Text(crate::now_utc()),
            ],
        )
        .await?;
        Ok(())
    }

    /// Appends a correction to a visit; its id.
    pub async fn insert_correction(
        &mut self,
        visit_id: i64,
        by: &str,
        text: &str,
    ) -> Result<i64, StorageError> {
        let ids: Vec<Id> = fetch_all(
            self,
            "INSERT INTO visit_corrections (visit_id, recorded_at, recorded_by, text) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[
                Value::I64(visit_id),
                Value::Text(crate::now_utc()),
                Value::Text(by.into()),
                Value::Text(text.into()),
            ],
        )
        .await?;
        ids.first().map(|r| r.id).ok_or(StorageError::NotFound)
    }
}
