//! Village work teams (驻村工作队) and first secretaries (第一书记): who serves in a village, in
//! which role, from when to when; a change ends a row and starts another, as pairings do.

use fupin_core::access::Scope;

use super::visits::Id;
use crate::scope;
use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx};

/// A place in a village's team, with its member.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct TeamMember {
    pub id: i64,
    pub village_code: String,
    pub helper_id: i64,
    pub name: String,
    pub phone: String,
    pub unit: Option<String>,
    pub role: String,
    pub started_on: String,
    pub ended_on: Option<String>,
}

const MEMBER_SELECT: &str = "SELECT t.id, t.village_code, t.helper_id, hp.name, hp.phone, \
    un.name AS unit, t.role, t.started_on, t.ended_on FROM village_teams t \
    JOIN helpers hp ON hp.id = t.helper_id LEFT JOIN helper_units un ON un.id = hp.unit_id";

impl Db {
    /// The team of villages in `area` within `scope`: current members first, by village and role.
    pub async fn teams_in(
        &self,
        scope: &Scope,
        village: &fupin_core::AreaCode,
        with_past: bool,
    ) -> Result<Vec<TeamMember>, StorageError> {
        let (lo, hi) = village.descendant_range();
        let current = if with_past {
            ""
        } else {
            " AND t.ended_on IS NULL"
        };
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "{MEMBER_SELECT} WHERE t.village_code BETWEEN $1 AND $2 AND {}{current} \
                 ORDER BY t.ended_on IS NOT NULL, t.village_code, t.role, hp.name",
                scope::within(scope, "t.village_code")
            ),
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await
    }

    /// The villages a helper serves in now (where they sign in).
    pub async fn villages_of_helper(
        &self,
        helper_id: i64,
    ) -> Result<Vec<TeamMember>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "{MEMBER_SELECT} WHERE t.helper_id = $1 AND t.ended_on IS NULL \
                 ORDER BY t.village_code"
            ),
            &[Value::I64(helper_id)],
        )
        .await
    }
}

impl Tx {
    /// Adds a helper to a village's team from `day`; the place's id.
    pub async fn insert_team_member(
        &mut self,
        village: &str,
        helper_id: i64,
        role: &str,
        day: &str,
    ) -> Result<i64, StorageError> {
        let ids: Vec<Id> = fetch_all(
            self,
            "INSERT INTO village_teams (village_code, helper_id, role, started_on) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[
                Value::Text(village.into()),
                Value::I64(helper_id),
                Value::Text(role.into()),
                Value::Text(day.into()),
            ],
        )
        .await?;
        ids.first().map(|r| r.id).ok_or(StorageError::NotFound)
    }

    /// A place in a team within `scope`, current or ended.
    pub async fn team_member(
        &mut self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<TeamMember>, StorageError> {
        let rows: Vec<TeamMember> = fetch_all(
            self,
            &format!(
                "{MEMBER_SELECT} WHERE t.id = $1 AND {}",
                scope::within(scope, "t.village_code")
            ),
            &[Value::I64(id)],
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    /// Ends a place in a team on `day`.
    pub async fn end_team_member(&mut self, id: i64, day: &str) -> Result<(), StorageError> {
        execute(
            self,
            "UPDATE village_teams SET ended_on = $2 WHERE id = $1 AND ended_on IS NULL",
            &[Value::I64(id), Value::Text(day.into())],
        )
        .await?;
        Ok(())
    }
}
