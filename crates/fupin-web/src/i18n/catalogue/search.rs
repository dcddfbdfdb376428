//! The comprehensive search: the query form, its filters and sort, results and their export.

pub(super) const STRINGS: super::Strings = &[
    ("search", "查询", "Search"),
    (
        "search_hint",
        "姓名、身份证号（或末4–8位）、手机号、户编号",
        "Name, ID number (or its last 4–8), mobile, household number",
    ),
    ("by_id_number", "按身份证号", "by ID number"),
    ("by_id_tail", "按身份证号末位", "by the end of an ID number"),
    ("by_phone", "按手机号", "by mobile number"),
    ("by_name", "按姓名", "by name"),
    (
        "export_xlsx",
        "导出 Excel（XLSX）",
        "Export to Excel (XLSX)",
    ),
    (
        "export_needs_query",
        "请先输入查询条件再导出",
        "Search before exporting",
    ),
    (
        "export_capped",
        "仅导出前{n}户；更多请缩小范围，或请系统管理员导出全部",
        "only the first {n} households; narrow the search, or ask the system administrator to export them all",
    ),
    ("search_results", "查询结果", "Search results"),
    // issue 24, item 2: searches rate-limited
    (
        "search_throttled",
        "查询过于频繁，请{s}秒后再试",
        "Too many searches: try again in {s} s",
    ),
    ("cause", "致贫原因", "Cause"),
    ("registered_year", "识别年度", "Year registered"),
    ("exit_year", "脱贫年度", "Year exited"),
    ("helper", "帮扶责任人", "Helper"),
    ("sort_by", "排序", "Sort by"),
    ("sort_number", "户编号", "household number"),
    ("sort_village", "所在村", "village"),
    ("sort_members", "人口数", "household size"),
    ("sort_status", "户状态", "status"),
    ("sort_registered", "识别年度", "year registered"),
    ("descending", "倒序", "descending"),
    ("monitored_only", "仅监测户", "monitored only"),
    (
        "poor_only",
        "仅贫困户（未脱贫及返贫）",
        "poor only (not exited, or returned)",
    ),
    ("found", "共找到", "found"),
    ("matched_person", "匹配人员", "matched person"),
    (
        "search_fix",
        "请更正标出的查询条件。",
        "Correct the marked fields.",
    ),
    (
        "year_invalid",
        "年份应为1980–2100的整数",
        "a year is a whole number 1980–2100",
    ),
    ("helper_invalid", "帮扶责任人无效", "not a helper"),
    ("by_household_number", "按户编号", "by household number"),
    (
        "search_none",
        "在您的管辖范围内没有找到。",
        "Nothing found within your jurisdiction.",
    ),
];
