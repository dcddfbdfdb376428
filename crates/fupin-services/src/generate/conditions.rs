//! Production and living conditions (生产生活条件) and contact details of a household.

use fupin_core::Conditions;
use fupin_core::codes::{Cause, HouseGrade, HouseStructure, WaterSource};
use rand::Rng;

use super::pick::{pick, round_to, uniform};
use super::region::Region;

/// What the conditions depend on besides the region.
pub struct Situation {
    pub size: usize,
    pub main_cause: Cause,
    /// Still poor (or back in poverty) at the last year: houses and water not yet fixed.
    pub poor_now: bool,
    pub last_year: i32,
}

pub fn conditions(rng: &mut impl Rng, region: &Region, s: &Situation) -> Conditions {
    let relocated = rng.random_bool(region.relocation_rate);
    let (arable, irrigated) = land(rng, region, s);
    let forest = if rng.random_bool(0.2) {
        0.0
    } else {
        round_to(region.forest_mu * uniform(rng, 0.0, 2.0), 1)
    };
    let mut c = Conditions {
        arable_land_mu: arable,
        irrigated_land_mu: irrigated,
        forest_land_mu: forest,
        relocated,
        electricity: rng.random_bool(if s.poor_now { 0.985 } else { 0.997 }),
        cooking_fuel: Some(pick(rng, region.fuels)),
        road_distance_km: road_distance(rng, region, s, relocated),
        ..Conditions::default()
    };
    house(rng, region, s, &mut c);
    water(rng, region, s, &mut c);
    c
}

fn land(rng: &mut impl Rng, region: &Region, s: &Situation) -> (f64, f64) {
    let mut arable = if rng.random_bool(0.06) {
        uniform(rng, 0.0, 0.5)
    } else {
        region.arable_mu * (s.size as f64 / 3.0).powf(0.6) * uniform(rng, 0.3, 1.7)
    };
    if s.main_cause == Cause::LackLand {
        arable *= 0.3;
    }
    let arable = round_to(arable.min(10.0), 1);
    let irrigated = round_to(arable * region.irrigated_share * uniform(rng, 0.4, 1.4), 1);
    (arable, irrigated.min(arable))
}

fn road_distance(rng: &mut impl Rng, region: &Region, s: &Situation, relocated: bool) -> f64 {
    if relocated {
        // resettlement sites are built along roads
        return round_to(uniform(rng, 0.0, 0.3), 1);
    }
    let mean = region.road_km
        * if s.main_cause == Cause::PoorTransport {
            2.0
        } else {
            1.0
        };
    let exponential = -(1.0 - rng.random::<f64>()).ln() * mean;
    round_to(exponential.min(10.0), 1)
}

/// Area, structure, year and grade. About 2% have no house of their own (area 0, no details).
/// Relocated households live in new resettlement flats of ~20-25 m² a person.
fn house(rng: &mut impl Rng, region: &Region, s: &Situation, c: &mut Conditions) {
    if !c.relocated && rng.random_bool(0.02) {
        return;
    }
    let latest = s.last_year.min(2020);
    if c.relocated {
        c.housing_area_m2 = round_to(s.size as f64 * uniform(rng, 18.0, 25.0), 1);
        c.house_structure = Some(pick(
            rng,
            &[
                (HouseStructure::BrickConcrete, 60),
                (HouseStructure::Concrete, 40),
            ],
        ));
        c.house_built_year = Some(rng.random_range(2016..=latest));
        c.house_grade = Some(HouseGrade::A);
        return;
    }
    let structure = pick(rng, region.structures);
    let area = uniform(rng, 35.0, 110.0) + s.size as f64 * uniform(rng, 5.0, 15.0);
    c.housing_area_m2 = round_to(area.clamp(20.0, 200.0), 1);
    c.house_structure = Some(structure);
    // dangerous-house renovation (危房改造) rebuilt many houses in 2015-2020
    let rebuilt = rng.random_bool(if s.poor_now { 0.1 } else { 0.22 });
    let (from, to) = match structure {
        _ if rebuilt => (2015, latest),
        HouseStructure::Concrete => (1995, 2014),
        HouseStructure::BrickConcrete => (1985, 2014),
        HouseStructure::BrickWood => (1965, 2008),
        HouseStructure::CaveBrick | HouseStructure::Earth => (1950, 1995),
        HouseStructure::Other => (1960, 2010),
    };
    c.house_built_year = Some(rng.random_range(from..=to));
    c.house_grade = Some(grade(rng, s.poor_now, rebuilt, structure));
}

/// Exit required a safe (A/B) house, so dangerous grades remain only with poor households.
fn grade(rng: &mut impl Rng, poor_now: bool, rebuilt: bool, s: HouseStructure) -> HouseGrade {
    use HouseGrade::*;
    let old_style = matches!(
        s,
        HouseStructure::Earth | HouseStructure::CaveBrick | HouseStructure::Other
    );
    let table: &[(HouseGrade, u32)] = match (poor_now, rebuilt, old_style) {
        (_, true, _) => &[(A, 75), (B, 25)],
        (true, _, _) => &[(A, 30), (B, 45), (C, 18), (D, 7)],
        (false, _, true) => &[(A, 15), (B, 82), (C, 3)],
        (false, _, false) => &[(A, 52), (B, 47), (C, 1)],
    };
    pick(rng, table)
}

fn water(rng: &mut impl Rng, region: &Region, s: &Situation, c: &mut Conditions) {
    const DRY: &[(WaterSource, u32)] = &[
        (WaterSource::ProtectedWell, 40),
        (WaterSource::UnprotectedWell, 25),
        (WaterSource::Rain, 20),
        (WaterSource::TreatedTap, 15),
    ];
    let table = if s.main_cause == Cause::LackWater {
        DRY
    } else {
        region.water
    };
    let source = pick(rng, table);
    let unreliable = matches!(
        source,
        WaterSource::UnprotectedWell | WaterSource::River | WaterSource::Rain | WaterSource::Other
    );
    c.water_source = Some(source);
    c.water_difficult = rng.random_bool(if unreliable { 0.25 } else { 0.02 });
    let safe_share = match source {
        WaterSource::TreatedTap | WaterSource::Bottled => 0.99,
        WaterSource::ProtectedWell => 0.96,
        WaterSource::UnprotectedWell | WaterSource::Other => 0.65,
        WaterSource::River | WaterSource::Rain => 0.45,
    };
    c.water_safe = rng.random_bool(safe_share);
}

/// 联系电话: an 11-digit mobile number, or empty (old people often have none).
pub fn phone(rng: &mut impl Rng, elderly_alone: bool) -> String {
    const PREFIXES: &[(&str, u32)] = &[("13", 45), ("15", 25), ("18", 18), ("17", 6), ("19", 6)];
    if !rng.random_bool(if elderly_alone { 0.55 } else { 0.9 }) {
        return String::new();
    }
    let mut s = String::with_capacity(11);
    s.push_str(pick(rng, PREFIXES));
    while s.len() < 11 {
        s.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    s
}

/// 开户银行 and 银行账号 (a 19-digit card number with a valid Luhn digit), or both empty.
pub fn bank(rng: &mut impl Rng, region: &Region) -> (String, String) {
    if !rng.random_bool(0.9) {
        return (String::new(), String::new());
    }
    let (name, bin) = pick(
        rng,
        &[
            ((region.rural_bank, "621779"), 50),
            (("中国农业银行", "622848"), 20),
            (("中国邮政储蓄银行", "621799"), 20),
            (("中国建设银行", "621700"), 5),
            (("中国工商银行", "622202"), 5),
        ],
    );
    let mut digits: Vec<u8> = bin.bytes().map(|b| b - b'0').collect();
    while digits.len() < 18 {
        digits.push(rng.random_range(0..10));
    }
    digits.push(luhn_digit(&digits));
    let account = digits.iter().map(|d| char::from(b'0' + d)).collect();
    (name.to_string(), account)
}

/// The check digit that makes `payload` + digit pass the Luhn test.
fn luhn_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::luhn_digit;

    #[test]
    fn luhn_check_digit() {
        // 7992739871 → 3 (the textbook example)
        assert_eq!(luhn_digit(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1]), 3);
    }
}
