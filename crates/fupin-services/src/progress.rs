//! Progress of long jobs, reported to whatever the caller shows (a terminal bar, a log).

/// Receives progress in rows. Implementations must be cheap: `advance` is called per chunk.
pub trait Progress: Sync {
    /// The job starts; `total` rows when known.
    fn start(&self, total: Option<u64>);
    fn advance(&self, rows: u64);
    fn finish(&self);
}

/// Shows nothing (tests, the demo's background load).
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
