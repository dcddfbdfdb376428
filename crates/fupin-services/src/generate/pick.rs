//! Small random helpers shared by the generator: weighted choice over static tables, a cheap
//! normal deviate, per-stream seeding and rounding for values that must round-trip through CSV.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Picks a value from `(value, weight)` pairs; weights need not sum to anything in particular.
pub fn pick<T: Copy>(rng: &mut impl Rng, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|e| e.1).sum();
    let mut x = rng.random_range(0..total.max(1));
    for &(value, weight) in table {
        if x < weight {
            return value;
        }
        x -= weight;
    }
    table[table.len() - 1].0
}

/// Index of a choice among float weights (all zero picks the last).
pub fn pick_index(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Uniform in `[lo, hi)`.
pub fn uniform(rng: &mut impl Rng, lo: f64, hi: f64) -> f64 {
    lo + rng.random::<f64>() * (hi - lo)
}

/// Approximately standard normal (Irwin-Hall of four uniforms, rescaled): cheap, bounded at
/// ±3.5, which is all the geography needs.
pub fn normal(rng: &mut impl Rng) -> f64 {
    let s: f64 = (0..4).map(|_| rng.random::<f64>()).sum();
    (s - 2.0) * 3f64.sqrt()
}

/// SplitMix64 finaliser: decorrelates nearby seeds before they key a ChaCha stream.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Independent random stream `index` of purpose `domain` for `seed`.
pub fn stream(seed: u64, domain: u64, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(mix(seed ^ mix(domain)) ^ index))
}

/// Rounds to `decimals` places so that the shortest decimal form has at most that many.
pub fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}
