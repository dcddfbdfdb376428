//! Editing a household (its fields, a member's, a member leaving), registering a new one, and
//! splitting and merging households.

pub(super) const STRINGS: super::Strings = &[
    ("new_household", "新增农户", "Register a household"),
    ("head_of_household", "户主", "Head of household"),
    ("empty_form", "表单为空", "The form is empty"),
    ("split_household", "分户", "Split household"),
    ("merge_household", "合户", "Merge a household in"),
    (
        "split_hint",
        "勾选分出的成员并指定新户主；分出成员与新户主的关系请在新户中核实。原户主不能分出。",
        "Tick who leaves and choose the new head; confirm the others' relation to the new head afterwards. The head cannot leave.",
    ),
    ("split_members", "分出的成员", "Members who leave"),
    ("new_head", "新户户主", "Head of the new household"),
    ("new_number", "新户编号", "New household number"),
    (
        "merge_hint",
        "被并入户的成员转入本户（与户主关系暂记为“其他”，请随后核实），被并入户注销。",
        "The other household's members join this one (relation recorded as “other” until confirmed); it is closed.",
    ),
    (
        "merge_from",
        "并入本户的户编号",
        "Number of the household that joins",
    ),
    ("edit_household", "修改户信息", "Edit household"),
    ("edit_member", "修改成员信息", "Edit member"),
    ("add_member", "新增成员", "Add a member"),
    ("back_to_household", "返回户信息", "Back to the household"),
    ("change_reason", "变更原因", "Reason for the change"),
    ("member_leaves", "成员减少", "The member leaves"),
    ("departure", "减少原因", "Why"),
    ("death", "死亡", "death"),
    (
        "move_out",
        "迁出（婚出、外迁等）",
        "moved out (marriage, moving away …)",
    ),
    ("departure_date", "日期", "Date"),
    ("remove_member", "办理减员", "Remove from the household"),
    (
        "departure_required",
        "请选择减少原因并填写日期",
        "Choose why and give the date",
    ),
    ("edit", "修改", "Edit"),
];
