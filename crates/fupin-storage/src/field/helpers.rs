//! Helpers (帮扶责任人), their units (帮扶单位) and pairings with households (结对帮扶). A
//! helper belongs to the area that manages them; a pairing is never overwritten: a change ends
//! the current row and starts another.

use fupin_core::AreaCode;
use fupin_core::access::Scope;

use super::Count;
use crate::registry::LIST_SELECT;
use crate::scope;
use crate::sql::{Value, execute, fetch_all};
use crate::{Db, HouseholdListItem, StorageError, Tx};

/// A helper as listed, with the number of households paired now.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct HelperRow {
    pub id: i64,
    pub area_code: String,
    pub name: String,
    pub phone: String,
    pub unit_id: Option<i64>,
    pub unit: Option<String>,
    pub unit_level: Option<String>,
    pub post: String,
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub created_at: String,
    pub left_on: Option<String>,
    pub households: i64,
}

const HELPER_SELECT: &str = "SELECT hp.id, hp.area_code, hp.name, hp.phone, hp.unit_id, \
    un.name AS unit, un.level AS unit_level, hp.post, hp.user_id, u.username, hp.created_at, \
    hp.left_on, (SELECT COUNT(*) FROM pairings pc WHERE pc.helper_id = hp.id \
    AND pc.ended_on IS NULL) AS households \
    FROM helpers hp LEFT JOIN helper_units un ON un.id = hp.unit_id \
    LEFT JOIN users u ON u.id = hp.user_id";

/// A household's pairing, current or past, with its helper.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct PairingRow {
    pub id: i64,
    pub household_id: i64,
    pub helper_id: i64,
    pub name: String,
    pub phone: String,
    pub unit: Option<String>,
    pub post: String,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub created_by: String,
}

const PAIRING_COLUMNS: &str = "p.id, p.household_id, p.helper_id, hp.name, hp.phone, \
    un.name AS unit, hp.post, p.started_on, p.ended_on, p.created_by";
const PAIRING_FROM: &str = "pairings p JOIN helpers hp ON hp.id = p.helper_id \
    LEFT JOIN helper_units un ON un.id = hp.unit_id";

/// Where a household is: what a pairing or a visit needs of it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct HouseholdPlace {
    pub id: i64,
    pub number: String,
    pub village_code: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// One of a helper's households, as their phone lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct HelperHousehold {
    pub id: i64,
    pub number: String,
    pub village_code: String,
    pub head_name: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub started_on: String,
    pub last_visit: Option<String>,
}

/// A household of an area with its current helper, if any: a line of the pairing sheet.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct SheetLine {
    pub household_id: i64,
    pub number: String,
    pub village_code: String,
    pub helper_id: Option<i64>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub unit: Option<String>,
    pub unit_level: Option<String>,
    pub post: Option<String>,
    pub started_on: Option<String>,
}

/// A helper to write.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHelper {
    pub area_code: String,
    pub name: String,
    pub phone: String,
    pub unit_id: Option<i64>,
    pub post: String,
    pub user_id: Option<i64>,
}

impl Db {
    /// Helpers of `area` within `scope` whose name, phone or unit contains `text` (all when
    /// empty), current first, by unit and name; at most `limit` from `offset`, and how many.
    pub async fn helpers_in(
        &self,
        scope: &Scope,
        area: &AreaCode,
        text: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<HelperRow>, i64), StorageError> {
        let mut tx = self.reader().await?;
        let (lo, hi) = area.descendant_range();
        let like = format!("%{}%", crate::sql::escape_like(text.trim()));
        let filter = format!(
            "hp.area_code BETWEEN $1 AND $2 AND {} AND (hp.name LIKE $3 ESCAPE '\\' \
             OR hp.phone LIKE $3 ESCAPE '\\' OR COALESCE(un.name, '') LIKE $3 ESCAPE '\\')",
            scope::within(scope, "hp.area_code")
        );
        let args = [Value::Text(lo), Value::Text(hi), Value::Text(like)];
        let count: Vec<Count> = fetch_all(
            &mut tx,
            &format!(
                "SELECT COUNT(*) AS n FROM helpers hp LEFT JOIN helper_units un \
                 ON un.id = hp.unit_id WHERE {filter}"
            ),
            &args,
        )
        .await?;
        let mut page_args = args.to_vec();
        page_args.extend([Value::I64(limit), Value::I64(offset)]);
        let rows = fetch_all(
            &mut tx,
            &format!(
                "{HELPER_SELECT} WHERE {filter} ORDER BY hp.left_on IS NOT NULL, \
                 un.name, hp.name, hp.id LIMIT $4 OFFSET $5"
            ),
            &page_args,
        )
        .await?;
        Ok((rows, count.first().map_or(0, |c| c.n)))
    }

    /// One helper within `scope`.
    pub async fn helper(&self, scope: &Scope, id: i64) -> Result<Option<HelperRow>, StorageError> {
        self.reader().await?.helper(scope, id).await
    }

    /// The helper record of a user account, if they are one.
    pub async fn helper_of_user(&self, user_id: i64) -> Result<Option<HelperRow>, StorageError> {
        let rows: Vec<HelperRow> = fetch_all(
            &mut self.reader().await?,
            &format!("{HELPER_SELECT} WHERE hp.user_id = $1"),
            &[Value::I64(user_id)],
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    /// The current households of a helper within `scope`, as pairings.
    pub async fn pairings_of_helper(
        &self,
        scope: &Scope,
        helper_id: i64,
    ) -> Result<Vec<PairingRow>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT {PAIRING_COLUMNS} FROM {PAIRING_FROM} JOIN households h \
                 ON h.id = p.household_id WHERE p.helper_id = $1 AND p.ended_on IS NULL \
                 AND {} ORDER BY h.number",
                scope::households(scope, "h.")
            ),
            &[Value::I64(helper_id)],
        )
        .await
    }

    /// Where every household of `area` (all areas: `None`) within `scope` is, by id
    /// (generated field work).
    pub async fn household_places(
        &self,
        scope: &Scope,
        area: Option<&AreaCode>,
    ) -> Result<Vec<HouseholdPlace>, StorageError> {
        let (lo, hi) = area.map_or_else(
            || ("0".repeat(12), "9".repeat(12)),
            AreaCode::descendant_range,
        );
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT h.id, h.number, h.village_code, h.lat, h.lon FROM households h \
                 WHERE h.village_code BETWEEN $1 AND $2 AND {} ORDER BY h.id",
                scope::households(scope, "h.")
            ),
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await
    }

    /// A helper's current households within `scope`, with their locations and last visits,
    /// by household number.
    pub async fn households_of_helper(
        &self,
        scope: &Scope,
        helper_id: i64,
    ) -> Result<Vec<HelperHousehold>, StorageError> {
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT h.id, h.number, h.village_code, (SELECT m.name FROM members m \
                 WHERE m.household_id = h.id AND m.relation = 'head' LIMIT 1) AS head_name, \
                 h.lat, h.lon, p.started_on, l.visited_at AS last_visit \
                 FROM pairings p JOIN households h ON h.id = p.household_id \
                 LEFT JOIN last_visits l ON l.household_id = h.id \
                 WHERE p.helper_id = $1 AND p.ended_on IS NULL AND {} ORDER BY h.number",
                scope::households(scope, "h.")
            ),
            &[Value::I64(helper_id)],
        )
        .await
    }

    /// Every household of `area` within `scope` with its current helper, by number.
    pub async fn pairing_sheet(
        &self,
        scope: &Scope,
        area: &AreaCode,
    ) -> Result<Vec<SheetLine>, StorageError> {
        let (lo, hi) = area.descendant_range();
        fetch_all(
            &mut self.reader().await?,
            &format!(
                "SELECT h.id AS household_id, h.number, h.village_code, p.helper_id, hp.name, \
                 hp.phone, un.name AS unit, un.level AS unit_level, hp.post, p.started_on \
                 FROM households h LEFT JOIN pairings p ON p.household_id = h.id \
                 AND p.ended_on IS NULL LEFT JOIN helpers hp ON hp.id = p.helper_id \
                 LEFT JOIN helper_units un ON un.id = hp.unit_id \
                 WHERE h.village_code BETWEEN $1 AND $2 AND {} ORDER BY h.number",
                scope::households(scope, "h.")
            ),
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await
    }

    /// Households of `area` within `scope` that have no current helper, by number; at most
    /// `limit` from `offset`, and how many.
    pub async fn unpaired_households(
        &self,
        scope: &Scope,
        area: &AreaCode,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<HouseholdListItem>, i64), StorageError> {
        let mut tx = self.reader().await?;
        let (lo, hi) = area.descendant_range();
        let filter = format!(
            "h.village_code BETWEEN $1 AND $2 AND {} AND NOT EXISTS (SELECT 1 FROM pairings p \
             WHERE p.household_id = h.id AND p.ended_on IS NULL)",
            scope::households(scope, "h.")
        );
        let count: Vec<Count> = fetch_all(
            &mut tx,
            &format!("SELECT COUNT(*) AS n FROM households h WHERE {filter}"),
            &[Value::Text(lo.clone()), Value::Text(hi.clone())],
        )
        .await?;
        let rows = fetch_all(
            &mut tx,
            &format!("{LIST_SELECT} WHERE {filter} ORDER BY h.number LIMIT $3 OFFSET $4"),
            &[
                Value::Text(lo),
                Value::Text(hi),
                Value::I64(limit),
                Value::I64(offset),
            ],
        )
        .await?;
        Ok((rows, count.first().map_or(0, |c| c.n)))
    }
}

/// Reads and writes inside a caller's transaction.
impl Tx {
    /// [`Db::helper`] inside this transaction.
    pub async fn helper(
        &mut self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<HelperRow>, StorageError> {
        let rows: Vec<HelperRow> = fetch_all(
            self,
            &format!(
                "{HELPER_SELECT} WHERE hp.id = $1 AND {}",
                scope::within(scope, "hp.area_code")
            ),
            &[Value::I64(id)],
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    /// Where household `id` is, if `scope` reaches it.
    pub async fn household_place(
        &mut self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<HouseholdPlace>, StorageError> {
        let rows: Vec<HouseholdPlace> = fetch_all(
            self,
            &format!(
                "SELECT h.id, h.number, h.village_code, h.lat, h.lon FROM households h \
                 WHERE h.id = $1 AND {}",
                scope::households(scope, "h.")
            ),
            &[Value::I64(id)],
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    /// Moves a helper to `area` (widened to hold a household paired with them).
    pub async fn set_helper_area(&mut self, id: i64, area: &str) -> Result<(), StorageError> {
        execute(
            self,
            "UPDATE helpers SET area_code = $2 WHERE id = $1",
            &[Value::I64(id), Value::Text(area.into())],
        )
        .await?;
        Ok(())
    }

    /// A household's pairings within `scope`, current first then newest.
    pub async fn pairings_of_household(
        &mut self,
        scope: &Scope,
        household_id: i64,
    ) -> Result<Vec<PairingRow>, StorageError> {
        fetch_all(
            self,
            &format!(
                "SELECT {PAIRING_COLUMNS} FROM {PAIRING_FROM} WHERE p.household_id = $1 AND {} \
                 ORDER BY p.ended_on IS NOT NULL, p.started_on DESC, p.id DESC",
                scope::of_household(scope, "p.household_id")
            ),
            &[Value::I64(household_id)],
        )
        .await
    }

    /// Locks a helper for a change of their pairings (concurrent pairings of one helper wait,
    /// so the limit holds) and counts their current households.
    pub async fn lock_helper_load(&mut self, helper_id: i64) -> Result<i64, StorageError> {
        let lock = self.backend().for_update();
        let rows: Vec<Count> = fetch_all(
            self,
            &format!(
                "SELECT (SELECT COUNT(*) FROM pairings p WHERE p.helper_id = hp.id \
                 AND p.ended_on IS NULL) AS n FROM helpers hp WHERE hp.id = $1{lock}"
            ),
            &[Value::I64(helper_id)],
        )
        .await?;
        rows.first().map(|c| c.n).ok_or(StorageError::NotFound)
    }

    /// The unit called `name` in `area`, made if new; its id.
    pub async fn unit_id(
        &mut self,
        area: &str,
        name: &str,
        level: &str,
    ) -> Result<i64, StorageError> {
        execute(
            self,
            "INSERT INTO helper_units (area_code, name, level) VALUES ($1, $2, $3) \
             ON CONFLICT (area_code, name) DO NOTHING",
            &[
                Value::Text(area.into()),
                Value::Text(name.into()),
                Value::Text(level.into()),
            ],
        )
        .await?;
        if !level.is_empty() {
            execute(
                self,
                "UPDATE helper_units SET level = $3 WHERE area_code = $1 AND name = $2",
                &[
                    Value::Text(area.into()),
                    Value::Text(name.into()),
                    Value::Text(level.into()),
                ],
            )
            .await?;
        }
        let ids: Vec<super::visits::Id> = fetch_all(
            self,
            "SELECT id FROM helper_units WHERE area_code = $1 AND name = $2",
            &[Value::Text(area.into()), Value::Text(name.into())],
        )
        .await?;
        ids.first().map(|r| r.id).ok_or(StorageError::NotFound)
    }

    /// Writes a new helper; their id.
    pub async fn insert_helper(&mut self, h: &NewHelper) -> Result<i64, StorageError> {
        let ids: Vec<super::visits::Id> = fetch_all(
            self,
            "INSERT INTO helpers (area_code, name, phone, unit_id, post, user_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                Value::Text(h.area_code.clone()),
                Value::Text(h.name.clone()),
                Value::Text(h.phone.clone()),
                Value::OptI64(h.unit_id),
                Value::Text(h.post.clone()),
                Value::OptI64(h.user_id),
                Value::Text(crate::now_utc()),
            ],
        )
        .await?;
        ids.first().map(|r| r.id).ok_or(StorageError::NotFound)
    }

    /// Changes a helper's particulars (name, phone, unit, post, account, left).
    pub async fn update_helper(
        &mut self,
        id: i64,
        h: &NewHelper,
        left_on: Option<String>,
    ) -> Result<(), StorageError> {
        execute(
            self,
            "UPDATE helpers SET name = $2, phone = $3, unit_id = $4, post = $5, user_id = $6, \
             left_on = $7 WHERE id = $1",
            &[
                Value::I64(id),
                Value::Text(h.name.clone()),
                Value::Text(h.phone.clone()),
                Value::OptI64(h.unit_id),
                Value::Text(h.post.clone()),
                Value::OptI64(h.user_id),
                Value::OptText(left_on),
            ],
        )
        .await?;
        Ok(())
    }

    /// Helpers of `area`'s subtree known by phone (when given) or else by name and unit: the
    /// import's way of finding the helper a row names.
    pub async fn helpers_by_identity(
        &mut self,
        area: &AreaCode,
    ) -> Result<Vec<HelperRow>, StorageError> {
        let (lo, hi) = area.descendant_range();
        fetch_all(
            self,
            &format!("{HELPER_SELECT} WHERE hp.area_code BETWEEN $1 AND $2"),
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await
    }

    /// The current (helper, household) pairs of the helpers registered in `area`'s subtree.
    pub async fn current_pairs_in(
        &mut self,
        area: &AreaCode,
    ) -> Result<Vec<(i64, i64)>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Pair {
            helper_id: i64,
            household_id: i64,
        }
        let (lo, hi) = area.descendant_range();
        let rows: Vec<Pair> = fetch_all(
            self,
            "SELECT p.helper_id, p.household_id FROM pairings p JOIN helpers hp \
             ON hp.id = p.helper_id WHERE p.ended_on IS NULL AND hp.area_code BETWEEN $1 AND $2",
            &[Value::Text(lo), Value::Text(hi)],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|p| (p.helper_id, p.household_id))
            .collect())
    }

    /// The current (household, helper) of these households, those that have one.
    pub async fn current_helpers_of(
        &mut self,
        households: &[i64],
    ) -> Result<Vec<(i64, i64)>, StorageError> {
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Pair {
            helper_id: i64,
            household_id: i64,
        }
        let mut out = Vec::with_capacity(households.len());
        for chunk in households.chunks(500) {
            let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
            let rows: Vec<Pair> = fetch_all(
                self,
                &format!(
                    "SELECT helper_id, household_id FROM pairings WHERE ended_on IS NULL \
                     AND household_id IN ({})",
                    list.join(", ")
                ),
                &[],
            )
            .await?;
            out.extend(rows.into_iter().map(|p| (p.household_id, p.helper_id)));
        }
        Ok(out)
    }

    /// The current pairing of a household, locked for a change.
    pub async fn current_pairing(
        &mut self,
        household_id: i64,
    ) -> Result<Option<PairingRow>, StorageError> {
        let lock = self.backend().for_update();
        let lock = if lock.is_empty() {
            String::new()
        } else {
            format!("{lock} OF p")
        };
        let rows: Vec<PairingRow> = fetch_all(
            self,
            &format!(
                "SELECT {PAIRING_COLUMNS} FROM {PAIRING_FROM} WHERE p.household_id = $1 \
                 AND p.ended_on IS NULL{lock}"
            ),
            &[Value::I64(household_id)],
        )
        .await?;
        Ok(rows.into_iter().next())
    }

    /// Ends a pairing on `day`.
    pub async fn end_pairing(&mut self, pairing_id: i64, day: &str) -> Result<(), StorageError> {
        execute(
            self,
            "UPDATE pairings SET ended_on = $2 WHERE id = $1 AND ended_on IS NULL",
            &[Value::I64(pairing_id), Value::Text(day.into())],
        )
        .await?;
        Ok(())
    }

    /// Pairs a helper with a household from `day`; the new pairing's id.
    pub async fn insert_pairing(
        &mut self,
        helper_id: i64,
        household_id: i64,
        day: &str,
        by: &str,
    ) -> Result<i64, StorageError> {
        let ids: Vec<super::visits::Id> = fetch_all(
            self,
            // the household's village and when it was last seen: the later of `day` and its
            // latest visit (read by the not-visited list and the paired counts)
            "INSERT INTO pairings (helper_id, household_id, started_on, created_at, created_by, \
             village_code, seen_at) SELECT $1, h.id, $3, $4, $5, h.village_code, \
             CASE WHEN l.visited_at > $3 THEN l.visited_at ELSE $3 END \
             FROM households h LEFT JOIN last_visits l ON l.household_id = h.id WHERE h.id = $2 \
             RETURNING id",
            &[
                Value::I64(helper_id),
                Value::I64(household_id),
                Value::Text(day.into()),
                Value::Text(crate::now_utc()),
                Value::Text(by.into()),
            ],
        )
        .await?;
        ids.first().map(|r| r.id).ok_or(StorageError::NotFound)
    }
}
