//! The comprehensive query (综合查询) over the registry: a search key (ID number or its tail,
//! phone, household number, part of a name) and filters, inside the viewer's jurisdiction,
//! sorted and paged. Each key reads an index: `members.id_number`, `id_tails`,
//! `households_phone`, `households.number`, `name_grams`.

use fupin_core::CodeList;
use fupin_core::access::Scope;
use fupin_core::search::{HouseholdQuery, SearchKey, SortKey, clean_name, name_grams};

use crate::registry::{HouseholdListItem, LIST_SELECT};
use crate::sql::{Value, fetch_all};
use crate::{Db, StorageError, scope};

/// Results counted at most: beyond this a page says "more than".
pub const COUNT_CAP: i64 = 10_000;

/// One page of results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub items: Vec<SearchHit>,
    /// Matching households, up to [`COUNT_CAP`].
    pub total: i64,
    /// Whether more than [`COUNT_CAP`] match.
    pub capped: bool,
}

/// A household found, with the member the key matched (for keys that name a person).
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub household: HouseholdListItem,
    pub matched: Option<MatchedMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Deserialize)]
pub struct MatchedMember {
    pub household_id: i64,
    pub name: String,
    pub relation: String,
    pub id_number: String,
}

/// SQL parameters numbered as they are added.
#[derive(Default)]
struct Params(Vec<Value>);

impl Params {
    fn add(&mut self, v: Value) -> String {
        self.0.push(v);
        format!("${}", self.0.len())
    }
}

/// The conditions on `households h` that `query` adds (the jurisdiction comes separately).
fn conditions(query: &HouseholdQuery, p: &mut Params) -> Vec<String> {
    let mut out = Vec::new();
    match &query.key {
        None => {}
        Some(SearchKey::IdNumber(id)) => out.push(format!(
            "h.id IN (SELECT household_id FROM members WHERE id_number = {})",
            p.add(Value::Text(id.clone()))
        )),
        Some(SearchKey::IdTail(tail)) => {
            let last4 = tail[tail.len() - 4..].to_string();
            // the households with an ID number ending so (`id_tails`), then one member's whole tail
            out.push(format!(
                "h.id IN (SELECT household_id FROM id_tails WHERE tail = {})",
                p.add(Value::Text(last4))
            ));
            out.push(format!(
                "EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id AND m.id_number LIKE {})",
                p.add(Value::Text(format!("%{tail}")))
            ));
        }
        Some(SearchKey::Phone(phone)) => {
            out.push(format!("h.phone = {}", p.add(Value::Text(phone.clone()))))
        }
        // a range on the unique index of households.number (digits sort before '~')
        Some(SearchKey::HouseholdNumber(prefix)) => out.push(format!(
            "h.number >= {} AND h.number < {}",
            p.add(Value::Text(prefix.clone())),
            p.add(Value::Text(format!("{prefix}~")))
        )),
        Some(SearchKey::Name(name)) => {
            let grams: Vec<String> = name_grams(name).into_iter().collect();
            let list: Vec<String> = grams
                .iter()
                .map(|g| p.add(Value::Text(g.clone())))
                .collect();
            // every piece present in the household, then one member's name holding the whole
            out.push(format!(
                "h.id IN (SELECT household_id FROM name_grams WHERE gram IN ({}) \
                 GROUP BY household_id HAVING COUNT(*) = {})",
                list.join(", "),
                grams.len()
            ));
            out.push(format!(
                "EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id AND {} LIKE {})",
                NAME_CLEANED,
                p.add(Value::Text(format!("%{name}%")))
            ));
        }
    }
    if let Some(area) = &query.area {
        let (lo, hi) = area.descendant_range();
        out.push(format!(
            "h.village_code BETWEEN {} AND {}",
            p.add(Value::Text(lo)),
            p.add(Value::Text(hi))
        ));
    }
    if let Some(s) = query.status {
        out.push(format!(
            "h.status = {}",
            p.add(Value::Text(s.code().into()))
        ));
    }
    if let Some(a) = query.attribute {
        out.push(format!(
            "h.attribute = {}",
            p.add(Value::Text(a.code().into()))
        ));
    }
    if let Some(c) = query.cause {
        out.push(format!(
            "(h.main_cause = {} OR ',' || h.other_causes || ',' LIKE {})",
            p.add(Value::Text(c.code().into())),
            p.add(Value::Text(format!("%,{},%", c.code())))
        ));
    }
    if let Some(y) = query.registered_year {
        out.push(format!("h.registered_year = {}", p.add(Value::I32(y))));
    }
    if let Some(y) = query.exit_year {
        out.push(format!("h.exit_year = {}", p.add(Value::I32(y))));
    }
    if let Some(user) = query.helper {
        out.push(format!(
            "h.id IN (SELECT household_id FROM pairings WHERE helper_id = {} AND ended_on IS NULL)",
            p.add(Value::I64(user))
        ));
    }
    if query.monitored {
        out.push("h.monitoring IS NOT NULL".into());
    }
    if query.poor {
        // the statuses the area figures count as poor, one definition
        let poor: Vec<String> = fupin_core::codes::HouseholdStatus::ALL
            .iter()
            .filter(|s| s.is_poor())
            .map(|s| p.add(Value::Text(s.code().into())))
            .collect();
        out.push(format!("h.status IN ({})", poor.join(", ")));
    }
    out
}

/// A member's name with the separators `clean_name` drops (the middle dot of transcribed names).
const NAME_CLEANED: &str = "replace(replace(m.name, '·', ''), ' ', '')";

fn order_by(query: &HouseholdQuery) -> String {
    let dir = if query.descending { "DESC" } else { "ASC" };
    match query.sort {
        SortKey::Number => format!("h.number {dir}"),
        SortKey::Village => format!("h.village_code {dir}, h.number"),
        SortKey::Members => format!("h.member_count {dir}, h.number"),
        SortKey::Status => format!("h.status {dir}, h.number"),
        SortKey::Registered => format!("h.registered_year {dir}, h.number"),
    }
}

impl Db {
    /// A page of the households `query` finds inside `scope`, with the number found.
    pub async fn find_households(
        &self,
        scope: &Scope,
        query: &HouseholdQuery,
        offset: i64,
        limit: i64,
    ) -> Result<SearchPage, StorageError> {
        let mut p = Params::default();
        let mut conds = conditions(query, &mut p);
        conds.push(scope::households(scope, "h."));
        let filter = conds.join(" AND ");
        let mut tx = self.reader().await?;
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct Count {
            n: i64,
        }
        let counted: Vec<Count> = fetch_all(
            &mut tx,
            &format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM households h WHERE {filter} LIMIT {}) AS found",
                COUNT_CAP + 1
            ),
            &p.0,
        )
        .await?;
        let n = counted.first().map_or(0, |c| c.n);
        let count_args = p.0.len();
        let sql = format!(
            "{LIST_SELECT} WHERE {filter} ORDER BY {} LIMIT {} OFFSET {}",
            order_by(query),
            p.add(Value::I64(limit)),
            p.add(Value::I64(offset))
        );
        debug_assert_eq!(p.0.len(), count_args + 2);
        let items: Vec<HouseholdListItem> = fetch_all(&mut tx, &sql, &p.0).await?;
        let matched = match &query.key {
            Some(key @ (SearchKey::IdNumber(_) | SearchKey::IdTail(_) | SearchKey::Name(_))) => {
                let ids: Vec<i64> = items.iter().map(|h| h.id).collect();
                let members: Vec<MatchedMember> = if ids.is_empty() {
                    Vec::new()
                } else {
                    let args: Vec<Value> = ids.iter().map(|i| Value::I64(*i)).collect();
                    fetch_all(
                        &mut tx,
                        &format!(
                            "SELECT household_id, name, relation, id_number FROM members \
                             WHERE household_id IN ({}) ORDER BY household_id, seq",
                            crate::rows::placeholders(args.len())
                        ),
                        &args,
                    )
                    .await?
                };
                members.into_iter().filter(|m| matches(key, m)).collect()
            }
            _ => Vec::new(),
        };
        Ok(SearchPage {
            items: items
                .into_iter()
                .map(|household| SearchHit {
                    matched: matched
                        .iter()
                        .find(|m| m.household_id == household.id)
                        .cloned(),
                    household,
                })
                .collect(),
            total: n.min(COUNT_CAP),
            capped: n > COUNT_CAP,
        })
    }
}

/// Whether a member is the person a key names (the database found the household; this picks
/// the member to show).
fn matches(key: &SearchKey, m: &MatchedMember) -> bool {
    match key {
        SearchKey::IdNumber(id) => m.id_number == *id,
        SearchKey::IdTail(tail) => m.id_number.ends_with(tail.as_str()),
        SearchKey::Name(name) => clean_name(&m.name).contains(name.as_str()),
        SearchKey::Phone(_) | SearchKey::HouseholdNumber(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_number_their_parameters_in_order() {
        let q = HouseholdQuery {
            key: Some(SearchKey::Name("王小明".into())),
            status: Some(fupin_core::codes::HouseholdStatus::Poor),
            ..Default::default()
        };
        let mut p = Params::default();
        let c = conditions(&q, &mut p).join(" AND ");
        assert!(
            c.contains("gram IN ($1, $2)") && c.contains("COUNT(*) = 2"),
            "{c}"
        );
        assert!(c.contains("LIKE $3") && c.contains("h.status = $4"), "{c}");
        assert_eq!(p.0.len(), 4);
        assert_eq!(p.0[2], Value::Text("%王小明%".into()));
    }
}
