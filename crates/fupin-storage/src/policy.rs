//! Policy parameters: the shipped national defaults are seeded on migration; deployments add
//! their own rows (a province's line, a county's notice period).

use fupin_core::AreaCode;
use fupin_core::policy::{Evidence, PolicyKey, PolicyParam, PolicySet, default_params};

use crate::sql::{Value, execute, fetch_all};
use crate::{Db, StorageError, Tx};

const NATIONAL: &str = "CN";

#[derive(sqlx::FromRow, serde::Deserialize)]
struct ParamRow {
    key: String,
    region: String,
    year_from: i32,
    value: i64,
    evidence: String,
    source: String,
    note: String,
}

/// Inserts the shipped defaults that are not there yet; existing rows (perhaps edited by a
/// deployment) are left alone.
pub(crate) async fn seed_defaults(db: &Db) -> Result<(), StorageError> {
    let mut tx = db.begin().await?;
    for p in default_params() {
        upsert(&mut tx, &p, false).await?;
    }
    tx.commit().await
}

async fn upsert(tx: &mut crate::Tx, p: &PolicyParam, replace: bool) -> Result<(), StorageError> {
    let sql = if replace {
        "INSERT INTO policy_params (key, region, year_from, value, evidence, source, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key, region, year_from) DO UPDATE SET \
         value = excluded.value, evidence = excluded.evidence, source = excluded.source, note = excluded.note"
    } else {
        "INSERT INTO policy_params (key, region, year_from, value, evidence, source, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key, region, year_from) DO NOTHING"
    };
    execute(
        tx,
        sql,
        &[
            Value::Text(p.key.code().into()),
            Value::Text(
                p.region
                    .as_ref()
                    .map_or(NATIONAL.to_string(), |r| r.to_string()),
            ),
            Value::I32(p.year_from),
            Value::I64(p.value),
            Value::Text(p.evidence.code().into()),
            Value::Text(p.source.clone()),
            Value::Text(p.note.clone()),
        ],
    )
    .await?;
    Ok(())
}

impl Db {
    /// Every parameter row, as a set to resolve against.
    pub async fn policy(&self) -> Result<PolicySet, StorageError> {
        self.reader().await?.policy().await
    }

    /// Adds or replaces one parameter row.
    pub async fn set_policy(&self, p: &PolicyParam) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        upsert(&mut tx, p, true).await?;
        tx.commit().await
    }
}

/// The reads above inside a caller's transaction (one snapshot for several sections).
impl Tx {
    /// [`Db::policy`] inside this transaction.
    pub async fn policy(&mut self) -> Result<PolicySet, StorageError> {
        let rows: Vec<ParamRow> = fetch_all(
            self,
            "SELECT key, region, year_from, value, evidence, source, note FROM policy_params \
             ORDER BY key, region, year_from",
            &[],
        )
        .await?;
        let corrupt = |what: &str, v: &str| StorageError::Corrupt(format!("policy {what} {v:?}"));
        let params = rows
            .into_iter()
            .map(|r| {
                Ok(PolicyParam {
                    key: PolicyKey::parse(&r.key).ok_or_else(|| corrupt("key", &r.key))?,
                    region: match r.region.as_str() {
                        NATIONAL => None,
                        code => Some(AreaCode::parse(code).map_err(|_| corrupt("region", code))?),
                    },
                    year_from: r.year_from,
                    value: r.value,
                    evidence: Evidence::parse(&r.evidence)
                        .ok_or_else(|| corrupt("evidence", &r.evidence))?,
                    source: r.source,
                    note: r.note,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        Ok(PolicySet::new(params))
    }
}
