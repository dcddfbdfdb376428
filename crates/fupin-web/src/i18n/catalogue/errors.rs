//! What the error pages and API error bodies say beyond the status: refused requests, expired
//! forms, malformed values in a path or query, and the id an internal error is logged under.

pub(super) const STRINGS: super::Strings = &[
    ("request_id", "错误编号", "Error id"),
    (
        "form_expired",
        "表单已过期，请刷新页面后重试",
        "The form has expired: reload the page and try again",
    ),
    (
        "read_unrecorded",
        "未能记入审计日志，暂不能查阅，请稍后重试",
        "The read could not be recorded in the audit trail: try again shortly",
    ),
    (
        "correct_marked_fields",
        "请更正标出的内容",
        "Correct the marked fields",
    ),
    (
        "request_too_large",
        "请求过大，此处最多接受 {size}",
        "The request is too large: this page takes at most {size}",
    ),
    (
        "request_too_slow",
        "请求超时，请重试",
        "The request took too long: try again",
    ),
    (
        "form_unreadable",
        "表单读取失败，请重新提交",
        "Cannot read the form: send it again",
    ),
    (
        "form_version_missing",
        "缺少版本号",
        "The form's version is missing",
    ),
    (
        "invalid_household_id",
        "户ID无效：{value}",
        "Invalid household id: {value}",
    ),
    ("invalid_year", "年份无效：{value}", "Invalid year: {value}"),
    ("invalid_page", "页码无效：{value}", "Invalid page: {value}"),
    (
        "invalid_value",
        "{what}无效：{value}",
        "Invalid {what}: {value}",
    ),
    (
        "not_a_village",
        "请选择一个村（{value}不是村级区划代码）",
        "Choose a village ({value} is not a village code)",
    ),
    (
        "address_too_long_for_qr",
        "地址过长，无法生成二维码",
        "The address is too long for a QR code",
    ),
    ("unknown_role", "未知的角色", "Unknown role"),
    ("invalid_act", "未知的操作：{value}", "Unknown act: {value}"),
    (
        "unknown_host_for_qr",
        "本平台未登记此访问地址，无法生成二维码：请管理员设置 FUPIN_PUBLIC_URL 或 FUPIN_ALLOWED_HOSTS",
        "The console is not known under this host name, so no code can point to it: the administrator sets FUPIN_PUBLIC_URL or FUPIN_ALLOWED_HOSTS",
    ),
];
