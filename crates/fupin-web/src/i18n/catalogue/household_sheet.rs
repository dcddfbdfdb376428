//! The household sheet's page: its export by area and its import with progress and row report.

pub(super) const STRINGS: super::Strings = &[
    ("household_sheet", "户籍表导入导出", "Household sheet"),
    ("household_sheet_file", "户籍信息", "households"),
    (
        "household_sheet_intro",
        "户籍信息表每位成员一行，导出的表格可直接改后再导入。导入只能写入本辖区的村，户编号相同的户按表更新。",
        "The household sheet has one row per member; an exported sheet can be edited and imported again. An import writes only to villages of your jurisdiction; a household with the same number is updated from the sheet.",
    ),
    ("sheet_export", "导出户籍表", "Export the sheet"),
    ("sheet_format", "格式", "Format"),
    (
        "sheet_export_masked",
        "导出内容按您的权限遮蔽，导出记入审计日志。",
        "The export is masked as your roles require, and recorded in the audit trail.",
    ),
    (
        "sheet_export_too_large",
        "该区域超过{limit}户，请选择县级或更小的区域分别导出",
        "this area has more than {limit} households: export it county by county or smaller",
    ),
    ("choose_area", "请选择区域", "Choose an area"),
    ("household_import", "导入户籍表", "Import a household sheet"),
    ("import_mode", "有错误行时", "When rows have errors"),
    (
        "import_all_or_nothing",
        "整份不导入（先改正全部错误）",
        "import nothing (correct every error first)",
    ),
    (
        "import_skip_invalid",
        "导入正确的户，报告有错误的户",
        "import the valid households, report the others",
    ),
    (
        "household_import_hint",
        "CSV（UTF-8或GBK）或XLSX。上传后可看到导入进度，完成后逐行列出问题，并可下载完整的问题报告。",
        "CSV (UTF-8 or GBK) or XLSX. After the upload you see the import's progress, then each problem by row, with the whole report to download.",
    ),
    (
        "import_waiting",
        "正在等待另一项导入完成……",
        "Waiting for another import to finish…",
    ),
    ("import_running", "正在导入", "Importing"),
    ("rows_read", "已读行数", "Rows read"),
    (
        "import_page_refreshes",
        "本页每两秒自动刷新，可以离开，稍后从原地址查看结果（保留一小时）。",
        "This page refreshes every two seconds; you may leave and come back to its address for the outcome (kept for an hour).",
    ),
    (
        "import_failed",
        "导入因系统错误中断，未写入任何数据。请稍后重试；如仍失败，请联系系统管理员。",
        "The import stopped on a system error and wrote nothing. Try again later; if it fails again, tell the system administrator.",
    ),
    (
        "import_refused",
        "文件未导入：",
        "The file was not imported: ",
    ),
    (
        "import_committed",
        "导入完成，以下各户已写入户籍档案。",
        "Imported: the households below are in the registry.",
    ),
    (
        "import_rolled_back",
        "有错误行，整份文件未写入。请按下列问题改正后重新上传。",
        "Rows have errors, so nothing was written. Correct the problems below and upload the file again.",
    ),
    ("import_figures", "导入结果", "Outcome"),
    ("households_read", "读入户数", "Households read"),
    ("households_created", "新建户", "Created"),
    ("households_updated", "更新户", "Updated"),
    ("households_unchanged", "未变化户", "Unchanged"),
    ("households_invalid", "有错误的户", "With errors"),
    ("row_problems", "问题", "Problems"),
    ("column", "列", "Column"),
    (
        "more_problems_in_report",
        "只列出前20个问题，其余见问题报告。",
        "Only the first 20 problems are listed; the report has them all.",
    ),
    (
        "download_row_report",
        "下载问题报告（CSV）",
        "Download the problem report (CSV)",
    ),
];
