//! Code lists (字典) of the registry: every closed set of values a form offers.
//!
//! Each value has a stable code (stored in the database and the JSON API), a Chinese label (what
//! the county spreadsheets and the pages show) and an English label. Parsing accepts any of the
//! three, so a spreadsheet written with Chinese labels, codes or English imports alike.
//! Where `domain.md` marks a national list as unverified, these follow the provincial forms it
//! cites; a deployment with another dictionary maps it at import time.

use std::fmt;

/// A closed list of coded values.
pub trait CodeList: Sized + Copy + 'static {
    /// Every value in form order.
    const ALL: &'static [Self];
    /// The list's own name, used in error messages ("主要致贫原因" …).
    const LIST_ZH: &'static str;
    fn code(self) -> &'static str;
    fn zh(self) -> &'static str;
    fn en(self) -> &'static str;

    /// Parses a code, Chinese label or English label (case-insensitive for ASCII, surrounding
    /// whitespace ignored).
    fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        Self::ALL.iter().copied().find(|v| {
            v.code().eq_ignore_ascii_case(t) || v.zh() == t || v.en().eq_ignore_ascii_case(t)
        })
    }
}

macro_rules! code_list {
    (
        $(#[$meta:meta])*
        $name:ident, $list_zh:literal {
            $( $variant:ident = ($code:literal, $zh:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $variant ),+ }

        impl CodeList for $name {
            const ALL: &'static [Self] = &[ $( Self::$variant ),+ ];
            const LIST_ZH: &'static str = $list_zh;
            fn code(self) -> &'static str { match self { $( Self::$variant => $code ),+ } }
            fn zh(self) -> &'static str { match self { $( Self::$variant => $zh ),+ } }
            fn en(self) -> &'static str { match self { $( Self::$variant => $en ),+ } }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.zh()) }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                <Self as CodeList>::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown {} value {:?}", $list_zh, s))
                })
            }
        }
    };
}

code_list! {
    /// 性别.
    Sex, "性别" {
        Male = ("1", "男", "male"),
        Female = ("2", "女", "female"),
    }
}

code_list! {
    /// 识别标准: which poverty line the household was identified against.
    IdentificationStandard, "识别标准" {
        National = ("national", "国家标准", "national"),
        Provincial = ("provincial", "省定标准", "provincial"),
        Municipal = ("municipal", "市定标准", "municipal"),
    }
}

code_list! {
    /// 贫困户属性.
    PovertyAttribute, "贫困户属性" {
        Ordinary = ("ordinary", "一般贫困户", "ordinary"),
        Dibao = ("dibao", "低保贫困户", "subsistence allowance (dibao)"),
        Destitute = ("destitute", "特困供养贫困户", "destitute support"),
    }
}

code_list! {
    /// 致贫原因 (main cause single, other causes at most two).
    Cause, "致贫原因" {
        Illness = ("illness", "因病", "illness"),
        Disability = ("disability", "因残", "disability"),
        Schooling = ("schooling", "因学", "schooling costs"),
        Disaster = ("disaster", "因灾", "disaster"),
        LackLand = ("lack_land", "缺土地", "lack of land"),
        LackWater = ("lack_water", "缺水", "lack of water"),
        LackSkills = ("lack_skills", "缺技术", "lack of skills"),
        LackLabour = ("lack_labour", "缺劳力", "lack of labour"),
        LackCapital = ("lack_capital", "缺资金", "lack of capital"),
        PoorTransport = ("poor_transport", "交通条件落后", "poor transport"),
        LackMotivation = ("lack_motivation", "自身发展动力不足", "lack of self-motivation"),
        Other = ("other", "其它", "other"),
    }
}

code_list! {
    /// 户状态: where the household stands at the end of a year (annual snapshot).
    HouseholdStatus, "户状态" {
        Poor = ("poor", "未脱贫", "poor (not exited)"),
        ExitedWithPolicy = ("exited_with_policy", "脱贫享受政策", "exited, still receiving policies"),
        ExitedNoPolicy = ("exited_no_policy", "脱贫不享受政策", "exited, no longer receiving policies"),
        Returned = ("returned", "返贫", "returned to poverty"),
        Removed = ("removed", "清退", "removed (wrongly registered)"),
        Closed = ("closed", "自然消亡", "closed (household died out)"),
    }
}

impl HouseholdStatus {
    pub fn is_exited(self) -> bool {
        matches!(self, Self::ExitedWithPolicy | Self::ExitedNoPolicy)
    }
    /// Still counted in the registered poor population (poverty incidence numerator).
    pub fn is_poor(self) -> bool {
        matches!(self, Self::Poor | Self::Returned)
    }
}

code_list! {
    /// 监测对象类型 (2021+).
    MonitoringCategory, "监测对象类型" {
        Unstable = ("unstable", "脱贫不稳定户", "unstable exited household"),
        Marginal = ("marginal", "边缘易致贫户", "marginal household at risk"),
        SuddenHardship = ("sudden_hardship", "突发严重困难户", "sudden severe difficulty"),
    }
}

code_list! {
    /// 与户主关系 (provincial dictionary; GB/T 4761 style).
    Relation, "与户主关系" {
        Head = ("head", "户主", "head"),
        Spouse = ("spouse", "配偶", "spouse"),
        Son = ("son", "之子", "son"),
        Daughter = ("daughter", "之女", "daughter"),
        DaughterInLaw = ("daughter_in_law", "之儿媳", "daughter-in-law"),
        SonInLaw = ("son_in_law", "之女婿", "son-in-law"),
        Grandson = ("grandson", "之孙子", "grandson"),
        Granddaughter = ("granddaughter", "之孙女", "granddaughter"),
        Father = ("father", "之父", "father"),
        Mother = ("mother", "之母", "mother"),
        Grandfather = ("grandfather", "之祖父", "grandfather"),
        Grandmother = ("grandmother", "之祖母", "grandmother"),
        Sibling = ("sibling", "之兄弟姐妹", "brother or sister"),
        Other = ("other", "其他", "other"),
    }
}

code_list! {
    /// 文化程度.
    Education, "文化程度" {
        Preschool = ("preschool", "学龄前儿童", "pre-school child"),
        Illiterate = ("illiterate", "文盲或半文盲", "illiterate or semi-literate"),
        Primary = ("primary", "小学", "primary"),
        Junior = ("junior", "初中", "junior secondary"),
        Senior = ("senior", "高中", "senior secondary"),
        College = ("college", "大专及以上", "college and above"),
    }
}

code_list! {
    /// 在校生状况.
    Schooling, "在校生状况" {
        NotInSchool = ("none", "非在校生", "not in school"),
        Preschool = ("preschool", "学前教育", "pre-school"),
        Primary = ("primary", "小学", "primary school"),
        Junior = ("junior", "初中", "junior secondary school"),
        Senior = ("senior", "高中", "senior secondary school"),
        Vocational = ("vocational", "中职", "secondary vocational"),
        HigherVocational = ("higher_vocational", "高职高专", "higher vocational college"),
        University = ("university", "本科及以上", "university"),
    }
}

impl Schooling {
    /// Plausible ages (in whole years) for a pupil at this stage; `None` means any age.
    /// Wide on purpose: late entry, repeated years and adult study happen in poor areas.
    pub fn plausible_ages(self) -> Option<(u32, u32)> {
        match self {
            Self::NotInSchool => None,
            Self::Preschool => Some((2, 7)),
            Self::Primary => Some((5, 16)),
            Self::Junior => Some((10, 20)),
            Self::Senior | Self::Vocational => Some((13, 25)),
            Self::HigherVocational | Self::University => Some((15, 45)),
        }
    }
}

code_list! {
    /// 健康状况.
    Health, "健康状况" {
        Healthy = ("healthy", "健康", "healthy"),
        Chronic = ("chronic", "长期慢性病", "long-term chronic disease"),
        Serious = ("serious", "患有大病", "serious illness"),
        Disabled = ("disabled", "残疾", "disabled"),
    }
}

code_list! {
    /// 劳动技能 (five-value provincial variant).
    Labour, "劳动技能" {
        Ordinary = ("ordinary", "普通劳动力", "ordinary labour"),
        Skilled = ("skilled", "技能劳动力", "skilled labour"),
        Weak = ("weak", "弱劳动力或半劳动力", "weak or half labour"),
        Lost = ("lost", "丧失劳动力", "lost labour capacity"),
        None = ("none", "无劳动力", "no labour capacity"),
    }
}

impl Labour {
    pub fn can_work(self) -> bool {
        matches!(self, Self::Ordinary | Self::Skilled | Self::Weak)
    }
}

code_list! {
    /// 务工状况.
    MigrantWork, "务工状况" {
        None = ("none", "未务工", "not a migrant worker"),
        InTownship = ("in_township", "乡(镇)内务工", "within the township"),
        InCounty = ("in_county", "乡(镇)外县内务工", "outside the township, inside the county"),
        InProvince = ("in_province", "县外省内务工", "outside the county, inside the province"),
        OutOfProvince = ("out_of_province", "省外务工", "outside the province"),
        Other = ("other", "其他", "other"),
    }
}

code_list! {
    /// 房屋主要结构.
    HouseStructure, "房屋主要结构" {
        Concrete = ("concrete", "钢筋混凝土", "reinforced concrete"),
        BrickConcrete = ("brick_concrete", "砖混", "brick-concrete"),
        BrickWood = ("brick_wood", "砖瓦砖木", "brick-tile or brick-wood"),
        CaveBrick = ("cave_brick", "砖、石窑洞", "brick or stone cave dwelling"),
        Earth = ("earth", "竹草土坯、土窑洞", "bamboo, thatch, adobe or earth cave"),
        Other = ("other", "其他", "other"),
    }
}

code_list! {
    /// 危房等级 (建村函〔2009〕69号): C and D are dangerous houses.
    HouseGrade, "危房等级" {
        A = ("A", "A级", "grade A (safe)"),
        B = ("B", "B级", "grade B (members dangerous, structure safe)"),
        C = ("C", "C级", "grade C (local danger)"),
        D = ("D", "D级", "grade D (whole building dangerous)"),
    }
}

impl HouseGrade {
    pub fn is_dangerous(self) -> bool {
        matches!(self, Self::C | Self::D)
    }
}

code_list! {
    /// 饮水情况 (agricultural-census categories).
    WaterSource, "饮水情况" {
        TreatedTap = ("treated_tap", "经过净化处理的自来水", "treated tap water"),
        ProtectedWell = ("protected_well", "受保护的井水和泉水", "protected well or spring"),
        UnprotectedWell = ("unprotected_well", "不受保护的井水和泉水", "unprotected well or spring"),
        River = ("river", "江河湖泊水", "river or lake"),
        Rain = ("rain", "收集雨水", "rain water"),
        Bottled = ("bottled", "桶装水", "bottled water"),
        Other = ("other", "其他水源", "other source"),
    }
}

code_list! {
    /// 主要燃料类型.
    Fuel, "燃料类型" {
        Firewood = ("firewood", "柴草", "firewood or straw"),
        Coal = ("coal", "煤炭", "coal"),
        BottledLpg = ("bottled_lpg", "罐装液化石油气", "bottled LPG"),
        PipedLpg = ("piped_lpg", "管道液化石油气", "piped LPG"),
        PipedCoalGas = ("piped_coal_gas", "管道煤气", "piped coal gas"),
        NaturalGas = ("natural_gas", "管道天然气", "piped natural gas"),
        Electricity = ("electricity", "电", "electricity"),
        FuelOil = ("fuel_oil", "燃料用油", "fuel oil"),
        Biogas = ("biogas", "沼气", "biogas"),
        Other = ("other", "其他", "other"),
        NoCooking = ("no_cooking", "无炊用行为", "no cooking"),
    }
}

code_list! {
    /// 民族 (GB 3304, codes 01-56 plus 97 other and 98 naturalised foreigners).
    Ethnicity, "民族" {
        Han = ("01", "汉族", "Han"),
        Mongol = ("02", "蒙古族", "Mongol"),
        Hui = ("03", "回族", "Hui"),
        Tibetan = ("04", "藏族", "Tibetan"),
        Uyghur = ("05", "维吾尔族", "Uyghur"),
        Miao = ("06", "苗族", "Miao"),
        Yi = ("07", "彝族", "Yi"),
        Zhuang = ("08", "壮族", "Zhuang"),
        Buyei = ("09", "布依族", "Buyei"),
        Korean = ("10", "朝鲜族", "Korean"),
        Manchu = ("11", "满族", "Manchu"),
        Dong = ("12", "侗族", "Dong"),
        Yao = ("13", "瑶族", "Yao"),
        Bai = ("14", "白族", "Bai"),
        Tujia = ("15", "土家族", "Tujia"),
        Hani = ("16", "哈尼族", "Hani"),
        Kazakh = ("17", "哈萨克族", "Kazakh"),
        Dai = ("18", "傣族", "Dai"),
        Li = ("19", "黎族", "Li"),
        Lisu = ("20", "傈僳族", "Lisu"),
        Va = ("21", "佤族", "Va"),
        She = ("22", "畲族", "She"),
        Gaoshan = ("23", "高山族", "Gaoshan"),
        Lahu = ("24", "拉祜族", "Lahu"),
        Sui = ("25", "水族", "Sui"),
        Dongxiang = ("26", "东乡族", "Dongxiang"),
        Naxi = ("27", "纳西族", "Naxi"),
        Jingpo = ("28", "景颇族", "Jingpo"),
        Kyrgyz = ("29", "柯尔克孜族", "Kyrgyz"),
        Tu = ("30", "土族", "Tu"),
        Daur = ("31", "达斡尔族", "Daur"),
        Mulao = ("32", "仫佬族", "Mulao"),
        Qiang = ("33", "羌族", "Qiang"),
        Blang = ("34", "布朗族", "Blang"),
        Salar = ("35", "撒拉族", "Salar"),
        Maonan = ("36", "毛南族", "Maonan"),
        Gelao = ("37", "仡佬族", "Gelao"),
        Xibe = ("38", "锡伯族", "Xibe"),
        Achang = ("39", "阿昌族", "Achang"),
        Pumi = ("40", "普米族", "Pumi"),
        Tajik = ("41", "塔吉克族", "Tajik"),
        Nu = ("42", "怒族", "Nu"),
        Uzbek = ("43", "乌孜别克族", "Uzbek"),
        Russian = ("44", "俄罗斯族", "Russian"),
        Evenki = ("45", "鄂温克族", "Evenki"),
        Deang = ("46", "德昂族", "De'ang"),
        Bonan = ("47", "保安族", "Bonan"),
        Yugur = ("48", "裕固族", "Yugur"),
        Gin = ("49", "京族", "Gin"),
        Tatar = ("50", "塔塔尔族", "Tatar"),
        Derung = ("51", "独龙族", "Derung"),
        Oroqen = ("52", "鄂伦春族", "Oroqen"),
        Hezhen = ("53", "赫哲族", "Hezhen"),
        Monba = ("54", "门巴族", "Monba"),
        Lhoba = ("55", "珞巴族", "Lhoba"),
        Jino = ("56", "基诺族", "Jino"),
        Other = ("97", "其他", "other"),
        Naturalised = ("98", "外国血统中国籍人士", "naturalised citizen of foreign origin"),
    }
}

/// Yes/no fields (是/否) as the spreadsheets write them.
pub fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim() {
        "是" | "有" | "Y" | "y" | "yes" | "Yes" | "YES" | "1" | "true" | "TRUE" | "√" => {
            Some(true)
        }
        "否" | "无" | "N" | "n" | "no" | "No" | "NO" | "0" | "false" | "FALSE" | "" => {
            Some(false)
        }
        _ => None,
    }
}

pub fn yes_no_zh(v: bool) -> &'static str {
    if v { "是" } else { "否" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_code_chinese_and_english() {
        assert_eq!(Cause::parse("因病"), Some(Cause::Illness));
        assert_eq!(Cause::parse(" illness "), Some(Cause::Illness));
        assert_eq!(Cause::parse("Lack of land"), Some(Cause::LackLand));
        assert_eq!(Cause::parse("因穷"), None);
        assert_eq!(Ethnicity::parse("06"), Some(Ethnicity::Miao));
        assert_eq!(Ethnicity::parse("布依族"), Some(Ethnicity::Buyei));
        assert_eq!(Ethnicity::ALL.len(), 58);
    }

    #[test]
    fn codes_and_labels_are_unique_within_each_list() {
        fn check<T: CodeList>() {
            let mut seen = std::collections::HashSet::new();
            for v in T::ALL {
                assert!(seen.insert(v.code()), "{} code {}", T::LIST_ZH, v.code());
                assert!(
                    seen.insert(v.zh()) || v.zh() == v.code(),
                    "{} zh {}",
                    T::LIST_ZH,
                    v.zh()
                );
            }
        }
        check::<Cause>();
        check::<Ethnicity>();
        check::<Relation>();
        check::<HouseholdStatus>();
        check::<Schooling>();
        check::<Education>();
        check::<Fuel>();
        check::<WaterSource>();
        check::<Labour>();
        check::<MigrantWork>();
    }

    #[test]
    fn serde_uses_codes() {
        let j = serde_json::to_string(&HouseholdStatus::ExitedWithPolicy).unwrap();
        assert_eq!(j, "\"exited_with_policy\"");
        let back: HouseholdStatus = serde_json::from_str("\"脱贫享受政策\"").unwrap();
        assert_eq!(back, HouseholdStatus::ExitedWithPolicy);
    }
}
