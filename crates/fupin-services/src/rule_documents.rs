//! The rule documents pages read — scorecards and measure catalogues — parsed once per text,
//! not once per page (the default catalogue is 51 KB of TOML).
//!
//! A stored version never changes its text (`Db::store_document` refuses another text under a
//! taken version), but the cache does not rely on it: it is keyed by version and holds the
//! text it parsed, which a hit must equal (one comparison, far cheaper than parsing). Reads
//! take the caller's transaction, so that a page sees the documents of its own snapshot.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use anyhow::Result;
use fupin_core::assessment::index::Card;
use fupin_core::measures::Catalogue;
use fupin_storage::{DocumentKind, Tx};

/// Parsed texts by version (a few at a time; a full cache is emptied and starts again).
struct Parsed<T> {
    by_version: Mutex<HashMap<String, (String, Arc<T>)>>,
}

impl<T> Parsed<T> {
    const MOST: usize = 16;

    fn new() -> Self {
        Self {
            by_version: Mutex::new(HashMap::new()),
        }
    }

    /// `text` (stored under `version`) parsed, from the cache when it parsed the same text.
    fn get<E>(
        &self,
        version: &str,
        text: String,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        if let Some((cached, parsed)) = self.lock().get(version)
            && *cached == text
        {
            return Ok(parsed.clone());
        }
        let parsed = Arc::new(parse(&text)?);
        let mut map = self.lock();
        if map.len() >= Self::MOST {
            map.clear();
        }
        map.insert(version.to_string(), (text, parsed.clone()));
        Ok(parsed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Arc<T>)>> {
        // a panic while holding it cannot leave a half-written entry: use what is there
        self.by_version
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

static CARDS: LazyLock<Parsed<Card>> = LazyLock::new(Parsed::new);
static CATALOGUES: LazyLock<Parsed<Catalogue>> = LazyLock::new(Parsed::new);

/// The scorecard stored under `version` (`None` when there is none).
pub async fn scorecard(tx: &mut Tx, version: &str) -> Result<Option<Arc<Card>>> {
    let Some(doc) = tx.document(DocumentKind::Scorecard, version).await? else {
        return Ok(None);
    };
    Ok(Some(CARDS.get(&doc.version, doc.body, Card::parse)?))
}

/// The measure catalogue stored under `version` (`None` when there is none, or its text no
/// longer parses).
pub async fn catalogue(tx: &mut Tx, version: &str) -> Result<Option<Arc<Catalogue>>> {
    let Some(doc) = tx.document(DocumentKind::MeasureCatalogue, version).await? else {
        return Ok(None);
    };
    Ok(CATALOGUES
        .get(&doc.version, doc.body, Catalogue::from_toml)
        .ok())
}

/// The catalogue in force: the one loaded last, else the shipped default.
pub async fn catalogue_in_force(tx: &mut Tx) -> Result<Arc<Catalogue>> {
    let (version, text) = match tx.current_document(DocumentKind::MeasureCatalogue).await? {
        Some(doc) => (doc.version, doc.body),
        None => (
            String::new(),
            fupin_core::measures::catalogue::DEFAULT_CATALOGUE.to_string(),
        ),
    };
    Ok(CATALOGUES.get(&version, text, Catalogue::from_toml)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_parsed_once_and_another_text_under_the_same_version_again() {
        let cache: Parsed<usize> = Parsed::new();
        let mut parses = 0;
        let mut parse = |t: &str| -> Result<usize, ()> {
            parses += 1;
            Ok(t.len())
        };
        assert_eq!(*cache.get("v1", "abc".into(), &mut parse).unwrap(), 3);
        assert_eq!(*cache.get("v1", "abc".into(), &mut parse).unwrap(), 3);
        assert_eq!(*cache.get("v1", "abcd".into(), &mut parse).unwrap(), 4);
        assert_eq!(parses, 2);
        assert!(
            cache
                .get("v2", "x".into(), |_| Err::<usize, _>(()))
                .is_err()
        );
    }
}
