//! The area pages: the division tree, an area's figures now and by year, a village's household
//! list.

pub(super) const STRINGS: super::Strings = &[
    ("all_areas", "全部地区", "All areas"),
    ("areas", "地区", "Areas"),
    ("area_code", "区划代码", "Area code"),
    ("find_area", "按名称查找区划", "Find an area by name"),
    (
        "area_not_found",
        "没有名称含此文字的区划，下面仍列出本辖区的区划。",
        "no area's name holds this text; the areas of your jurisdiction are listed instead.",
    ),
    (
        "area_find_deeper",
        "更下级的区划（乡镇、村）请按名称查找。",
        "Areas further down (townships, villages): find them by name.",
    ),
    ("level", "层级", "Level"),
    ("households", "户数", "Households"),
    ("people", "人数", "People"),
    ("sub_areas", "下级地区", "Areas within"),
    ("no_sub_areas", "没有下级地区。", "No areas within."),
    (
        "no_areas",
        "尚未导入行政区划。",
        "No administrative areas have been loaded yet.",
    ),
    ("household_list", "贫困户名单", "Households"),
    (
        "no_households",
        "本村没有登记的贫困户。",
        "No households are registered in this village.",
    ),
    ("head_name", "户主", "Head"),
    ("member_count", "人口", "Size"),
    (
        "poor_households",
        "贫困户（未脱贫及返贫）",
        "poor households (not exited, or returned)",
    ),
    (
        "poor_people",
        "贫困人口（未脱贫及返贫）",
        "poor people (not exited, or returned)",
    ),
    ("exited_households", "已脱贫户", "exited households"),
    ("monitored_households", "监测户", "monitored households"),
    ("returned_households", "返贫户", "returned to poverty"),
    ("incidence", "贫困发生率", "poverty incidence"),
    ("figures_of_year", "年度", "Figures of"),
    ("figures_by_year", "历年数据", "Figures by year"),
    ("now", "当前", "now"),
];
