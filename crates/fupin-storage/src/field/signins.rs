//! Village sign-in and sign-out (驻村签到) of work-team members, once per client id.

use fupin_core::access::Scope;

use super::visits::Id;
use crate::scope;
use crate::sql::{Value, fetch_all};
use crate::{Db, StorageError, Tx};

/// A sign-in or sign-out as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct SigninRow {
    pub id: i64,
    pub client_id: String,
    pub helper_id: i64,
    pub name: String,
    pub village_code: String,
    /// `in` or `out`.
    pub kind: String,
    pub at: String,
    /// The Beijing date of `at`.
    pub day: String,
    pub recorded_at: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub distance_m: Option<f64>,
    pub flags: String,
}

const SIGNIN_SELECT: &str = "SELECT s.id, s.client_id, s.helper_id, hp.name, s.village_code, \
    s.kind, s.at, s.day, s.recorded_at, s.lat, s.lon, s.accuracy_m, s.distance_m, s.flags \
    FROM village_signins s JOIN helpers hp ON hp.id = s.helper_id";

/// A sign-in to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSignin {
    pub client_id: String,
    pub helper_id: i64,
    pub village_code: String,
    pub kind: String,
    pub at: String,
    pub day: String,
    pub recorded_by: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub distance_m: Option<f64>,
    pub flags: String,
}

/// Days a helper was signed in at a village in a month.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct DaysPresent {
    pub helper_id: i64,
    pub name: String,
    pub village_code: String,
    pub days: i64,
    pub flagged: i64,
}

impl Db {
    /// Sign-ins at villages of `area` within `scope` in the days `from..=to` ("YYYY-MM-DD"),
    /// newest first, at most `limit`.
    pub async fn signins_in(
        &self,
        scope: &Scope,
        area: &fupin_core::AreaCode,
        from: &str,
        to: &str,
        limit: i64,
    ) -> Result<Vec<SigninRow>, StorageError> {
        let (lo, hi) = area.descendant_range();
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "{SIGNIN_SELECT} WHERE s.village_code BETWEEN $1 AND $2 AND s.day BETWEEN $3 AND $4 \
                 AND {} ORDER BY s.at DESC, s.id DESC LIMIT $5",
                scope::within(scope, "s.village_code")
            ),
            &[
                Value::Text(lo),
                Value::Text(hi),
                Value::Text(from.into()),
                Value::Text(to.into()),
                Value::I64(limit),
            ],
        )
        .await
    }

    /// Days present per helper and village of `area` within `scope` in the days `from..=to`:
    /// the distinct days with a sign-in.
    pub async fn days_present(
        &self,
        scope: &Scope,
        area: &fupin_core::AreaCode,
        from: &str,
        to: &str,
    ) -> Result<Vec<DaysPresent>, StorageError> {
        let (lo, hi) = area.descendant_range();
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT s.helper_id, hp.name, s.village_code, COUNT(DISTINCT s.day) AS days, \
                 CAST(SUM(CASE WHEN s.flags <> '' THEN 1 ELSE 0 END) AS BIGINT) AS flagged \
                 FROM village_signins s JOIN helpers hp ON hp.id = s.helper_id \
                 WHERE s.kind = 'in' AND s.village_code BETWEEN $1 AND $2 \
                 AND s.day BETWEEN $3 AND $4 AND {} \
                 GROUP BY s.helper_id, hp.name, s.village_code ORDER BY s.village_code, hp.name",
                scope::within(scope, "s.village_code")
            ),
            &[
                Value::Text(lo),
                Value::Text(hi),
                Value::Text(from.into()),
                Value::Text(to.into()),
            ],
        )
        .await
    }

    /// A helper's own sign-ins, newest first.
    pub async fn signins_of_helper(
        &self,
        helper_id: i64,
        limit: i64,
    ) -> Result<Vec<SigninRow>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "{SIGNIN_SELECT} WHERE s.helper_id = $1 ORDER BY s.at DESC, s.id DESC LIMIT $2"
            ),
            &[Value::I64(helper_id), Value::I64(limit)],
        )
        .await
    }
}

impl Tx {
    /// The sign-in a client id names (the sync's replay check).
    pub async fn signin_by_client_id(
        &mut self,
        client_id: &str,
    ) -> Result<Option<SigninRow>, StorageError> {
        let rows: Vec<SigninRow> = fetch_all(
            self,
            &format!("{SIGNIN_SELECT} WHERE s.client_id = $1"),
            &[Value::Text(client_id.into())],
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    /// Records a sign-in; its id.
    pub async fn insert_signin(&mut self, s: &NewSignin) -> Result<i64, StorageError> {
        let ids: Vec<Id> = fetch_all(
            self,
            "INSERT INTO village_signins (client_id, helper_id, village_code, kind, at, day, \
             recorded_at, recorded_by, lat, lon, accuracy_m, distance_m, flags) VALUES ($1, $2, \
             $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            &[
                Value::Text(s.client_id.clone()),
                Value::I64(s.helper_id),
                Value::Text(s.village_code.clone()),
                Value::Text(s.kind.clone()),
                Value::Text(s.at.clone()),
                Value::Text(s.day.clone()),
                Value::Text(crate::now_utc()),
                Value::Text(s.recorded_by.clone()),
                Value::OptF64(s.lat),
                Value::OptF64(s.lon),
                Value::OptF64(s.accuracy_m),
                Value::OptF64(s.distance_m),
                Value::Text(s.flags.clone()),
            ],
        )
        .await?;
        ids.first().map(|r| r.id).ok_or(StorageError::NotFound)
    }

    /// The recorded locations of a village's households (for how near a sign-in was).
    pub async fn village_locations(
        &mut self,
        village: &str,
    ) -> Result<Vec<(f64, f64)>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct At {
            lat: f64,
            lon: f64,
        }
        let rows: Vec<At> = fetch_all(
            self,
            "SELECT lat, lon FROM households WHERE village_code = $1 AND lat IS NOT NULL \
             AND lon IS NOT NULL",
            &[Value::Text(village.into())],
        )
        .await?;
        Ok(rows.into_iter().map(|r| (r.lat, r.lon)).collect())
    }
}
