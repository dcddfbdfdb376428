//! What the field summaries read: a month's tallies by area and by helper, how many households
//! have a helper, and the paired households nobody visited lately. Counts are aggregate (the
//! scope's subtree, as area figures are); the overdue list is of households, read as records.

use fupin_core::access::Scope;
use fupin_core::{AreaCode, AreaLevel};

use crate::registry::LIST_SELECT;
use crate::scope;
use crate::sql::{Value, fetch_all};
use crate::{Db, HouseholdListItem, StorageError};

/// A month's visits in one area (or by one helper).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Tally {
    /// The area's code (a child of the area asked about), or the helper's village.
    pub code: String,
    pub visits: i64,
    pub households: i64,
    pub flagged: i64,
    pub photos: i64,
}

/// A month's visits by one helper in one village.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct HelperTally {
    pub helper_id: i64,
    pub name: String,
    pub unit: Option<String>,
    pub village_code: String,
    pub visits: i64,
    pub households: i64,
    pub flagged: i64,
    pub photos: i64,
    /// Households paired with the helper now.
    pub paired: i64,
}

/// Households with a helper now, by area.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Paired {
    pub code: String,
    pub households: i64,
}

/// A paired household overdue for a visit.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Overdue {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub household: HouseholdListItem,
    pub helper_id: i64,
    pub helper_name: String,
    pub paired_since: String,
    pub last_visit: Option<String>,
}

/// The length of the code prefix that names `area`'s children (the area itself at a village).
fn child_prefix(area: &AreaCode) -> usize {
    area.level()
        .child()
        .unwrap_or(AreaLevel::Village)
        .prefix_len()
}

impl Db {
    /// How many visits are recorded, anywhere (the demo builds its year only once).
    pub async fn visits_recorded(&self) -> Result<i64, StorageError> {
        let rows: Vec<super::Count> = fetch_all(
            &mut self.reader().await?,
            "SELECT COUNT(*) AS n FROM visits",
            &[],
        )
        .await?;
        Ok(rows.first().map_or(0, |c| c.n))
    }

    /// `month`'s visits in `area` within `scope`, one row per child area (a village: itself).
    pub async fn tallies_by_child(
        &self,
        scope: &Scope,
        area: &AreaCode,
        month: &str,
    ) -> Result<Vec<Tally>, StorageError> {
        let (lo, hi) = area.descendant_range();
        let n = child_prefix(area);
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT substr(village_code, 1, {n}) AS code, \
                 CAST(SUM(visits) AS BIGINT) AS visits, CAST(SUM(households) AS BIGINT) AS households, \
                 CAST(SUM(flagged) AS BIGINT) AS flagged, CAST(SUM(photos) AS BIGINT) AS photos \
                 FROM village_tallies WHERE month = $1 AND village_code BETWEEN $2 AND $3 AND {} \
                 GROUP BY substr(village_code, 1, {n}) ORDER BY 1",
                scope::within(scope, "village_code")
            ),
            &[Value::Text(month.into()), Value::Text(lo), Value::Text(hi)],
        )
        .await
    }

    /// Households with a current helper in `area` within `scope`, per child area: counted by
    /// village off the current pairings' index (each keeps its household's village), then
    /// summed by child.
    pub async fn paired_by_child(
        &self,
        scope: &Scope,
        area: &AreaCode,
    ) -> Result<Vec<Paired>, StorageError> {
        let (lo, hi) = area.descendant_range();
        let n = child_prefix(area);
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT substr(village_code, 1, {n}) AS code, CAST(SUM(n) AS BIGINT) AS households \
                 FROM (SELECT p.village_code, COUNT(*) AS n FROM pairings p \
                 WHERE p.ended_on IS NULL AND p.village_code BETWEEN $1 AND $2 AND {} \
                 GROUP BY p.village_code) v GROUP BY substr(village_code, 1, {n}) ORDER BY 1",
                scope::within(scope, "p.village_code")
            ),
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await
    }

    /// `month`'s visits per helper and village in `area` within `scope`, with each helper's
    /// current households; helpers of the area without a visit that month too.
    pub async fn tallies_by_helper(
        &self,
        scope: &Scope,
        area: &AreaCode,
        month: &str,
    ) -> Result<Vec<HelperTally>, StorageError> {
        let (lo, hi) = area.descendant_range();
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT hp.id AS helper_id, hp.name, un.name AS unit, \
                 COALESCE(t.village_code, '') AS village_code, COALESCE(t.visits, 0) AS visits, \
                 COALESCE(t.households, 0) AS households, COALESCE(t.flagged, 0) AS flagged, \
                 COALESCE(t.photos, 0) AS photos, (SELECT COUNT(*) FROM pairings pc \
                 WHERE pc.helper_id = hp.id AND pc.ended_on IS NULL) AS paired \
                 FROM helpers hp LEFT JOIN helper_units un ON un.id = hp.unit_id \
                 LEFT JOIN helper_tallies t ON t.helper_id = hp.id AND t.month = $1 \
                 WHERE hp.area_code BETWEEN $2 AND $3 AND hp.left_on IS NULL AND {} \
                 ORDER BY un.name, hp.name, hp.id, t.village_code",
                scope::within(scope, "hp.area_code")
            ),
            &[Value::Text(month.into()), Value::Text(lo), Value::Text(hi)],
        )
        .await
    }

    /// Paired households of `area` within `scope` whose last visit — or, if none since, the
    /// start of their pairing — is before `cutoff` ("YYYY-MM-DD", Beijing date; the visit's
    /// instant is compared as UTC text, a bound off by eight hours at most), longest first;
    /// at most `limit` from `offset`, and how many. Read off the current pairings' index by
    /// village and last seen; only the page's rows are joined to their households.
    pub async fn not_visited_since(
        &self,
        scope: &Scope,
        area: &AreaCode,
        cutoff: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Overdue>, i64), StorageError> {
        let mut tx = self.reader().await?;
        let (lo, hi) = area.descendant_range();
        let from = format!(
            "FROM pairings p WHERE p.ended_on IS NULL AND p.village_code BETWEEN $1 AND $2 \
             AND p.seen_at < $3 AND {}",
            scope::pairings(scope, "p.")
        );
        let args = [Value::Text(lo), Value::Text(hi), Value::Text(cutoff.into())];
        let count: Vec<super::Count> =
            fetch_all(&mut tx, &format!("SELECT COUNT(*) AS n {from}"), &args).await?;
        let select = LIST_SELECT.trim_end_matches(" FROM households h");
        let mut page_args = args.to_vec();
        page_args.extend([Value::I64(limit), Value::I64(offset)]);
        let rows = fetch_all(
            &mut tx,
            &format!(
                "{select}, p.helper_id, hp.name AS helper_name, p.started_on AS paired_since, \
                 l.visited_at AS last_visit FROM (SELECT p.id AS pid {from} \
                 ORDER BY p.seen_at, p.household_id LIMIT $4 OFFSET $5) page \
                 JOIN pairings p ON p.id = page.pid JOIN households h ON h.id = p.household_id \
                 JOIN helpers hp ON hp.id = p.helper_id \
                 LEFT JOIN last_visits l ON l.household_id = h.id \
                 ORDER BY p.seen_at, p.household_id"
            ),
            &page_args,
        )
        .await?;
        Ok((rows, count.first().map_or(0, |c| c.n)))
    }
}
