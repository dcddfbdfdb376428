//! Names as the linkage engine compares them: normalised (spaces and separator dots removed,
//! traditional characters made simplified) and read aloud (every toneless pinyin reading of each
//! character, so 张/章 and 丽/莉 agree as homophones; 单 reads dan, chan and shan).
//!
//! Southwestern Mandarin, spoken where most poor counties are, does not separate zh/z, ch/c,
//! sh/s, n/l, or -ng from -n; a clerk writing down a spoken name can pick a character from the
//! wrong side of any of these. A second, coarser reading folds them together.

use std::collections::HashMap;

type FastMap<K, V> = foldhash::HashMap<K, V>;
use std::sync::OnceLock;

use pinyin::ToPinyinMulti;

/// Characters kept per name for the character-level comparisons; longer names (transliterated
/// minority names) still compare exactly on the whole name through `whole`.
pub const KEPT: usize = 6;
/// Readings kept per character (almost all name characters have one to three).
const READINGS: usize = 3;

/// Sound id 0 means "no reading" (not a Han character).
type Sound = u16;

/// A normalised name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Name {
    chars: [char; KEPT],
    sounds: [[Sound; READINGS]; KEPT],
    len: u8,
    /// Hash of the whole normalised name, for exact agreement on names longer than `KEPT`.
    whole: u64,
}

/// How closely two names agree, from closest to farthest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameAgreement {
    /// The same characters once both are simplified.
    Exact,
    /// Same length, every character equal or sharing a reading (张伟 / 章伟).
    Homophone,
    /// As `Homophone` with the dialect folds (zh/z, n/l, -ng/-n …): 刘宁 / 刘林.
    DialectHomophone,
    /// Three or more characters of which one differs, is missing or is extra (李小明 / 李大明,
    /// 李小明 / 李明).
    OneCharacter,
    /// Two-character names with one character different: often just the same surname.
    OneOfTwo,
    Different,
}

impl NameAgreement {
    pub const ALL: [NameAgreement; 6] = [
        Self::Exact,
        Self::Homophone,
        Self::DialectHomophone,
        Self::OneCharacter,
        Self::OneOfTwo,
        Self::Different,
    ];
}

impl Name {
    /// Normalises `text`; `None` when nothing is left.
    pub fn new(text: &str) -> Option<Name> {
        let table = tables();
        let mut chars = [' '; KEPT];
        let mut sounds = [[0; READINGS]; KEPT];
        let mut len = 0usize;
        let mut hash = FNV_OFFSET;
        for c in text.chars().filter_map(normal_char) {
            let c = table.simplified.get(&c).copied().unwrap_or(c);
            hash = fnv(hash, c as u32);
            if len < KEPT {
                chars[len] = c;
                sounds[len] = table.sounds_of(c);
            }
            len += 1;
        }
        (len > 0).then(|| Name {
            chars,
            sounds,
            len: len.min(255) as u8,
            whole: hash,
        })
    }

    /// The normalised characters (at most `KEPT`).
    pub fn chars(&self) -> &[char] {
        &self.chars[..self.kept()]
    }

    fn kept(&self) -> usize {
        usize::from(self.len).min(KEPT)
    }

    /// A key that homophones share: the first reading of each character (or the character
    /// itself when it has none), dialect-folded. Used for blocking, so it is deliberately coarse.
    pub fn sound_key(&self) -> u64 {
        self.sounds_hash(0..self.kept())
    }

    /// The sound of the first character (the surname, but for compound surnames).
    pub fn surname_sound(&self) -> u32 {
        self.sound_unit(0)
    }

    /// The sound key of the characters after the first; `None` for a one-character name.
    pub fn given_sound_key(&self) -> Option<u64> {
        (self.kept() >= 2).then(|| self.sounds_hash(1..self.kept()))
    }

    fn sound_unit(&self, i: usize) -> u32 {
        match self.sounds[i][0] {
            0 => self.chars[i] as u32,
            s => 0x11_0000 + u32::from(tables().fold[usize::from(s)]),
        }
    }

    fn sounds_hash(&self, range: std::ops::Range<usize>) -> u64 {
        range.fold(FNV_OFFSET, |h, i| fnv(h, self.sound_unit(i)))
    }

    /// Hash of the whole normalised name (term frequencies are counted by it).
    pub fn whole(&self) -> u64 {
        self.whole
    }

    pub fn compare(&self, other: &Name) -> NameAgreement {
        if self.whole == other.whole && self.len == other.len {
            return NameAgreement::Exact;
        }
        let (a, b) = (self.kept(), other.kept());
        let fold = &tables().fold;
        if a == b {
            let mut homophone = true;
            let mut dialect = true;
            let mut different = 0;
            for i in 0..a {
                if self.chars[i] == other.chars[i] {
                    continue;
                }
                let (x, y) = (&self.sounds[i], &other.sounds[i]);
                if share(x, y, |s| s) {
                    continue;
                }
                homophone = false;
                if share(x, y, |s| fold[usize::from(s)]) {
                    continue;
                }
                dialect = false;
                different += 1;
            }
            if homophone {
                return NameAgreement::Homophone;
            }
            if dialect {
                return NameAgreement::DialectHomophone;
            }
            if different == 1 {
                return if a >= 3 {
                    NameAgreement::OneCharacter
                } else {
                    NameAgreement::OneOfTwo
                };
            }
            return NameAgreement::Different;
        }
        let (long, short) = if a > b { (self, other) } else { (other, self) };
        if long.kept() == short.kept() + 1 && long.kept() >= 3 && one_dropped(long, short) {
            return NameAgreement::OneCharacter;
        }
        NameAgreement::Different
    }
}

/// Whether `short` is `long` with one character left out.
fn one_dropped(long: &Name, short: &Name) -> bool {
    let (l, s) = (long.chars(), short.chars());
    let first_difference = s.iter().zip(l).take_while(|(x, y)| x == y).count();
    s[first_difference..] == l[first_difference + 1..]
}

fn share(x: &[Sound; READINGS], y: &[Sound; READINGS], map: impl Fn(Sound) -> Sound) -> bool {
    x.iter()
        .filter(|&&s| s != 0)
        .any(|&s| y.iter().filter(|&&t| t != 0).any(|&t| map(s) == map(t)))
}

/// Drops what clerks add between or around name parts; full-width Latin becomes ASCII.
fn normal_char(c: char) -> Option<char> {
    match c {
        '·' | '•' | '・' | '.' | '。' | '-' | '－' => None,
        c if c.is_whitespace() => None,
        '\u{FF01}'..='\u{FF5E}' => {
            char::from_u32(c as u32 - 0xFEE0).map(|c| c.to_ascii_uppercase())
        }
        c => Some(c.to_ascii_uppercase()),
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv(mut h: u64, unit: u32) -> u64 {
    for b in unit.to_le_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A traditional form of a simplified character, where the table has one (the generator
/// writes names the way an older or a Hong Kong–trained clerk might).
pub fn traditional(c: char) -> Option<char> {
    static REVERSE: OnceLock<HashMap<char, char>> = OnceLock::new();
    REVERSE
        .get_or_init(|| {
            let mut reverse = HashMap::new();
            for (&t, &s) in &tables().simplified {
                let slot = reverse.entry(s).or_insert(t);
                *slot = (*slot).min(t); // the same choice every run
            }
            reverse
        })
        .get(&c)
        .copied()
}

struct Tables {
    simplified: FastMap<char, char>,
    /// Readings of every character from U+3400 to U+9FFF, by code point.
    sounds: Vec<[Sound; READINGS]>,
    /// Sound id → the id of its dialect-folded form.
    fold: Vec<Sound>,
}

const FIRST_HAN: u32 = 0x3400;
const LAST_HAN: u32 = 0x9FFF;

impl Tables {
    fn sounds_of(&self, c: char) -> [Sound; READINGS] {
        let code = c as u32;
        if (FIRST_HAN..=LAST_HAN).contains(&code) {
            self.sounds[(code - FIRST_HAN) as usize]
        } else {
            [0; READINGS]
        }
    }
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build_tables)
}

fn build_tables() -> Tables {
    let simplified = include_str!("../../data/t2s.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut cs = l.split_whitespace().map(|w| w.chars().next());
            Some((cs.next()??, cs.next()??))
        })
        .collect();
    // id 0 is "no reading"; plain syllables and folded syllables share one id space
    let mut ids: HashMap<String, Sound> = HashMap::new();
    let mut names: Vec<String> = vec![String::new()];
    let mut id_of = |s: String, names: &mut Vec<String>| -> Sound {
        *ids.entry(s.clone()).or_insert_with(|| {
            names.push(s);
            (names.len() - 1) as Sound
        })
    };
    let mut sounds = Vec::with_capacity((LAST_HAN - FIRST_HAN + 1) as usize);
    for code in FIRST_HAN..=LAST_HAN {
        let mut readings = [0; READINGS];
        if let Some(multi) = char::from_u32(code).and_then(|c| c.to_pinyin_multi()) {
            let mut n = 0;
            for p in multi {
                let id = id_of(p.plain().to_string(), &mut names);
                if n < READINGS && !readings[..n].contains(&id) {
                    readings[n] = id;
                    n += 1;
                }
            }
        }
        sounds.push(readings);
    }
    let plain_count = names.len();
    let mut fold = vec![0; plain_count];
    for (id, slot) in fold.iter_mut().enumerate().skip(1) {
        let folded = dialect_fold(&names[id]);
        *slot = id_of(folded, &mut names);
    }
    Tables {
        simplified,
        sounds,
        fold,
    }
}

/// The dialect-folded spelling of a toneless syllable: zh→z, ch→c, sh→s, n→l (as an initial),
/// -ang/-eng/-ing → -an/-en/-in.
pub fn dialect_fold(syllable: &str) -> String {
    let s = syllable.replace('ü', "v");
    let (initial, rest) = if let Some(r) = s.strip_prefix("zh") {
        ("z", r)
    } else if let Some(r) = s.strip_prefix("ch") {
        ("c", r)
    } else if let Some(r) = s.strip_prefix("sh") {
        ("s", r)
    } else if s.starts_with('n') && s != "ng" && s != "n" {
        ("l", &s[1..])
    } else {
        ("", s.as_str())
    };
    let rest = match rest.strip_suffix("ng") {
        Some(r) if r.ends_with(['a', 'e', 'i']) => r.to_string() + "n",
        _ => rest.to_string(),
    };
    format!("{initial}{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use NameAgreement::*;
    use proptest::prelude::*;

    fn cmp(a: &str, b: &str) -> NameAgreement {
        Name::new(a).unwrap().compare(&Name::new(b).unwrap())
    }

    #[test]
    fn agreement_levels_from_the_data_clerks_desk() {
        assert_eq!(cmp("张伟", "张伟"), Exact);
        assert_eq!(cmp("张 伟", "张伟"), Exact, "spaces do not count");
        assert_eq!(
            cmp("張偉", "张伟"),
            Exact,
            "traditional is simplified first"
        );
        assert_eq!(cmp("阿依古丽·买买提", "阿依古丽买买提"), Exact);
        assert_eq!(cmp("章伟", "张伟"), Homophone);
        assert_eq!(cmp("王丽", "王莉"), Homophone);
        assert_eq!(cmp("单华", "山华"), Homophone, "单 also reads shan");
        assert_eq!(cmp("刘宁", "刘林"), DialectHomophone, "n/l and -ng/-n");
        assert_eq!(
            cmp("周成", "邹岑"),
            DialectHomophone,
            "zh/z and ch/c, eng/en"
        );
        assert_eq!(cmp("李小明", "李大明"), OneCharacter);
        assert_eq!(cmp("李小明", "李明"), OneCharacter, "a dropped character");
        assert_eq!(cmp("李明", "李亮"), OneOfTwo);
        assert_eq!(cmp("李明", "王亮"), Different);
        assert_eq!(cmp("李小明", "李晓敏"), DialectHomophone, "ming/min");
        assert_eq!(cmp("李小明", "李晓鸣"), Homophone);
        assert_eq!(cmp("李小明", "王大明"), Different);
    }

    #[test]
    fn folds_follow_southwestern_mandarin() {
        assert_eq!(dialect_fold("zhang"), "zan");
        assert_eq!(dialect_fold("ning"), "lin");
        assert_eq!(dialect_fold("shen"), "sen");
        assert_eq!(dialect_fold("lv"), "lv");
        assert_eq!(dialect_fold("ng"), "ng");
        assert_eq!(dialect_fold("hong"), "hong", "-ong has no -on partner");
    }

    #[test]
    fn homophones_share_a_sound_key_and_strangers_do_not() {
        let key = |s: &str| Name::new(s).unwrap().sound_key();
        assert_eq!(key("张伟"), key("章伟"));
        assert_eq!(key("张伟"), key("張偉"));
        assert_ne!(key("张伟"), key("王伟"));
    }

    #[test]
    fn a_traditional_form_reads_back_as_the_simplified() {
        let t = traditional('张').unwrap();
        assert_eq!(t, '張');
        assert_eq!(traditional('丁'), None);
    }

    #[test]
    fn nothing_but_separators_is_no_name() {
        assert!(Name::new(" · ").is_none());
        assert!(Name::new("").is_none());
    }

    proptest! {
        #[test]
        fn comparison_is_symmetric_and_exact_on_itself(
            a in "[张章王李刘宁林小晓明伟单山 ·]{1,5}",
            b in "[张章王李刘宁林小晓明伟单山 ·]{1,5}",
        ) {
            if let (Some(x), Some(y)) = (Name::new(&a), Name::new(&b)) {
                prop_assert_eq!(x.compare(&y), y.compare(&x));
                prop_assert_eq!(x.compare(&x), Exact);
                if x.compare(&y) == Exact {
                    prop_assert_eq!(x.sound_key(), y.sound_key());
                }
            }
        }
    }
}
