//! Regional profiles: what differs between the seed's provinces (ethnic mix, land, housing,
//! fuel, water, relocation, timing of exits). Chosen by the county's code prefix, with a plain
//! Han-majority profile for any other region a deployment loads.

use fupin_core::codes::{Ethnicity, Fuel, HouseStructure, WaterSource};

use Ethnicity as E;

/// How a county's registry tends to look.
#[derive(Debug, Clone, Copy)]
pub struct Region {
    pub ethnicities: &'static [(Ethnicity, u32)],
    /// Mean arable land of a three-person household, mu.
    pub arable_mu: f64,
    pub irrigated_share: f64,
    /// Mean forest land, mu.
    pub forest_mu: f64,
    pub relocation_rate: f64,
    pub fuels: &'static [(Fuel, u32)],
    pub water: &'static [(WaterSource, u32)],
    pub structures: &'static [(HouseStructure, u32)],
    /// Weights of the exit years 2014..=2020 for households registered in 2014.
    pub exit_years: &'static [u32; 7],
    /// Share of households identified against a provincial line (省定标准).
    pub provincial_standard: f64,
    /// Mean distance to the village road, km.
    pub road_km: f64,
    /// Spread of a villager group's houses around its centre, km (hamlets in the mountains
    /// are more scattered than plain villages).
    pub scatter_km: f64,
    /// Share of working-age labourers who work away from home.
    pub migrant_rate: f64,
    /// The province's rural credit co-operative, the usual bank of subsidy cards.
    pub rural_bank: &'static str,
    /// A retired address code of the county and the year it was retired: older residents
    /// keep ID numbers issued under it.
    pub old_address: Option<(&'static str, i32)>,
}

const EXIT_LATE: [u32; 7] = [2, 7, 12, 20, 27, 25, 7];
const EXIT_MID: [u32; 7] = [4, 10, 15, 22, 25, 19, 5];
const EXIT_EARLY: [u32; 7] = [7, 13, 18, 24, 23, 12, 3];

const FUEL_GUIZHOU: &[(Fuel, u32)] = &[
    (Fuel::Firewood, 33),
    (Fuel::Electricity, 36),
    (Fuel::Coal, 14),
    (Fuel::BottledLpg, 11),
    (Fuel::Biogas, 5),
    (Fuel::NoCooking, 1),
];
const FUEL_GANSU: &[(Fuel, u32)] = &[
    (Fuel::Firewood, 44),
    (Fuel::Coal, 24),
    (Fuel::Electricity, 21),
    (Fuel::BottledLpg, 8),
    (Fuel::Biogas, 2),
    (Fuel::NoCooking, 1),
];
const FUEL_ANHUI: &[(Fuel, u32)] = &[
    (Fuel::BottledLpg, 34),
    (Fuel::Firewood, 30),
    (Fuel::Electricity, 29),
    (Fuel::NaturalGas, 5),
    (Fuel::Coal, 1),
    (Fuel::NoCooking, 1),
];
const FUEL_LIAONING: &[(Fuel, u32)] = &[
    (Fuel::Coal, 34),
    (Fuel::Firewood, 35),
    (Fuel::BottledLpg, 15),
    (Fuel::Electricity, 14),
    (Fuel::NoCooking, 2),
];
const FUEL_OTHER: &[(Fuel, u32)] = &[
    (Fuel::Firewood, 30),
    (Fuel::Electricity, 30),
    (Fuel::BottledLpg, 25),
    (Fuel::Coal, 13),
    (Fuel::NoCooking, 2),
];

const WATER_MOUNTAIN: &[(WaterSource, u32)] = &[
    (WaterSource::TreatedTap, 68),
    (WaterSource::ProtectedWell, 24),
    (WaterSource::UnprotectedWell, 4),
    (WaterSource::Rain, 1),
    (WaterSource::River, 1),
    (WaterSource::Other, 2),
];
const WATER_PLAIN: &[(WaterSource, u32)] = &[
    (WaterSource::TreatedTap, 58),
    (WaterSource::ProtectedWell, 38),
    (WaterSource::UnprotectedWell, 2),
    (WaterSource::Bottled, 1),
    (WaterSource::Other, 1),
];

const HOUSE_GUIZHOU: &[(HouseStructure, u32)] = &[
    (HouseStructure::BrickConcrete, 45),
    (HouseStructure::BrickWood, 28),
    (HouseStructure::Concrete, 16),
    (HouseStructure::Earth, 3),
    (HouseStructure::Other, 8),
];
const HOUSE_GANSU: &[(HouseStructure, u32)] = &[
    (HouseStructure::BrickConcrete, 42),
    (HouseStructure::BrickWood, 33),
    (HouseStructure::Earth, 11),
    (HouseStructure::Concrete, 10),
    (HouseStructure::CaveBrick, 2),
    (HouseStructure::Other, 2),
];
const HOUSE_PLAIN: &[(HouseStructure, u32)] = &[
    (HouseStructure::BrickConcrete, 58),
    (HouseStructure::Concrete, 24),
    (HouseStructure::BrickWood, 15),
    (HouseStructure::Earth, 1),
    (HouseStructure::Other, 2),
];
const HOUSE_LIAONING: &[(HouseStructure, u32)] = &[
    (HouseStructure::BrickConcrete, 55),
    (HouseStructure::BrickWood, 30),
    (HouseStructure::Concrete, 12),
    (HouseStructure::Earth, 3),
];

// Ethnic mixes of registered poor households (county statistics, rounded).
const ETH_DUSHAN: &[(Ethnicity, u32)] = &[
    (E::Buyei, 55),
    (E::Han, 19),
    (E::Miao, 14),
    (E::Sui, 10),
    (E::Yao, 2),
];
const ETH_LONGLI: &[(Ethnicity, u32)] = &[(E::Han, 45), (E::Buyei, 35), (E::Miao, 18), (E::Sui, 2)];
const ETH_QIANNAN: &[(Ethnicity, u32)] = &[
    (E::Buyei, 38),
    (E::Han, 30),
    (E::Miao, 20),
    (E::Sui, 10),
    (E::Yao, 2),
];
const ETH_TONGREN: &[(Ethnicity, u32)] = &[
    (E::Han, 30),
    (E::Dong, 29),
    (E::Tujia, 26),
    (E::Miao, 12),
    (E::Gelao, 3),
];
const ETH_GUIZHOU: &[(Ethnicity, u32)] = &[
    (E::Han, 62),
    (E::Miao, 12),
    (E::Buyei, 8),
    (E::Tujia, 7),
    (E::Dong, 5),
    (E::Yi, 2),
    (E::Gelao, 2),
    (E::Sui, 2),
];
const ETH_LONGNAN: &[(Ethnicity, u32)] = &[(E::Han, 985), (E::Hui, 15)];
const ETH_GANSU: &[(Ethnicity, u32)] = &[
    (E::Han, 90),
    (E::Hui, 5),
    (E::Dongxiang, 3),
    (E::Tibetan, 2),
];
const ETH_LIAONING: &[(Ethnicity, u32)] = &[
    (E::Han, 900),
    (E::Manchu, 80),
    (E::Korean, 10),
    (E::Hui, 5),
    (E::Mongol, 5),
];
const ETH_ANHUI: &[(Ethnicity, u32)] = &[(E::Han, 996), (E::Hui, 4)];
const ETH_HAN: &[(Ethnicity, u32)] = &[(E::Han, 1)];

impl Region {
    /// The profile of the county with this 6-digit code.
    pub fn for_county(county6: &str) -> Region {
        let mut r = match &county6[..2] {
            "52" => Self::guizhou(),
            "62" => Self::gansu(),
            "34" => Self::anhui(),
            "21" => Self::liaoning(),
            _ => Self::other(),
        };
        r.ethnicities = ethnic_mix(county6);
        if county6 == "520602" {
            // 碧江区 was the county-level city of 铜仁 (522201) until 2011
            r.old_address = Some(("522201", 2011));
        }
        r
    }

    fn guizhou() -> Region {
        Region {
            ethnicities: ETH_GUIZHOU,
            arable_mu: 2.6,
            irrigated_share: 0.3,
            forest_mu: 7.0,
            relocation_rate: 0.15,
            fuels: FUEL_GUIZHOU,
            water: WATER_MOUNTAIN,
            structures: HOUSE_GUIZHOU,
            exit_years: &EXIT_LATE,
            provincial_standard: 0.06,
            road_km: 1.4,
            scatter_km: 0.6,
            migrant_rate: 0.55,
            rural_bank: "贵州省农村信用社",
            old_address: None,
        }
    }

    fn gansu() -> Region {
        Region {
            arable_mu: 5.5,
            irrigated_share: 0.2,
            forest_mu: 4.0,
            relocation_rate: 0.08,
            fuels: FUEL_GANSU,
            structures: HOUSE_GANSU,
            road_km: 1.2,
            scatter_km: 0.5,
            migrant_rate: 0.5,
            rural_bank: "甘肃省农村信用社",
            ethnicities: ETH_GANSU,
            ..Self::guizhou()
        }
    }

    fn anhui() -> Region {
        Region {
            ethnicities: ETH_ANHUI,
            arable_mu: 5.8,
            irrigated_share: 0.7,
            forest_mu: 0.4,
            relocation_rate: 0.01,
            fuels: FUEL_ANHUI,
            water: WATER_PLAIN,
            structures: HOUSE_PLAIN,
            exit_years: &EXIT_MID,
            provincial_standard: 0.05,
            road_km: 0.5,
            scatter_km: 0.35,
            migrant_rate: 0.55,
            rural_bank: "安徽农村商业银行",
            old_address: None,
        }
    }

    fn liaoning() -> Region {
        Region {
            ethnicities: ETH_LIAONING,
            arable_mu: 6.5,
            irrigated_share: 0.45,
            forest_mu: 2.5,
            relocation_rate: 0.005,
            fuels: FUEL_LIAONING,
            structures: HOUSE_LIAONING,
            exit_years: &EXIT_EARLY,
            // Liaoning identified against its own, higher line
            provincial_standard: 0.7,
            road_km: 0.6,
            migrant_rate: 0.35,
            rural_bank: "辽宁省农村信用社",
            ..Self::anhui()
        }
    }

    fn other() -> Region {
        Region {
            ethnicities: ETH_HAN,
            arable_mu: 4.0,
            irrigated_share: 0.45,
            forest_mu: 2.0,
            relocation_rate: 0.04,
            fuels: FUEL_OTHER,
            water: WATER_MOUNTAIN,
            structures: HOUSE_PLAIN,
            exit_years: &EXIT_MID,
            provincial_standard: 0.08,
            road_km: 0.9,
            scatter_km: 0.45,
            migrant_rate: 0.5,
            rural_bank: "农村信用合作社",
            old_address: None,
        }
    }

    pub fn is_mountainous(&self) -> bool {
        self.scatter_km >= 0.5
    }
}

/// Most specific ethnic mix for a county code.
fn ethnic_mix(county6: &str) -> &'static [(Ethnicity, u32)] {
    const BY_PREFIX: &[(&str, &[(Ethnicity, u32)])] = &[
        ("522726", ETH_DUSHAN),
        ("522730", ETH_LONGLI),
        ("5227", ETH_QIANNAN),
        ("5206", ETH_TONGREN),
        ("5222", ETH_TONGREN),
        ("52", ETH_GUIZHOU),
        ("6212", ETH_LONGNAN),
        ("62", ETH_GANSU),
        ("21", ETH_LIAONING),
        ("34", ETH_ANHUI),
    ];
    BY_PREFIX
        .iter()
        .find(|(p, _)| county6.starts_with(p))
        .map_or(ETH_HAN, |(_, mix)| mix)
}
