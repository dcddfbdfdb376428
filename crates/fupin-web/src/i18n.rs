//! The pages' language (zh-CN by default, English on request) and the catalog of UI strings.
//!
//! Domain labels (code lists, field names) come from `fupin_core`, which carries both languages;
//! this catalog holds only the words of the interface itself. Templates reach it through the
//! `t("key")` function, Rust code through [`t`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use fupin_core::{AreaLevel, CodeList, Field};

/// Name of the query parameter and of the cookie that carry the language.
pub const LANG_PARAM: &str = "lang";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Parses a `lang` value: `zh`, `zh-CN`, `en`, `en-GB` … (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        let primary = text.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The short code used in the query parameter and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The value of `<html lang>`.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The label of a coded value in this language.
    pub fn label<T: CodeList>(self, value: T) -> &'static str {
        self.pick(value.zh(), value.en())
    }

    /// The label of a stored code (`"exited_with_policy"` …); the code itself if unknown.
    pub fn code_label<T: CodeList>(self, code: &str) -> String {
        T::parse(code).map_or_else(|| code.to_string(), |v| self.label(v).to_string())
    }

    pub fn field(self, field: Field) -> &'static str {
        self.label(field)
    }

    pub fn level(self, level: AreaLevel) -> &'static str {
        self.pick(level.zh(), level.as_str())
    }

    pub fn yes_no(self, v: bool) -> &'static str {
        t(self, if v { "yes" } else { "no" })
    }

    /// Separator between the items of a list inside one cell.
    pub fn list_separator(self) -> &'static str {
        self.pick("、", ", ")
    }

    /// The language a request asks for: `?lang=` first (returned as explicit, so the caller
    /// can remember it in a cookie), then the `lang` cookie, then the default.
    pub fn negotiate(query: Option<&str>, headers: &HeaderMap) -> (Lang, bool) {
        if let Some(lang) = query.and_then(query_lang) {
            return (lang, true);
        }
        let from_cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == LANG_PARAM)
            .and_then(|(_, v)| Lang::parse(v));
        (from_cookie.unwrap_or_default(), false)
    }

    /// The `Set-Cookie` value that remembers this language for a year.
    pub fn cookie(self) -> String {
        format!(
            "{LANG_PARAM}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            self.code()
        )
    }
}

fn query_lang(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| *k == LANG_PARAM)
        .find_map(|(_, v)| Lang::parse(v))
}

/// Handlers take the language as an extractor; the page middleware has already decided it.
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Lang>().copied().unwrap_or_default())
    }
}

/// The interface strings: (key, zh-CN, en).
const CATALOG: &[(&str, &str, &str)] = &[
    ("app_name", "扶贫对象信息管理", "Poverty Registry"),
    (
        "app_tagline",
        "建档立卡贫困户信息 · 只读浏览",
        "Registered poor households · read-only",
    ),
    ("switch_lang", "English", "中文"),
    ("all_areas", "全部地区", "All areas"),
    ("areas", "地区", "Areas"),
    ("breadcrumb", "位置", "You are here"),
    ("area_code", "区划代码", "Area code"),
    ("level", "层级", "Level"),
    ("name", "名称", "Name"),
    ("households", "户数", "Households"),
    ("people", "人数", "People"),
    ("total", "合计", "Total"),
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
    ("page", "页", "Page"),
    ("pages", "分页", "Pages"),
    ("prev_page", "上一页", "Previous"),
    ("next_page", "下一页", "Next"),
    ("showing", "显示", "Showing"),
    ("of_total", "共", "of"),
    ("household", "贫困户", "Household"),
    ("overview", "基本情况", "Overview"),
    ("village", "所在村", "Village"),
    ("members", "家庭成员", "Members"),
    ("no_members", "没有成员记录。", "No members recorded."),
    ("age", "年龄", "Age"),
    ("birth_year", "出生年份", "Born"),
    ("coverage", "参保及低保", "Insurance and dibao"),
    ("medical_short", "医保", "medical"),
    ("pension_short", "养老", "pension"),
    ("critical_short", "大病", "critical illness"),
    ("dibao_short", "低保", "dibao"),
    (
        "conditions",
        "生产生活条件",
        "Production and living conditions",
    ),
    ("income", "收入情况", "Income"),
    ("no_income", "没有收入记录。", "No income recorded."),
    ("net_income", "纯收入(元)", "net income (yuan)"),
    ("status_history", "户状态变化", "Status history"),
    ("no_status", "没有状态记录。", "No status recorded."),
    ("reason", "原因", "Reason"),
    ("reason_label", "原因：", "Reason: "),
    ("change_log", "变更记录", "Change log"),
    ("no_changes", "没有变更记录。", "No changes recorded."),
    ("time", "时间", "Time"),
    ("actor", "操作人", "By"),
    ("action", "操作", "Action"),
    ("field", "字段", "Field"),
    ("old_value", "原值", "Old"),
    ("new_value", "新值", "New"),
    ("action_create", "新建", "created"),
    ("action_update", "更新", "updated"),
    ("action_history", "历年数据", "yearly history"),
    ("member_added", "新增成员", "member added"),
    ("member_removed", "减少成员", "member removed"),
    ("member_order", "成员顺序", "member order"),
    ("registered_at", "录入时间", "Entered"),
    ("updated_at", "最后更新", "Last updated"),
    ("bank", "开户银行及账号", "Bank and account"),
    (
        "privacy_note",
        "身份证号、电话和银行账号已部分隐藏。",
        "ID numbers, telephone numbers and bank accounts are partly hidden.",
    ),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    ("none", "无", "none"),
    ("error", "出错了", "Error"),
    ("error_400", "请求有误", "Bad request"),
    (
        "error_400_text",
        "地址中的参数无效。",
        "The address contains an invalid value.",
    ),
    ("error_404", "未找到", "Not found"),
    (
        "error_404_text",
        "没有找到您要的页面或记录。",
        "The page or record you asked for does not exist.",
    ),
    ("error_500", "服务器错误", "Server error"),
    (
        "error_500_text",
        "服务器处理请求时出错，请稍后再试。",
        "The server could not handle the request. Please try again later.",
    ),
    ("back_home", "返回地区列表", "Back to the areas"),
    ("error_401", "请先登录", "Please log in"),
    (
        "error_401_text",
        "此操作需要登录或有效的接口令牌。",
        "This needs a login or a valid API token.",
    ),
    ("error_403", "无权访问", "Forbidden"),
    (
        "error_403_text",
        "您的角色不能进行此操作。",
        "Your roles do not allow this.",
    ),
    ("login", "登录", "Log in"),
    ("logout", "退出", "Log out"),
    ("username", "用户名", "Username"),
    ("password", "密码", "Password"),
    ("change_password", "修改密码", "Change password"),
    ("current_password", "原密码", "Current password"),
    ("new_password", "新密码", "New password"),
    ("repeat_password", "再次输入新密码", "New password again"),
    (
        "passwords_differ",
        "两次输入的新密码不一致。",
        "The two new passwords differ.",
    ),
    (
        "password_rules",
        "至少 {n} 个字符，含字母、数字、符号中的至少两类，不含用户名。",
        "At least {n} characters, two of letters, digits and symbols, without the username.",
    ),
    (
        "must_change_notice",
        "您的密码是管理员设置的临时密码，请先修改。",
        "Your password was set by an administrator: change it first.",
    ),
    ("users", "用户管理", "Users"),
    ("tokens", "接口令牌", "API tokens"),
    ("audit", "审计日志", "Audit trail"),
    ("real_name", "姓名", "Real name"),
    ("phone", "联系电话", "Telephone"),
    ("roles", "角色", "Roles"),
    ("state", "状态", "State"),
    ("create_user", "新建用户", "New user"),
    ("create", "创建", "Create"),
    (
        "temporary_password",
        "临时密码（仅显示一次）",
        "temporary password (shown once)",
    ),
    ("no_such_user", "没有该用户。", "No such user."),
    ("disabled", "已停用", "disabled"),
    ("enabled", "启用中", "enabled"),
    ("disable", "停用", "Disable"),
    ("enable", "启用", "Enable"),
    ("reset_password", "重置密码", "Reset password"),
    ("token_name", "用途名称", "Name"),
    ("owner", "所属用户", "Acting as user"),
    ("days", "有效天数", "Days valid"),
    ("actions", "允许的操作", "Allowed actions"),
    ("create_token", "新建令牌", "New token"),
    ("revoke", "吊销", "Revoke"),
    ("revoked", "已吊销", "revoked"),
    ("expires", "到期", "Expires"),
    ("last_used", "最近使用", "Last used"),
    (
        "token_secret_once",
        "令牌仅显示这一次，请立即妥善保存：",
        "The token is shown only this once; store it safely now:",
    ),
    ("filter", "筛选", "Filter"),
    ("from", "起", "From"),
    ("to", "止", "To"),
    ("target", "对象", "Target"),
    ("client_addr", "来源地址", "Address"),
    ("detail", "详情", "Detail"),
    ("no_entries", "没有记录。", "No entries."),
    ("recent_activity", "最近操作", "Recent activity"),
    ("created_at", "创建时间", "Created"),
    ("save", "保存", "Save"),
    ("account", "账号", "Account"),
    ("skip_to_content", "跳到正文", "Skip to content"),
    ("poor_households", "未脱贫户", "poor households"),
    ("poor_people", "未脱贫人口", "poor people"),
    ("exited_households", "已脱贫户", "exited households"),
    ("monitored_households", "监测户", "monitored households"),
    ("returned_households", "返贫户", "returned to poverty"),
    ("incidence", "贫困发生率", "poverty incidence"),
    ("figures_of_year", "年度", "Figures of"),
    ("figures_by_year", "历年数据", "Figures by year"),
    ("now", "当前", "now"),
    ("year", "年度", "Year"),
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
    ("any", "不限", "any"),
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
    ("file", "文件", "File"),
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
    ("warnings", "预警", "Warnings"),
    ("warning_rule", "预警类型", "Rule"),
    ("warning_state", "状态", "State"),
    ("warnings_seen", "本次发现", "Found by this run"),
    ("warnings_new", "新开", "New"),
    ("warnings_unresolved", "未办结", "Unresolved"),
    ("warnings_closed", "已办结", "Closed"),
    (
        "no_warnings_raised",
        "本次比对未发现预警。",
        "This run raised no warnings.",
    ),
    ("state_open", "待核实", "Open"),
    ("state_verifying", "核实中", "Being verified"),
    ("state_confirmed", "已查实", "Confirmed"),
    ("state_dismissed", "已排除", "Dismissed"),
    ("whole_jurisdiction", "全辖区", "whole jurisdiction"),
    (
        "ageing_note",
        "按时长统计的是未办结预警自生成之日起的天数。",
        "The age columns count unresolved warnings by days since they were opened.",
    ),
    ("warnings_found", "条预警", "warnings"),
    ("no_warnings", "没有符合条件的预警。", "No warnings match."),
    ("opened", "生成", "Opened"),
    ("days_waiting", "已等待天数", "Days waiting"),
    ("last_seen", "最近比对发现", "Last seen"),
    ("responsible_area", "核实责任地", "Responsible area"),
    ("other_household", "另一户", "the other household"),
    ("row", "行号", "row"),
    ("record_key", "部门记录编号", "Department record key"),
    ("place", "地点", "Place"),
    ("record_detail", "内容", "Detail"),
    ("record_date", "日期", "Date"),
    ("amount", "金额（元）", "Amount (yuan)"),
    (
        "linked_member",
        "关联到建档立卡成员",
        "Linked registry member",
    ),
    ("verification", "核实处置", "Verification"),
    (
        "verify_note",
        "核实方式（入户、查阅材料……）",
        "How it is being verified (visit, documents …)",
    ),
    ("start_verifying", "开始核实", "Start verifying"),
    ("resolution", "处理方式", "Action taken"),
    ("confirm_warning", "查实并办结", "Confirm and close"),
    ("dismiss_reason", "排除理由", "Reason for dismissing"),
    ("dismiss_warning", "排除", "Dismiss"),
    ("assign_warning", "转交其他区域核实", "Hand to another area"),
    ("act_refused", "未能处理", "Not done"),
    ("area", "区划", "Area"),
    ("cases", "办理事项", "Cases"),
    ("back_to_case", "返回事项", "Back to the case"),
    ("deadline", "办结时限", "Decide by"),
    ("overdue", "已超期", "overdue"),
    ("print", "打印", "Print"),
    (
        "notice_not_yet",
        "该事项尚未进入公示。",
        "The case has not reached its public notice.",
    ),
    (
        "notice_sheet",
        "公示（可打印）",
        "Public notice (printable)",
    ),
    ("no_cases", "没有事项。", "No cases."),
    ("procedure", "事项", "Procedure"),
    ("subject", "对象", "Subject"),
    ("step", "环节", "Step"),
    ("updated", "更新时间", "Updated"),
    ("note", "说明", "Note"),
    ("act", "操作", "Act"),
    ("confirm", "确定", "Confirm"),
    ("held", "因异议暂停", "held by an objection"),
    ("household_record", "农户档案", "household record"),
    ("notice_from", "公示开始", "notice from"),
    ("advance_to", "办理：", "Take the step: "),
    ("objection_by", "异议人", "Objection raised by"),
    ("objection", "异议内容", "Objection"),
    ("record_objection", "登记异议", "Record the objection"),
    ("objection_finding", "异议核实结论", "Finding"),
    ("upheld", "异议成立（不予通过）", "upheld (turn down)"),
    (
        "dismissed",
        "异议不成立（重新公示）",
        "dismissed (notice again)",
    ),
    ("finding", "核实情况", "What was found"),
    ("resolve_objection", "处理异议", "Resolve the objection"),
    (
        "reject_or_withdraw",
        "不予通过或撤回",
        "Turn down or withdraw",
    ),
    ("case_history", "办理记录", "History"),
    ("act_open", "发起", "opened"),
    ("act_advance", "办理", "step taken"),
    ("act_reject", "不予通过", "turned down"),
    ("act_withdraw", "撤回", "withdrawn"),
    ("act_object", "登记异议", "objection"),
    ("act_resolve_objection", "处理异议", "objection resolved"),
    (
        "apply_identification",
        "申请识别（贫困户）",
        "Apply for identification",
    ),
    (
        "choose_procedure",
        "请选择事项 / choose a procedure",
        "choose a procedure",
    ),
    ("start_procedure", "发起事项", "Start a procedure"),
    ("exit_procedure", "贫困户退出", "exit"),
    ("monitoring_entry", "纳入监测", "monitoring entry"),
    ("monitoring_removal", "监测风险消除", "monitoring removal"),
    ("monitoring_category", "监测类型", "Monitoring category"),
    ("assessment", "评估", "Assessment"),
    ("exit_standard", "出列/摘帽标准", "Exit standard"),
    ("public_notices", "公示公告", "Public notices"),
    ("measures", "帮扶措施", "Measures"),
    ("measure", "措施", "Measure"),
    ("measure_catalogue", "措施目录", "Measures catalogue"),
    ("member", "成员", "Member"),
    ("standard", "标准", "Standard"),
    ("entitled", "应享", "entitled"),
    ("delivered", "已落实", "delivered"),
    ("gap", "未落实", "gap"),
    ("gaps", "未落实", "gaps"),
    (
        "no_entitlements",
        "按目录暂无应享措施。",
        "No entitlements under the catalogue.",
    ),
    ("deliveries", "措施落实记录", "Measures delivered"),
    ("delivered_on", "落实日期", "Delivered on"),
    ("amount_yuan", "金额（元）", "Amount (yuan)"),
    ("delivering_unit", "落实单位", "Delivering unit"),
    ("record_delivery", "记录措施落实", "Record a delivery"),
    ("invalid_date", "日期无效", "invalid date"),
    ("back_to_area", "返回区域", "Back to the area"),
    ("by_measure", "按措施", "By measure"),
    (
        "households_with_gaps",
        "有未落实措施的户",
        "Households with gaps",
    ),
    ("no_gaps", "没有未落实的措施。", "No gaps."),
    ("by_helper", "按帮扶责任人", "By helper"),
    ("paired_households", "帮扶户数", "Paired households"),
    (
        "no_area_helpers",
        "本区域没有结对帮扶记录。",
        "No helper pairings in this area.",
    ),
    (
        "not_matched_yet",
        "尚未进行措施匹配（fupin measures match）。",
        "Not matched yet (fupin measures match).",
    ),
    ("export_toml", "导出目录（TOML）", "Export (TOML)"),
    ("department", "主管部门", "Department"),
    ("per", "对象", "Per"),
    ("per_household", "按户", "household"),
    ("per_member", "按人", "member"),
    ("period", "期间", "Period"),
    ("rule", "享受条件", "Eligibility rule"),
    ("versions", "版本", "Versions"),
    ("in_force", "现行", "in force"),
    ("load_catalogue", "载入新目录", "Load a catalogue"),
    (
        "catalogue_refused",
        "目录有错误，未载入：",
        "The catalogue has problems and was not loaded:",
    ),
    ("all_notices", "全部公示", "All notices"),
    (
        "notice_subject",
        "户主（户编号）",
        "Head (household number)",
    ),
    ("notice_period", "公示期", "Notice period"),
    ("notice_running", "公示中", "on notice"),
    (
        "notice_held",
        "公示中（异议核实中）",
        "on notice (objection being checked)",
    ),
    ("notice_over", "公示期满", "notice period over"),
    ("notice_under_review", "公示期满，审核中", "under review"),
    ("notice_announced", "已公告", "announced"),
    ("no_notices", "暂无公示。", "No notices."),
    (
        "notice_objection_hint",
        "对公示对象有异议的，可在公示期内向村民委员会或乡镇人民政府反映，也可拨打12317扶贫监督举报电话。",
        "Objections may be raised with the village committee or the township during the notice period, or on the 12317 hotline.",
    ),
    (
        "village_exit_standard",
        "贫困村出列标准",
        "Village exit standard",
    ),
    (
        "county_exit_standard",
        "贫困县摘帽标准（三率一度）",
        "County exit standard",
    ),
    ("criterion", "标准", "Criterion"),
    ("requirement", "要求", "Requirement"),
    ("considered_only", "（参考）", "(considered)"),
    ("yuan", "元", "yuan"),
    (
        "crit_incidence",
        "贫困发生率（建档立卡）",
        "Poverty incidence (registry)",
    ),
    (
        "crit_comprehensive_incidence",
        "综合贫困发生率",
        "Comprehensive poverty incidence",
    ),
    ("crit_wrong_exit_rate", "脱贫人口错退率", "Wrong-exit rate"),
    ("crit_omission_rate", "贫困人口漏评率", "Omission rate"),
    ("crit_approval", "群众认可度", "Public approval"),
    ("ind_road", "通硬化路", "Hardened access road"),
    ("ind_bus", "通客车", "Bus service"),
    ("ind_water", "安全饮水", "Safe drinking water"),
    ("ind_power", "生产生活用电", "Electricity"),
    (
        "ind_broadcast",
        "广播电视户户通",
        "Broadcast TV to every home",
    ),
    (
        "ind_culture_centre",
        "综合文化服务中心",
        "Cultural service centre",
    ),
    ("ind_clinic", "标准化卫生室", "Standard clinic and doctor"),
    ("ind_broadband", "宽带", "Broadband"),
    (
        "ind_collective_income",
        "村集体经济收入",
        "Collective income",
    ),
    (
        "exit_unknown_note",
        "未知：尚未导入该项数据（fupin areas indicators）。",
        "Unknown: the figure is not loaded yet (fupin areas indicators).",
    ),
    ("assessed", "已评估户", "assessed"),
    ("band_poor", "贫困（<60分）", "poor (<60)"),
    ("band_at_risk", "可退出有风险", "at risk"),
    ("band_stable", "稳定（≥80分）", "stable (≥80)"),
    ("all_met", "全部达标", "all met"),
    ("short_income", "收入未达标", "income short"),
    ("short_education", "义务教育未保障", "schooling short"),
    ("short_medical", "医疗未保障", "medical short"),
    ("short_housing", "住房不安全", "housing short"),
    ("short_water", "饮水不安全", "water short"),
    ("poverty_index", "贫困指数", "Poverty index"),
    ("expected_exit", "预计脱贫年度", "expected exit"),
    ("batch_score", "批量评估得分", "batch score"),
    ("exit_test", "退出标准（一达标两不愁三保障）", "Exit test"),
    ("result", "结果", "Result"),
    ("evidence", "依据", "Evidence"),
    ("met", "达标", "met"),
    ("not_met", "未达标", "not met"),
    ("outcome_unknown", "未知", "unknown"),
    ("index_breakdown", "贫困指数明细", "Poverty index breakdown"),
    ("indicator", "指标", "Indicator"),
    ("value", "取值", "Value"),
    ("points", "得分", "Points"),
    ("weight", "权重", "Weight"),
    ("why", "说明", "Why"),
    ("new_household", "新增农户", "Register a household"),
    ("head_of_household", "户主", "Head of household"),
    (
        "empty_form",
        "表单为空 / the form is empty",
        "the form is empty",
    ),
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
    (
        "export_xlsx",
        "导出 Excel（XLSX）",
        "Export to Excel (XLSX)",
    ),
    (
        "export_needs_query",
        "请先输入查询条件再导出 / search before exporting",
        "search before exporting",
    ),
    (
        "export_capped",
        "仅导出前{n}户；更多请缩小范围，或由管理员使用 fupin export 导出",
        "only the first {n} households; narrow the search, or ask an administrator for fupin export",
    ),
    ("search_results", "查询结果", "Search results"),
    // issue 24, items 2–4: searches rate-limited, lists by area
    (
        "search_throttled",
        "查询过于频繁，请{s}秒后再试 / too many searches: try again in {s} s",
        "Too many searches: try again in {s} s",
    ),
    ("list_owner", "所属区域", "Belongs to"),
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
        "请选择减少原因并填写日期 / choose why and give the date",
        "choose why and give the date",
    ),
    ("edit", "修改", "Edit"),
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
    ("exit_line", "当年脱贫标准(元)", "exit line (yuan)"),
    ("against_line", "收入达标", "income test"),
    ("above_line", "高于标准", "above the line"),
    ("not_above_line", "未高于标准", "not above the line"),
    ("unknown", "不详", "unknown"),
    // the household card (明白卡)
    ("back", "返回", "Back"),
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
    ("archives", "档案资料", "Archives"),
    ("no_archives", "尚无扫描档案。", "No scanned documents yet."),
    ("archive_title", "标题", "Title"),
    (
        "archive_file",
        "文件（PDF、JPEG、PNG）",
        "File (PDF, JPEG, PNG)",
    ),
    ("attach_archive", "上传档案", "Attach"),
    ("archive_refused", "档案未保存", "Not attached"),
    ("uploaded_by", "上传人", "Uploaded by"),
    ("uploaded_at", "上传时间", "Uploaded at"),
    ("file_size", "大小", "Size"),
    ("helpers", "帮扶责任人", "Helpers"),
    (
        "no_helpers",
        "尚未落实帮扶责任人。",
        "No helper assigned yet.",
    ),
];

/// The catalog by key, built once (a page looks up dozens of keys; the list holds hundreds).
static BY_KEY: std::sync::LazyLock<
    std::collections::HashMap<&'static str, (&'static str, &'static str)>,
> = std::sync::LazyLock::new(|| CATALOG.iter().map(|(k, zh, en)| (*k, (*zh, *en))).collect());

/// Looks a key up; `None` if the catalog lacks it.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    BY_KEY.get(key).map(|(zh, en)| lang.pick(zh, en))
}

/// The text of a UI string; an unknown key is shown as itself (and fails the catalog test).
pub fn t(lang: Lang, key: &str) -> &str {
    lookup(lang, key).unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_translated() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in CATALOG {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k} untranslated");
        }
    }

    #[test]
    fn every_key_used_by_a_template_exists() {
        for (name, source) in crate::render::TEMPLATES {
            for part in source.split("t(\"").skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                assert!(
                    lookup(Lang::Zh, key).is_some(),
                    "{name}: unknown key {key:?}"
                );
            }
        }
    }

    #[test]
    fn negotiates_query_then_cookie_then_default() {
        let mut headers = HeaderMap::new();
        assert_eq!(Lang::negotiate(None, &headers), (Lang::Zh, false));
        headers.insert(header::COOKIE, "a=b; lang=en".parse().unwrap());
        assert_eq!(Lang::negotiate(None, &headers), (Lang::En, false));
        assert_eq!(
            Lang::negotiate(Some("page=2&lang=zh-CN"), &headers),
            (Lang::Zh, true)
        );
        assert_eq!(
            Lang::negotiate(Some("lang=fr"), &headers),
            (Lang::En, false)
        );
    }
}
