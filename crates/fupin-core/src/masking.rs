//! What personal data looks like to someone who may not see it in full: 张*强,
//! 5201**********123X, 138****5678. One module, used by pages, the API and exports alike;
//! [`Disclosure`] decides per viewer (a [`Principal`]'s roles, or the public) what is masked.

use crate::access::{Principal, Sensitive};
use crate::codes::{CodeList, Health};
use crate::fields::Field;
use crate::household::Household;

/// What one viewer sees in full. `Disclosure::public()` masks everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    revealed: [bool; Sensitive::ALL.len()],
}

impl Disclosure {
    /// Public pages and anyone not logged in.
    pub fn public() -> Self {
        Self {
            revealed: [false; Sensitive::ALL.len()],
        }
    }

    /// Everything in full: the command-line operator of the machine.
    pub fn full() -> Self {
        Self {
            revealed: [true; Sensitive::ALL.len()],
        }
    }

    pub fn for_principal(p: &Principal) -> Self {
        let mut d = Self::public();
        for s in Sensitive::ALL {
            d.revealed[*s as usize] = p.reveals(*s);
        }
        d
    }

    pub fn reveals(&self, s: Sensitive) -> bool {
        self.revealed[s as usize]
    }

    /// `text` as this viewer may see it, `s` saying what kind of data it is.
    pub fn show(&self, s: Sensitive, text: &str) -> String {
        if self.reveals(s) {
            return text.to_string();
        }
        match s {
            Sensitive::Name => name(text),
            Sensitive::IdNumber => id_number(text),
            Sensitive::Phone => phone(text),
            Sensitive::BankAccount => bank_account(text),
            Sensitive::BirthDate => birth_date(text),
            Sensitive::Location => coordinate(text),
            Sensitive::Health => hidden(text),
        }
    }

    /// Free text about a household (a reason typed with a change, a delivery's evidence, a
    /// checklist's evidence, a note) as this viewer may see it: every personal value of the
    /// household this viewer may not see in full — a member's name, ID number, birth date,
    /// health other than healthy, the phone and bank account — is replaced by its masked form
    /// wherever it is quoted. Text built from structured facts masks them where it is built
    /// (the measures' reasons); this is the net for text that was written whole.
    pub fn scrub(&self, text: &str, household: &Household) -> String {
        let mut pairs: Vec<(Sensitive, String)> = Vec::new();
        for m in &household.members {
            pairs.push((Sensitive::IdNumber, m.id_number.as_str().to_string()));
            pairs.push((Sensitive::Name, m.name.clone()));
            pairs.push((Sensitive::BirthDate, crate::date::iso(m.birth_date)));
            if m.health != Health::Healthy {
                pairs.push((Sensitive::Health, m.health.zh().to_string()));
                pairs.push((Sensitive::Health, m.health.en().to_string()));
            }
        }
        pairs.push((Sensitive::Phone, household.phone.clone()));
        pairs.push((Sensitive::BankAccount, household.bank_account.clone()));
        pairs.retain(|(s, v)| !self.reveals(*s) && !v.trim().is_empty());
        // longest first: a name inside an ID-less text, a number inside a longer one
        pairs.sort_by_key(|(_, v)| std::cmp::Reverse(v.chars().count()));
        pairs.iter().fold(text.to_string(), |t, (s, v)| {
            if t.contains(v.as_str()) {
                t.replace(v.as_str(), &self.show(*s, v))
            } else {
                t
            }
        })
    }

    /// A value of a registry field (as logged or exported) as this viewer may see it.
    pub fn field(&self, field: Field, text: &str) -> String {
        match sensitivity(field) {
            Some(s) => self.show(s, text),
            None => text.to_string(),
        }
    }
}

/// The kind of personal data a registry field holds, if any.
pub fn sensitivity(field: Field) -> Option<Sensitive> {
    Some(match field {
        Field::MemberName => Sensitive::Name,
        Field::IdNumber => Sensitive::IdNumber,
        Field::Phone => Sensitive::Phone,
        Field::BankAccount => Sensitive::BankAccount,
        Field::BirthDate => Sensitive::BirthDate,
        Field::Longitude | Field::Latitude => Sensitive::Location,
        Field::Health => Sensitive::Health,
        _ => return None,
    })
}

/// `张小强` → `张*强`, `张三` → `张*`, `欧阳小明` → `欧**明`.
pub fn name(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// `52010219800101123X` → `5201**********123X`; other lengths keep at most two characters at
/// each end.
pub fn id_number(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    let n = chars.len();
    let ends = |k: usize| {
        let head: String = chars[..k].iter().collect();
        let tail: String = chars[n - k..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(n - 2 * k))
    };
    match n {
        0 => String::new(),
        n if n >= 15 => ends(4),
        n if n > 4 => ends(2),
        _ => "****".into(),
    }
}

/// `13812345678` → `138****5678`; short numbers keep at most their last two digits.
pub fn phone(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    let n = chars.len();
    match n {
        0 => String::new(),
        n if n >= 8 => {
            let head: String = chars[..3].iter().collect();
            let tail: String = chars[n - 4..].iter().collect();
            format!("{head}****{tail}")
        }
        n if n >= 4 => format!("****{}", chars[n - 2..].iter().collect::<String>()),
        _ => "****".into(),
    }
}

/// Only the last four characters of an account number (spaces ignored).
pub fn bank_account(text: &str) -> String {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let n = chars.len();
    match n {
        0 => String::new(),
        n if n > 4 => format!("**** {}", chars[n - 4..].iter().collect::<String>()),
        _ => "****".into(),
    }
}

/// A birth date `1970-03-04` reduced to its year.
pub fn birth_date(text: &str) -> String {
    match text.trim().split_once('-') {
        Some((year, _)) => format!("{year}-**-**"),
        None if text.trim().is_empty() => String::new(),
        None => "****".into(),
    }
}

/// A coordinate rounded to two decimals (about a kilometre).
pub fn coordinate(text: &str) -> String {
    match text.trim().parse::<f64>() {
        Ok(v) => format!("{v:.2}"),
        Err(_) if text.trim().is_empty() => String::new(),
        Err(_) => "****".into(),
    }
}

/// Withheld entirely (health and disability details).
pub fn hidden(text: &str) -> String {
    if text.trim().is_empty() {
        String::new()
    } else {
        "***".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::area::AreaCode;
    use proptest::prelude::*;

    #[test]
    fn free_text_about_a_household_is_scrubbed_of_what_the_viewer_may_not_see() {
        let mut h = crate::testing::sample_household();
        h.phone = "13912345678".into();
        h.members[1].health = Health::Serious;
        let name = h.members[1].name.clone();
        let id = h.members[1].id_number.as_str().to_string();
        let birth = crate::date::iso(h.members[1].birth_date);
        let text = format!("{name}（{id}，{birth}生）患有大病，电话13912345678");
        let public = Disclosure::public().scrub(&text, &h);
        for withheld in [
            name.as_str(),
            id.as_str(),
            birth.as_str(),
            "患有大病",
            "13912345678",
        ] {
            assert!(!public.contains(withheld), "{withheld} in {public}");
        }
        assert!(public.contains(&super::name(&name)), "{public}");
        assert!(public.contains("138****5678") || public.contains("139****5678"));
        assert_eq!(Disclosure::full().scrub(&text, &h), text);
    }

    #[test]
    fn masked_forms() {
        assert_eq!(name("张小强"), "张*强");
        assert_eq!(name("张三"), "张*");
        assert_eq!(name("欧阳小明"), "欧**明");
        assert_eq!(id_number("52010219800101123X"), "5201**********123X");
        assert_eq!(id_number("5227261970"), "52******70");
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(phone("0851-5551234"), "085****1234");
        assert_eq!(phone("12345"), "****45");
        assert_eq!(phone("12"), "****");
        assert_eq!(bank_account("6228 4801 2345 6789 012"), "**** 9012");
        assert_eq!(birth_date("1970-03-04"), "1970-**-**");
        assert_eq!(coordinate("107.512345"), "107.51");
        assert_eq!(hidden("二级肢体残疾"), "***");
    }

    #[test]
    fn each_viewer_sees_what_the_table_says() {
        let leader = Principal {
            user_id: 1,
            username: "l".into(),
            area: AreaCode::parse("522726").unwrap(),
            roles: vec![Role::OfficeLeader],
            token_actions: None,
        };
        let d = Disclosure::for_principal(&leader);
        assert_eq!(d.field(Field::MemberName, "张小强"), "张小强");
        assert_eq!(
            d.field(Field::IdNumber, "52010219800101123X"),
            "5201**********123X"
        );
        assert_eq!(d.field(Field::Address, "一组"), "一组");
        let public = Disclosure::public();
        assert_eq!(public.field(Field::MemberName, "张小强"), "张*强");
        assert_eq!(
            Disclosure::full().field(Field::Phone, "13812345678"),
            "13812345678"
        );
    }

    proptest! {
        #[test]
        fn masks_never_reveal_the_middle_of_an_id(id in "[0-9]{17}[0-9X]") {
            let m = id_number(&id);
            prop_assert_eq!(m.chars().count(), 18);
            prop_assert_eq!(&m[4..14], "**********");
            prop_assert_eq!(&m[..4], &id[..4]);
        }

        #[test]
        fn masked_names_keep_only_the_ends(n in "\\p{Han}{2,6}") {
            let m = name(&n);
            prop_assert_eq!(m.chars().count(), n.chars().count());
            prop_assert_eq!(m.chars().next(), n.chars().next());
            prop_assert!(m.chars().skip(1).take(n.chars().count() - 2).all(|c| c == '*'));
        }
    }
}
