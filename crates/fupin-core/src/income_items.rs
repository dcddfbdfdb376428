//! The lines of a year's income card (收入明白卡, `domain.md` §1.4): what the village types for a
//! household, one line per source ("务工收入 张三 广东" 24,000), each under one of the four income
//! categories or production expenditure. The year's [`IncomeYear`] is their sum by category; the
//! lines stay so that the card shows where each figure came from.

use crate::income::IncomeYear;
use crate::money::Fen;

/// Where a line of the card counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeCategory {
    /// 工资性收入
    Wage,
    /// 生产经营性收入
    Business,
    /// 财产性收入
    Property,
    /// 转移性收入
    Transfer,
    /// 生产经营性支出
    Expenditure,
}

impl IncomeCategory {
    pub const ALL: [IncomeCategory; 5] = [
        Self::Wage,
        Self::Business,
        Self::Property,
        Self::Transfer,
        Self::Expenditure,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Wage => "wage",
            Self::Business => "business",
            Self::Property => "property",
            Self::Transfer => "transfer",
            Self::Expenditure => "expenditure",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code.trim())
    }
}

/// One typed line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IncomeItem {
    pub category: IncomeCategory,
    /// What it is: "务工收入（张三，广东）", "低保金", "种子化肥".
    pub item: String,
    pub amount: Fen,
}

/// The longest description of a line, in characters.
pub const ITEM_MAX_CHARS: usize = 60;
/// Lines on one card (the paper card has about a dozen rows).
pub const MAX_ITEMS: usize = 40;

/// A line as typed: category code, description, amount in yuan.
#[derive(Debug, Clone, Default)]
pub struct TypedItem {
    pub category: String,
    pub item: String,
    pub amount: String,
}

/// Why a typed line was refused: its number (from 1), the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    pub line: usize,
    pub field: &'static str,
    pub reason: crate::Message,
}

impl crate::message::Explained for ItemError {
    fn message(&self) -> crate::Message {
        let (zh, en) = match self.field {
            "category" => ("类别", "category"),
            "amount" => ("金额", "amount"),
            _ => ("项目", "item"),
        };
        crate::Message::new("income_line.problem")
            .with("line", self.line)
            .with_label("field", zh, en)
            .nested("reason", &self.reason, &[MESSAGES])
    }
}

crate::explained_error!(ItemError, &[MESSAGES]);

/// The texts of [`ItemError`]'s messages.
pub const MESSAGES: crate::message::Strings = &[
    (
        "income_line.problem",
        "第{line}行 {field}：{reason}",
        "Line {line}, {field}: {reason}",
    ),
    (
        "income_line.unknown_category",
        "未知类别“{value}”",
        "unknown category {value}",
    ),
    ("income_line.no_description", "未填写项目", "no description"),
    (
        "income_line.too_long",
        "超过{max}字",
        "longer than {max} characters",
    ),
    ("income_line.no_amount", "未填写金额", "no amount"),
    (
        "income_line.negative_amount",
        "金额不能为负：{value}",
        "negative amount {value}",
    ),
    (
        "income_line.bad_amount",
        "金额“{value}”不是元数",
        "{value} is not an amount in yuan",
    ),
    ("income_line.too_many", "最多{max}行", "at most {max} lines"),
];

/// Checks typed lines; wholly blank lines are skipped (a form has spare rows). Every line's
/// problem is reported, not only the first.
pub fn parse_items(typed: &[TypedItem]) -> Result<Vec<IncomeItem>, Vec<ItemError>> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for (i, t) in typed.iter().enumerate() {
        let line = i + 1;
        let (category, item, amount) = (t.category.trim(), t.item.trim(), t.amount.trim());
        if item.is_empty() && amount.is_empty() {
            continue;
        }
        let mut error = |field, reason: crate::Message| {
            errors.push(ItemError {
                line,
                field,
                reason,
            })
        };
        let parsed_category = IncomeCategory::parse(category);
        if parsed_category.is_none() {
            error(
                "category",
                crate::Message::new("income_line.unknown_category").with("value", category),
            );
        }
        if item.is_empty() {
            error("item", crate::Message::new("income_line.no_description"));
        } else if item.chars().count() > ITEM_MAX_CHARS {
            error(
                "item",
                crate::Message::new("income_line.too_long").with("max", ITEM_MAX_CHARS),
            );
        }
        let parsed_amount = match Fen::parse_yuan(amount) {
            _ if amount.is_empty() => {
                error("amount", crate::Message::new("income_line.no_amount"));
                None
            }
            Ok(a) if a.is_negative() => {
                error(
                    "amount",
                    crate::Message::new("income_line.negative_amount").with("value", amount),
                );
                None
            }
            Ok(a) => Some(a),
            Err(_) => {
                error(
                    "amount",
                    crate::Message::new("income_line.bad_amount").with("value", amount),
                );
                None
            }
        };
        if let (Some(category), Some(amount), false) =
            (parsed_category, parsed_amount, item.is_empty())
        {
            items.push(IncomeItem {
                category,
                item: item.to_string(),
                amount,
            });
        }
    }
    if items.len() > MAX_ITEMS {
        errors.push(ItemError {
            line: MAX_ITEMS + 1,
            field: "item",
            reason: crate::Message::new("income_line.too_many").with("max", MAX_ITEMS),
        });
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// The year's income: the lines summed by category.
pub fn total(year: i32, household_size: u32, items: &[IncomeItem]) -> IncomeYear {
    let sum = |c: IncomeCategory| {
        items
            .iter()
            .filter(|i| i.category == c)
            .map(|i| i.amount)
            .sum()
    };
    IncomeYear {
        year,
        wage: sum(IncomeCategory::Wage),
        business: sum(IncomeCategory::Business),
        property: sum(IncomeCategory::Property),
        transfer: sum(IncomeCategory::Transfer),
        production_expenditure: sum(IncomeCategory::Expenditure),
        household_size,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::income::IncomeFormula;
    use proptest::prelude::*;

    fn typed(category: &str, item: &str, amount: &str) -> TypedItem {
        TypedItem {
            category: category.into(),
            item: item.into(),
            amount: amount.into(),
        }
    }

    #[test]
    fn lines_sum_to_the_chuxiong_example() {
        let items = parse_items(&[
            typed("wage", "务工收入（广东）", "6000"),
            typed("business", "烤烟", "3000"),
            typed("business", "生猪", "1000"),
            typed("", "", ""),
            typed("property", "土地流转金", "200"),
            typed("transfer", "低保金", "1800"),
            typed("expenditure", "种子化肥", "1600"),
        ])
        .unwrap();
        assert_eq!(items.len(), 6);
        let y = total(2016, 4, &items);
        assert_eq!(y.business, Fen(400_000));
        assert_eq!(y.net(), Fen(1_040_000));
        assert_eq!(y.per_capita(IncomeFormula::CURRENT), Some(Fen(260_000)));
    }

    #[test]
    fn every_bad_line_is_named_with_its_field() {
        let errors = parse_items(&[
            typed("wage", "务工", "6000"),
            typed("salary", "务工", "1"),
            typed("transfer", "", "100"),
            typed("business", "烤烟", "-5"),
            typed("business", "烤烟", "12.345"),
            typed("transfer", "低保金", ""),
        ])
        .unwrap_err();
        let named: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field)).collect();
        assert_eq!(
            named,
            [
                (2, "category"),
                (3, "item"),
                (4, "amount"),
                (5, "amount"),
                (6, "amount")
            ]
        );
        assert!(errors[0].to_string().contains("第2行"));
    }

    #[test]
    fn too_many_lines_are_refused() {
        let many = vec![typed("wage", "务工", "1"); MAX_ITEMS + 1];
        assert!(parse_items(&many).is_err());
        assert!(parse_items(&many[..MAX_ITEMS]).is_ok());
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_totals_match(
            lines in proptest::collection::vec(
                ("[a-z]{0,12}", "\\PC{0,70}", "[-0-9.,a-z]{0,12}"), 0..50)
        ) {
            let typed: Vec<TypedItem> = lines
                .iter()
                .map(|(c, i, a)| typed(c, i, a))
                .collect();
            if let Ok(items) = parse_items(&typed) {
                let y = total(2020, 3, &items);
                let all: Fen = items.iter().map(|i| i.amount).sum();
                prop_assert_eq!(y.gross() + y.production_expenditure, all);
            }
        }
    }
}
