//! The name index (`name_grams`): each household's members' names cut into two-character pieces
//! by `fupin_core::search::name_grams`, written with the members, so that a search for part of
//! a name reads a few index entries instead of every member.

use std::collections::BTreeSet;

use fupin_core::Household;
use fupin_core::search::name_grams;

use crate::bulk::insert_rows;
use crate::sql::{Value, execute, fetch_all};
use crate::{StorageError, Tx};

pub(crate) const COLUMNS: &[&str] = &["household_id", "gram"];

/// The index rows of one household.
pub(crate) fn rows(id: i64, names: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<Vec<Value>> {
    let grams: BTreeSet<String> = names
        .into_iter()
        .flat_map(|n| name_grams(n.as_ref()))
        .collect();
    grams
        .into_iter()
        .map(|g| vec![Value::I64(id), Value::Text(g)])
        .collect()
}

pub(crate) fn household_rows(id: i64, h: &Household) -> Vec<Vec<Value>> {
    rows(id, h.members.iter().map(|m| m.name.as_str()))
}

/// Replaces one household's index rows (its members were rewritten).
pub(crate) async fn replace(tx: &mut Tx, id: i64, h: &Household) -> Result<(), StorageError> {
    execute(
        tx,
        "DELETE FROM name_grams WHERE household_id = $1",
        &[Value::I64(id)],
    )
    .await?;
    insert_rows(tx, "name_grams", COLUMNS, household_rows(id, h)).await
}

/// Households read per step when the index is built for a registry that predates it.
const BUILD_STEP: i64 = 50_000;

/// Builds the index once for a registry whose members were written before it existed.
pub(crate) async fn build_if_missing(tx: &mut Tx) -> Result<(), StorageError> {
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct Flags {
        members: i64,
        grams: i64,
        max_id: i64,
    }
    let flags: Vec<Flags> = fetch_all(
        tx,
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM members LIMIT 1) AS m) AS members, \
         (SELECT COUNT(*) FROM (SELECT 1 FROM name_grams LIMIT 1) AS g) AS grams, \
         (SELECT COALESCE(MAX(id), 0) FROM households) AS max_id",
        &[],
    )
    .await?;
    let Some(f) = flags.first() else {
        return Ok(());
    };
    if f.members == 0 || f.grams > 0 {
        return Ok(());
    }
    #[derive(sqlx::FromRow, serde::Deserialize)]
    struct Name {
        household_id: i64,
        name: String,
    }
    let mut from = 0;
    while from <= f.max_id {
        let names: Vec<Name> = fetch_all(
            tx,
            "SELECT household_id, name FROM members WHERE household_id > $1 AND household_id <= $2 \
             ORDER BY household_id",
            &[Value::I64(from), Value::I64(from + BUILD_STEP)],
        )
        .await?;
        let mut out = Vec::new();
        for group in names.chunk_by(|a, b| a.household_id == b.household_id) {
            out.extend(rows(group[0].household_id, group.iter().map(|n| &n.name)));
        }
        insert_rows(tx, "name_grams", COLUMNS, out).await?;
        from += BUILD_STEP;
    }
    Ok(())
}
