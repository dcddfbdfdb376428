//! Globally unique resident ID numbers.
//!
//! A number is fixed by (address code, birth date, sequence, sex) and `IdNumber::compose`
//! offers 500 sequences per sex for one address and day. Random sequences would collide
//! (tens of people share a county and birthday at a million households), so sequences are
//! handed out by a counter per (address, day, sex), spread over 0..500 by a fixed permutation
//! so they do not all start at 000. This is the generator's only sequential state.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use fupin_core::IdNumber;
use fupin_core::codes::Sex;

use super::pick::mix;

const SEQUENCES: u16 = 500;
/// Coprime with 500, so `(k * STRIDE + offset) % 500` visits every sequence once.
const STRIDE: u32 = 193;

#[derive(Default)]
pub struct IdAllocator {
    used: HashMap<u64, u16>,
}

impl IdAllocator {
    /// A new number for a person of `sex` born on `birth`, registered under `address6`
    /// (`address_key` identifies that code compactly). When all 500 sequences of the day are
    /// taken, the birth date moves one day earlier, so the returned date may differ.
    pub fn allocate(
        &mut self,
        address6: &str,
        address_key: u32,
        mut birth: NaiveDate,
        sex: Sex,
    ) -> (IdNumber, NaiveDate) {
        loop {
            let key = (u64::from(address_key) << 33)
                | ((birth.num_days_from_ce() as u64) << 1)
                | u64::from(sex == Sex::Male);
            let count = self.used.entry(key).or_insert(0);
            if *count < SEQUENCES {
                let offset = (mix(key) % u64::from(SEQUENCES)) as u32;
                let seq = (u32::from(*count) * STRIDE + offset) % u32::from(SEQUENCES);
                *count += 1;
                return (IdNumber::compose(address6, birth, seq as u16, sex), birth);
            }
            birth = birth
                .pred_opt()
                .expect("birth dates are far from the calendar's start");
        }
    }
}
