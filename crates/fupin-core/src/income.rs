//! Itemised yearly income and per-capita net income (人均纯收入), `domain.md` §1.4:
//!
//! ```text
//! gross_income  K = wage L + business M + property N + transfer P
//! net_income    S = K − production_expenditure R
//! per_capita    T = S / household_size A
//! ```
//!
//! The formula is versioned so that a later rule (e.g. a monitoring-era window) can be added
//! without rewriting figures computed under the old one.

use crate::money::{Fen, div_round};

/// Which per-capita formula produced a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeFormula {
    /// Registry formula of 2014: (wage + business + property + transfer − production costs) / size,
    /// rounded half away from zero to the fen.
    NetIncome2014,
}

impl IncomeFormula {
    pub const CURRENT: IncomeFormula = IncomeFormula::NetIncome2014;

    pub fn code(self) -> &'static str {
        match self {
            Self::NetIncome2014 => "net_income_2014",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        (code == "net_income_2014").then_some(Self::NetIncome2014)
    }
}

/// One household's income for one year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IncomeYear {
    pub year: i32,
    /// 工资性收入
    pub wage: Fen,
    /// 生产经营性收入
    pub business: Fen,
    /// 财产性收入
    pub property: Fen,
    /// 转移性收入
    pub transfer: Fen,
    /// 生产经营性支出
    pub production_expenditure: Fen,
    /// 家庭人口 counted for this year (members who live together and share expenses).
    pub household_size: u32,
}

impl IncomeYear {
    pub fn gross(&self) -> Fen {
        self.wage + self.business + self.property + self.transfer
    }

    pub fn net(&self) -> Fen {
        self.gross() - self.production_expenditure
    }

    /// Per-capita net income; `None` for an empty household.
    pub fn per_capita(&self, formula: IncomeFormula) -> Option<Fen> {
        match formula {
            IncomeFormula::NetIncome2014 => (self.household_size > 0)
                .then(|| Fen(div_round(self.net().0, i64::from(self.household_size)))),
        }
    }
}

/// Where a year's per-capita net income stands against that year's income line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStanding {
    /// Above the line: the income test of exit (一达标) is met for that year.
    Above,
    /// On or below the line. The national texts ask for income "stably above" (稳定超过) the
    /// line, so exactly on it does not pass.
    NotAbove,
    /// No per-capita figure (no household size) or no line configured for the year and place.
    Unknown,
}

/// Compares a per-capita net income with a line (both in fen).
pub fn standing(per_capita: Option<Fen>, line: Option<Fen>) -> LineStanding {
    match (per_capita, line) {
        (Some(income), Some(line)) if income > line => LineStanding::Above,
        (Some(_), Some(_)) => LineStanding::NotAbove,
        _ => LineStanding::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn year(
        wage: i64,
        business: i64,
        property: i64,
        transfer: i64,
        cost: i64,
        size: u32,
    ) -> IncomeYear {
        IncomeYear {
            year: 2016,
            wage: Fen(wage),
            business: Fen(business),
            property: Fen(property),
            transfer: Fen(transfer),
            production_expenditure: Fen(cost),
            household_size: size,
        }
    }

    #[test]
    fn chuxiong_card_example() {
        // wage 6,000 + business 4,000 + property 200 + transfer 1,800 − costs 1,600 = 10,400 for 4
        let y = year(600_000, 400_000, 20_000, 180_000, 160_000, 4);
        assert_eq!(y.gross(), Fen(1_200_000));
        assert_eq!(y.net(), Fen(1_040_000));
        assert_eq!(y.per_capita(IncomeFormula::CURRENT), Some(Fen(260_000)));
    }

    #[test]
    fn rounds_to_the_fen_and_handles_losses() {
        assert_eq!(
            year(100, 0, 0, 0, 0, 3).per_capita(IncomeFormula::CURRENT),
            Some(Fen(33))
        );
        assert_eq!(
            year(200, 0, 0, 0, 0, 3).per_capita(IncomeFormula::CURRENT),
            Some(Fen(67))
        );
        assert_eq!(
            year(0, 0, 0, 0, 500, 2).per_capita(IncomeFormula::CURRENT),
            Some(Fen(-250))
        );
        assert_eq!(
            year(100, 0, 0, 0, 0, 0).per_capita(IncomeFormula::CURRENT),
            None
        );
    }

    proptest! {
        #[test]
        fn per_capita_times_size_is_within_half_a_person_of_net(
            w in 0i64..100_000_000, b in 0i64..100_000_000, p in 0i64..10_000_000,
            t in 0i64..10_000_000, r in 0i64..50_000_000, size in 1u32..20,
        ) {
            let y = year(w, b, p, t, r, size);
            let pc = y.per_capita(IncomeFormula::CURRENT).unwrap().0;
            let net = y.net().0;
            prop_assert_eq!(net, w + b + p + t - r);
            let diff = (pc * i64::from(size) - net).abs();
            prop_assert!(2 * diff <= i64::from(size), "pc {} size {} net {}", pc, size, net);
        }

        #[test]
        fn more_income_never_lowers_per_capita(
            w in 0i64..100_000_000, extra in 0i64..10_000_000, r in 0i64..50_000_000, size in 1u32..20,
        ) {
            let a = year(w, 0, 0, 0, r, size).per_capita(IncomeFormula::CURRENT).unwrap();
            let b = year(w + extra, 0, 0, 0, r, size).per_capita(IncomeFormula::CURRENT).unwrap();
            prop_assert!(b >= a);
        }
    }

    #[test]
    fn standing_against_the_line_needs_income_strictly_above() {
        let line = Some(Fen(400_000));
        assert_eq!(standing(Some(Fen(400_001)), line), LineStanding::Above);
        assert_eq!(
            standing(Some(Fen(400_000)), line),
            LineStanding::NotAbove,
            "on the line"
        );
        assert_eq!(
            standing(Some(Fen(399_999)), line),
            LineStanding::NotAbove,
            "one fen below"
        );
        assert_eq!(standing(None, line), LineStanding::Unknown);
        assert_eq!(standing(Some(Fen(1)), None), LineStanding::Unknown);
    }
}
