//! The search's own indexes, written with the members so that a search reads a few entries
//! instead of every member:
//! - `name_grams`: the two-character pieces of members' names (`fupin_core::search::name_grams`),
//!   for a search by part of a name;
//! - `id_tails`: the last four characters of members' ID numbers, for a search by the end of one.
//!
//! Each table is its own key, (key, household), clustered that way on SQLite (`WITHOUT ROWID`),
//! with no second index by household and no reference to it. Entries are gathered in memory
//! ([`Pending`]) and written in the key's order when the writer commits, so that they fill the
//! tables' pages one after another: sorted in Rust and appended, they take a fraction of what
//! SQLite took to build indexes over them (BENCHMARKS.md). A household's entries are found
//! again from its members' former names and ID numbers ([`replace`]).

use std::collections::BTreeSet;

use fupin_core::Household;
use fupin_core::search::name_grams;

use crate::bulk::insert_rows;
use crate::rows::placeholders;
use crate::sql::{Value, execute, fetch_all};
use crate::{StorageError, Tx};

/// A key of up to `N` characters, ordered as the databases order its text: code point order is
/// UTF-8 byte order, and `None` (no further character) sorts before every character, as a
/// shorter text sorts before the longer ones it starts. 4·N bytes, so a province's 5.7 million
/// name pieces fit in about 90 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key<const N: usize>([Option<char>; N]);

impl<const N: usize> Key<N> {
    fn new(text: &str) -> Self {
        let mut chars = text.chars();
        let key = Self(std::array::from_fn(|_| chars.next()));
        debug_assert!(chars.next().is_none(), "{text:?} is longer than {N}");
        key
    }

    fn text(self) -> String {
        self.0.iter().flatten().collect()
    }
}

/// The two-character pieces of these names.
fn pieces<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> BTreeSet<String> {
    names
        .into_iter()
        .flat_map(|n| name_grams(n.as_ref()))
        .collect()
}

/// The last four characters of these ID numbers, as the search looks them up (`substr(id, 15, 4)`).
fn tails<S: AsRef<str>>(ids: impl IntoIterator<Item = S>) -> BTreeSet<String> {
    ids.into_iter()
        .map(|id| id.as_ref().chars().skip(14).take(4).collect::<String>())
        .filter(|t| !t.is_empty())
        .collect()
}

/// One of the two tables: its name and its key column.
struct Table {
    name: &'static str,
    key: &'static str,
}

const NAMES: Table = Table {
    name: "name_grams",
    key: "gram",
};
const TAILS: Table = Table {
    name: "id_tails",
    key: "tail",
};

/// Entries per statement batch when pending entries are written.
const WRITE_STEP: usize = 50_000;

impl Table {
    /// Writes `entries` in the table's key order.
    async fn append<const N: usize>(
        &self,
        tx: &mut Tx,
        entries: Sorted<N>,
    ) -> Result<(), StorageError> {
        let Sorted(entries) = entries;
        let columns = ["household_id", self.key];
        for step in entries.chunks(WRITE_STEP) {
            let rows = step
                .iter()
                .map(|&(k, id)| vec![Value::I64(id), Value::Text(k.text())])
                .collect();
            insert_rows(tx, self.name, &columns, rows).await?;
        }
        Ok(())
    }

    /// Deletes one household's entries of these keys.
    async fn delete(
        &self,
        tx: &mut Tx,
        id: i64,
        keys: BTreeSet<String>,
    ) -> Result<(), StorageError> {
        if keys.is_empty() {
            return Ok(());
        }
        let n = keys.len();
        let mut args: Vec<Value> = keys.into_iter().map(Value::Text).collect();
        args.push(Value::I64(id));
        let sql = format!(
            "DELETE FROM {} WHERE {} IN ({}) AND household_id = ${}",
            self.name,
            self.key,
            placeholders(n),
            n + 1
        );
        execute(tx, &sql, &args).await?;
        Ok(())
    }
}

/// Index entries not yet written, as (key, household).
#[derive(Debug, Default)]
pub(crate) struct Pending {
    pieces: Vec<(Key<2>, i64)>,
    tails: Vec<(Key<4>, i64)>,
}

impl Pending {
    /// Adds the entries of one household's members' names.
    fn add_names<S: AsRef<str>>(&mut self, id: i64, names: impl IntoIterator<Item = S>) {
        self.pieces
            .extend(pieces(names).iter().map(|g| (Key::new(g), id)));
    }

    pub(crate) fn add_household(&mut self, id: i64, h: &Household) {
        self.add_names(id, h.members.iter().map(|m| m.name.as_str()));
        self.tails.extend(
            tails(h.members.iter().map(|m| m.id_number.as_str()))
                .iter()
                .map(|t| (Key::new(t), id)),
        );
    }

    /// Writes the entries in the indexes' order and empties the buffer.
    pub(crate) async fn write(&mut self, tx: &mut Tx) -> Result<(), StorageError> {
        self.sorted().write(tx).await
    }

    /// Empties the buffer into its entries sorted.
    fn sorted(&mut self) -> SortedPending {
        SortedPending {
            pieces: Sorted::of(std::mem::take(&mut self.pieces)),
            tails: Sorted::of(std::mem::take(&mut self.tails)),
        }
    }

    /// Empties the buffer and sorts its entries: on tokio's blocking threads when there are
    /// many (an import's: 1.8 million for 200,000 households), so that the writer can issue
    /// codes and build indexes meanwhile.
    pub(crate) fn sort_aside(&mut self) -> Sorting {
        if self.pieces.len() + self.tails.len() < SORT_ASIDE_FROM {
            return Sorting(SortingState::Done(self.sorted()));
        }
        let mut mine = std::mem::take(self);
        Sorting(SortingState::Aside(tokio::task::spawn_blocking(
            move || mine.sorted(),
        )))
    }
}

/// Entries from which on [`Pending::sort_aside`] sorts on a thread of its own.
const SORT_ASIDE_FROM: usize = 100_000;

/// Entries in key order, without repeats.
struct Sorted<const N: usize>(Vec<(Key<N>, i64)>);

impl<const N: usize> Sorted<N> {
    fn of(mut entries: Vec<(Key<N>, i64)>) -> Self {
        entries.sort_unstable();
        entries.dedup();
        Sorted(entries)
    }
}

/// Both tables' entries, sorted.
struct SortedPending {
    pieces: Sorted<2>,
    tails: Sorted<4>,
}

impl SortedPending {
    async fn write(self, tx: &mut Tx) -> Result<(), StorageError> {
        NAMES.append(tx, self.pieces).await?;
        TAILS.append(tx, self.tails).await
    }
}

/// Entries being sorted ([`Pending::sort_aside`]).
pub(crate) struct Sorting(SortingState);

enum SortingState {
    Done(SortedPending),
    Aside(tokio::task::JoinHandle<SortedPending>),
}

impl Sorting {
    /// Writes the entries once sorted.
    pub(crate) async fn write(self, tx: &mut Tx) -> Result<(), StorageError> {
        let sorted = match self.0 {
            SortingState::Done(sorted) => sorted,
            SortingState::Aside(sorting) => sorting.await.expect("sorting entries does not panic"),
        };
        sorted.write(tx).await
    }
}

/// What a household's members were, to find their entries again: (name, ID number).
pub(crate) type FormerMembers = [(String, String)];

/// Replaces one household's entries: those of its former members go, those of `new`'s
/// members come. Any pending entries must have been written first.
pub(crate) async fn replace(
    tx: &mut Tx,
    id: i64,
    former: &FormerMembers,
    new: &Household,
) -> Result<(), StorageError> {
    NAMES
        .delete(tx, id, pieces(former.iter().map(|(name, _)| name)))
        .await?;
    TAILS
        .delete(tx, id, tails(former.iter().map(|(_, id_number)| id_number)))
        .await?;
    let mut pending = Pending::default();
    pending.add_household(id, new);
    pending.write(tx).await
}

/// Households read per step when the name index is built for a registry that predates it.
const BUILD_STEP: i64 = 50_000;

/// Builds the name index once for a registry whose members were written before it existed
/// (the ID-number tails were filled by the migration that made their table).
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
    let mut pending = Pending::default();
    let mut from = 0;
    while from <= f.max_id {
        let names: Vec<Name> = fetch_all(
            tx,
            "SELECT household_id, name FROM members WHERE household_id > $1 AND household_id <= $2 \
             ORDER BY household_id",
            &[Value::I64(from), Value::I64(from + BUILD_STEP)],
        )
        .await?;
        for group in names.chunk_by(|a, b| a.household_id == b.household_id) {
            pending.add_names(group[0].household_id, group.iter().map(|n| &n.name));
        }
        from += BUILD_STEP;
    }
    pending.write(tx).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys must reach the database in its order, or the append becomes random inserts.
    fn sorts_as_text<const N: usize>(texts: &[&str]) {
        let mut as_text: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
        as_text.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let mut keys: Vec<Key<N>> = as_text.iter().map(|t| Key::new(t)).collect();
        keys.sort();
        let back: Vec<String> = keys.into_iter().map(Key::text).collect();
        assert_eq!(back, as_text);
    }

    #[test]
    fn keys_sort_as_the_database_sorts_their_text() {
        sorts_as_text::<2>(&["小明", "小", "a", "ab", "芳", "阿依", "Z", "𠀀x", "é", "e"]);
        sorts_as_text::<4>(&["1234", "123X", "0001", "9", "12", "X123"]);
    }

    #[test]
    fn tails_are_the_characters_the_search_reads() {
        let t = tails(["11010519491231002X", "110105194912310031", "short"]);
        assert_eq!(t.into_iter().collect::<Vec<_>>(), vec!["002X", "0031"]);
    }
}
