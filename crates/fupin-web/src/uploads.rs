//! Files uploaded on the console that wait for a second step: a department list for its column
//! mapping, a household sheet while its import runs. Each is held in memory under a random
//! token, is its uploader's alone (another user's token answers as unknown) and is forgotten an
//! hour after its last use, or when the total held passes a cap (oldest first). A restart
//! forgets them: the uploader sends the file again, and nothing was written meanwhile.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an upload waits for its next step.
pub const KEPT_FOR: Duration = Duration::from_secs(60 * 60);

/// The most bytes held at once, over all uploads.
pub const HELD_BYTES: usize = 512 * 1024 * 1024;

/// One held item and who may use it.
struct Held<T> {
    owner: String,
    size: usize,
    used: Instant,
    item: Arc<T>,
}

/// Items of one kind, by token.
pub struct Holder<T> {
    items: Mutex<HashMap<String, Held<T>>>,
    cap: usize,
}

impl<T> Default for Holder<T> {
    fn default() -> Self {
        Self::with_cap(HELD_BYTES)
    }
}

impl<T> Holder<T> {
    pub fn with_cap(cap: usize) -> Self {
        Self {
            items: Mutex::new(HashMap::new()),
            cap,
        }
    }

    /// Holds `item` (of `size` bytes) for `owner`; its token.
    pub fn put(&self, owner: &str, size: usize, item: T) -> String {
        // in the page's address: as unguessable as a session's
        let token = fupin_services::accounts::new_secret();
        let now = Instant::now();
        let mut items = self.items.lock().expect("uploads lock");
        items.retain(|_, h| now.duration_since(h.used) < KEPT_FOR);
        // the oldest go first while the new one would not fit
        while !items.is_empty() && items.values().map(|h| h.size).sum::<usize>() + size > self.cap {
            let oldest = items
                .iter()
                .min_by_key(|(_, h)| h.used)
                .map(|(t, _)| t.clone())
                .expect("not empty");
            items.remove(&oldest);
        }
        items.insert(
            token.clone(),
            Held {
                owner: owner.to_string(),
                size,
                used: now,
                item: Arc::new(item),
            },
        );
        token
    }

    /// The item under `token` if `owner` put it there and it is still held.
    pub fn get(&self, owner: &str, token: &str) -> Option<Arc<T>> {
        let mut items = self.items.lock().expect("uploads lock");
        let held = items.get_mut(token)?;
        if held.owner != owner || held.used.elapsed() >= KEPT_FOR {
            return None;
        }
        held.used = Instant::now();
        Some(held.item.clone())
    }

    /// Takes the item out (it is used up), if `owner` put it there.
    pub fn take(&self, owner: &str, token: &str) -> Option<Arc<T>> {
        let mut items = self.items.lock().expect("uploads lock");
        match items.get(token) {
            Some(h) if h.owner == owner && h.used.elapsed() < KEPT_FOR => {
                items.remove(token).map(|h| h.item)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_is_its_owners_alone_and_used_once() {
        let h: Holder<&str> = Holder::default();
        let token = h.put("a", 3, "abc");
        assert_eq!(token.len(), 64);
        assert!(
            h.get("b", &token).is_none(),
            "another user's token is unknown"
        );
        assert_eq!(h.get("a", &token).as_deref(), Some(&"abc"));
        assert!(h.take("b", &token).is_none());
        assert_eq!(h.take("a", &token).as_deref(), Some(&"abc"));
        assert!(h.take("a", &token).is_none(), "taken once");
    }

    #[test]
    fn the_oldest_go_when_the_cap_is_reached() {
        let h: Holder<u8> = Holder::with_cap(10);
        let first = h.put("a", 6, 1);
        let second = h.put("a", 4, 2);
        let third = h.put("a", 5, 3);
        assert!(h.get("a", &first).is_none(), "dropped for the third");
        assert!(h.get("a", &second).is_some() && h.get("a", &third).is_some());
    }
}
