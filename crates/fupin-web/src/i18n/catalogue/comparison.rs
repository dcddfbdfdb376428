//! Data comparison: department lists, their loading and mapping, comparison runs and their
//! linkage figures.

pub(super) const STRINGS: super::Strings = &[
    ("comparison", "大数据比对", "Data comparison"),
    (
        "compare_intro",
        "行业部门名单（财政供养、车辆、商品房、工商、死亡、低保特困、医保、学籍、残疾）与建档立卡成员比对：身份证号一致的直接关联，号码缺失或有误的按姓名读音、出生日期、性别和地点打分关联；比对后按规则生成预警，交由所在地核实。",
        "Department lists (payroll, vehicles, housing, businesses, deaths, assistance rolls, medical insurance, schools, disability) are linked to the registry's members: on an equal valid ID number, or where it is missing or wrong by a score on name sounds, birth date, sex and place. Each run raises warnings by the rules, for the responsible area to verify.",
    ),
    ("department_lists", "部门名单", "Department lists"),
    ("list_source", "数据源", "Source"),
    ("list_kind", "类别", "Kind"),
    ("list_as_of", "数据日期", "As of"),
    ("list_records", "记录数", "Records"),
    ("snapshots", "版本数", "Snapshots"),
    (
        "no_lists",
        "尚未导入部门名单。",
        "No department list has been loaded.",
    ),
    ("upload_list", "导入名单", "Load a list"),
    (
        "kind_of_source",
        "（已有数据源沿用其类别）",
        "(an existing source keeps its kind)",
    ),
    (
        "list_file",
        "文件（CSV，UTF-8或GBK；XLSX）",
        "File (CSV in UTF-8 or GBK; XLSX)",
    ),
    (
        "column_mapping",
        "列对应（可选）",
        "Column mapping (optional)",
    ),
    (
        "column_mapping_hint",
        "TOML，如 id_number = [\"身份证号\"]；不填则用该数据源保存的或该类别默认的",
        "TOML, e.g. id_number = [\"身份证号\"]; empty: the source's saved mapping or the kind's default",
    ),
    ("run_comparison", "开始比对", "Run the comparison"),
    (
        "run_area",
        "比对范围：本辖区",
        "Compared with the registry of your jurisdiction",
    ),
    ("thresholds", "阈值", "Thresholds"),
    ("match_probability", "匹配", "match"),
    ("review_probability", "待核实", "review"),
    ("comparison_runs", "比对记录", "Comparison runs"),
    ("comparison_run", "比对", "Comparison run"),
    (
        "no_runs",
        "本辖区尚无比对记录。",
        "No comparison run in your jurisdiction yet.",
    ),
    ("decision_match", "匹配", "Matches"),
    ("decision_review", "待人工核实", "For review"),
    ("decision_no_match", "不匹配", "No match"),
    ("started", "开始", "Started"),
    ("unfinished", "未完成", "unfinished"),
    ("list_refused", "名单未导入", "The list was not loaded"),
    ("run_refused", "比对未进行", "The comparison did not run"),
    (
        "back_to_comparison",
        "返回大数据比对",
        "Back to data comparison",
    ),
    ("linkage", "关联结果", "Linkage"),
    ("valid_ids", "有效身份证号", "Valid ID numbers"),
    ("exact_id", "身份证号一致", "Equal ID number"),
    (
        "id_not_in_registry",
        "有效号码不在库",
        "Valid ID not in the registry",
    ),
    ("probabilistic", "概率比对", "Scored (no valid ID)"),
    ("candidate_pairs", "候选对", "Candidate pairs"),
    (
        "oversized_blocks",
        "跳过过大的分块",
        "Oversized blocks skipped",
    ),
    // issue 24: lists by area
    ("list_owner", "所属区域", "Belongs to"),
];
