//! The household card (明白卡): the printed card, its QR code and re-issue, the income lines form.

pub(super) const STRINGS: super::Strings = &[
    ("cards_count", "张明白卡", "cards"),
    ("card_heading", "精准扶贫明白卡", "Household card"),
    ("household_card", "明白卡", "Household card"),
    ("village_cards", "全村明白卡", "Village cards"),
    ("scan_for_record", "扫码查看档案", "Scan for the record"),
    ("card_basics", "家庭基本情况", "Household"),
    ("card_goals", "脱贫目标", "Goals"),
    ("shortfalls", "未达标项", "Shortfalls"),
    (
        "card_plan",
        "帮扶计划（应享未落实措施）",
        "Plan (measures owed)",
    ),
    ("card_received", "享受帮扶措施", "Measures received"),
    (
        "none_received",
        "本年度尚无落实记录。",
        "None recorded this year.",
    ),
    ("card_income", "家庭收支明细", "Income and expenditure"),
    ("income_category", "类别", "Category"),
    ("income_item", "项目", "Item"),
    ("subtotal", "小计", "subtotal"),
    ("gross_income", "家庭总收入(元)", "Gross income (yuan)"),
    ("type_income_lines", "填写收支明细", "Type the income lines"),
    ("qr_png", "二维码PNG", "QR code (PNG)"),
    ("qr_svg", "二维码SVG", "QR code (SVG)"),
    (
        "reissue_code",
        "重新生成二维码（旧码作废）",
        "Issue a new code (the old one stops working)",
    ),
    ("whole_household", "全户", "whole household"),
    ("income_lines", "收支明细", "Income lines"),
    (
        "income_lines_help",
        "每行一项：类别、项目（如“务工收入 广东”“低保金”“种子化肥”）和金额。各类合计即为当年收入，人均纯收入自动计算。空行不保存。",
        "One line per source: category, item (e.g. \"migrant work, Guangdong\", \"dibao\", \"seed and fertiliser\") and amount. The sums by category become the year's income; per-capita net income is computed. Blank lines are skipped.",
    ),
];
