//! What the scan for help on paper only reads (the patterns live in
//! `fupin_core::field::patterns`): the visits of a period with their positions and their
//! households' recorded locations, the photos among them that appear on another visit too, and
//! the numbers and names the warnings quote.

use fupin_core::access::Scope;

use crate::scope;
use crate::sql::{Value, fetch_all};
use crate::{Db, StorageError};

/// A visit where it was recorded and where its household lives.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, sqlx::FromRow)]
pub struct VisitPlace {
    pub id: i64,
    pub helper_id: i64,
    pub household_id: i64,
    pub visited_at: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub home_lat: Option<f64>,
    pub home_lon: Option<f64>,
}

/// One photo of a visit, by hash.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, sqlx::FromRow)]
pub struct VisitPhoto {
    pub visit_id: i64,
    pub sha256: String,
}

/// A household as a warning names it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, sqlx::FromRow)]
pub struct HouseholdName {
    pub id: i64,
    pub number: String,
    pub village_code: String,
}

/// A helper as a warning names them.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, sqlx::FromRow)]
pub struct HelperName {
    pub id: i64,
    pub name: String,
}

/// `SELECT … WHERE` the visits recorded in the scope's subtree from `$1` (UTC text) on; `$2`
/// is the first month, which lets the village-and-month index narrow the read.
fn visits_from(scope: &Scope) -> String {
    format!(
        "FROM visits v WHERE v.month >= $2 AND v.visited_at >= $1 AND {}",
        scope::within(scope, "v.village_code")
    )
}

/// Ids as a literal list for `IN (…)` (integers: nothing a user types reaches it).
fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
    /// The visits in `scope`'s subtree since `since` (UTC, "YYYY-MM-DDTHH:MM:SSZ" or a date),
    /// by helper and time.
    pub async fn visits_placed_since(
        &self,
        scope: &Scope,
        since: &str,
    ) -> Result<Vec<VisitPlace>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT v.id, v.helper_id, v.household_id, v.visited_at, v.lat, v.lon, \
                 h.lat AS home_lat, h.lon AS home_lon FROM (SELECT v.id {}) w \
                 JOIN visits v ON v.id = w.id JOIN households h ON h.id = v.household_id \
                 ORDER BY v.helper_id, v.visited_at, v.id",
                visits_from(scope)
            ),
            &since_args(since),
        )
        .await
    }

    /// The photos of the same visits that appear on some other visit too (any time, any
    /// area: only the visits read above are looked at).
    pub async fn shared_photos_since(
        &self,
        scope: &Scope,
        since: &str,
    ) -> Result<Vec<VisitPhoto>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT vp.visit_id, vp.sha256 FROM (SELECT v.id {}) w \
                 JOIN visit_photos vp ON vp.visit_id = w.id WHERE EXISTS (SELECT 1 \
                 FROM visit_photos o WHERE o.sha256 = vp.sha256 AND o.visit_id <> vp.visit_id) \
                 ORDER BY vp.visit_id, vp.position",
                visits_from(scope)
            ),
            &since_args(since),
        )
        .await
    }

    /// The numbers and villages of `households` and the names of `helpers`, for the warnings'
    /// sentences (raised by the operator's scan; a viewer reads them through the warning's
    /// area and masking).
    pub async fn pattern_names(
        &self,
        households: &[i64],
        helpers: &[i64],
    ) -> Result<(Vec<HouseholdName>, Vec<HelperName>), StorageError> {
        let mut tx = self.reader().await?;
        let mut named = Vec::new();
        for chunk in households.chunks(500) {
            named.extend(
                fetch_all::<HouseholdName>(
                    &mut tx,
                    &format!(
                        "SELECT id, number, village_code FROM households WHERE id IN ({})",
                        id_list(chunk)
                    ),
                    &[],
                )
                .await?,
            );
        }
        let mut names = Vec::new();
        for chunk in helpers.chunks(500) {
            names.extend(
                fetch_all::<HelperName>(
                    &mut tx,
                    &format!(
                        "SELECT id, name FROM helpers WHERE id IN ({})",
                        id_list(chunk)
                    ),
                    &[],
                )
                .await?,
            );
        }
        Ok((named, names))
    }
}

fn since_args(since: &str) -> [Value; 2] {
    [
        Value::Text(since.into()),
        Value::Text(since.chars().take(7).collect()),
    ]
}
