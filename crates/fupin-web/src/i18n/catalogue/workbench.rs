//! The start page (`/`): what a user must do today and where their area stands.

pub(super) const STRINGS: super::Strings = &[
    ("workbench", "工作台", "Start page"),
    ("todo_today", "今日待办", "To do today"),
    (
        "nothing_to_do",
        "目前没有待您办理的事项。",
        "Nothing is waiting for you now.",
    ),
    (
        "todo_cases",
        "件事项待您办理",
        "cases waiting for your step",
    ),
    (
        "todo_objections",
        "件公示异议待您核查",
        "objections for you to settle",
    ),
    ("todo_warnings_open", "条预警待核实", "warnings to verify"),
    (
        "todo_warnings_verifying",
        "条预警核实中",
        "warnings being verified",
    ),
    ("my_households", "我的帮扶户", "My households"),
    (
        "no_paired_households",
        "您还没有结对帮扶户，请联系村或乡镇安排。",
        "No households are paired with you yet; ask the village or township.",
    ),
    (
        "recent_changes",
        "本辖区最新变动",
        "Latest changes in your area",
    ),
    (
        "recent_latest_only",
        "只在全系统最近一万条变动中查找；更早的变动见各户的变更记录。",
        "Looked for among the registry's latest 10,000 changes only; older ones are in each household's change log.",
    ),
    ("administration", "系统管理", "Administration"),
    ("awaiting_me", "待我办理", "Waiting for me"),
    ("all_cases", "全部事项", "All cases"),
];
