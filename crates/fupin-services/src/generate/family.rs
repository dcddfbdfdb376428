//! Who lives in a household: its make-up (head, spouse, children, parents, grandchildren),
//! names, ages and ethnicity. The other member fields and the household's attribute and causes
//! are drawn in [`profile`](super::profile).

use chrono::{Datelike, NaiveDate};
use fupin_core::codes::*;
use fupin_core::{IdNumber, Member};
use rand::Rng;

use super::names::{full_name, surname};
use super::pick::pick;
use super::profile::{
    attribute_for, education_for, fill_insurance, force_health, health_for, keep_a_carer_at_home,
    labour_for, main_cause_for, mark_dibao, migrant_for, no_work_for_the_destitute,
    other_causes_for, schooling_for,
};
use super::region::Region;

/// Households never list more people than this.
const MAX_MEMBERS: usize = 8;

/// The make-up of a household. Weights give a mean size of about 3.2 (registry: 3.04).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    SingleElderly,
    ElderlyCouple,
    /// Often an unmarried man, sometimes living with a brother or sister.
    SingleAdult,
    Nuclear,
    NuclearWithParents,
    ThreeGenerations,
    SingleParent,
    /// Grandparents raising left-behind grandchildren whose parents work away.
    SkippedGeneration,
    AdultChildren,
}

const SHAPES: &[(Shape, u32)] = &[
    (Shape::SingleElderly, 13),
    (Shape::ElderlyCouple, 14),
    (Shape::SingleAdult, 6),
    (Shape::Nuclear, 32),
    (Shape::NuclearWithParents, 8),
    (Shape::ThreeGenerations, 10),
    (Shape::SingleParent, 7),
    (Shape::SkippedGeneration, 6),
    (Shape::AdultChildren, 4),
];

/// A member before an ID number is assigned.
pub struct Person {
    pub name: String,
    pub sex: Sex,
    pub birth: NaiveDate,
    /// Whole years on the reference date (31 December of the last data year).
    pub age: u32,
    pub relation: Relation,
    pub ethnicity: Ethnicity,
    pub education: Education,
    pub schooling: Schooling,
    pub health: Health,
    pub labour: Labour,
    pub migrant: MigrantWork,
    pub migrant_months: u8,
    pub medical_insurance: bool,
    pub pension_insurance: bool,
    pub dibao: bool,
    pub critical_illness_insurance: bool,
}

impl Person {
    pub fn into_member(self, id_number: IdNumber, birth_date: NaiveDate) -> Member {
        Member {
            name: self.name,
            id_number,
            sex: self.sex,
            birth_date,
            relation: self.relation,
            ethnicity: self.ethnicity,
            education: self.education,
            schooling: self.schooling,
            health: self.health,
            labour: self.labour,
            migrant: self.migrant,
            migrant_months: self.migrant_months,
            medical_insurance: self.medical_insurance,
            pension_insurance: self.pension_insurance,
            dibao: self.dibao,
            critical_illness_insurance: self.critical_illness_insurance,
        }
    }

    pub fn birth_year(&self) -> i32 {
        self.birth.year()
    }

    pub fn in_costly_school(&self) -> bool {
        matches!(
            self.schooling,
            Schooling::Senior
                | Schooling::Vocational
                | Schooling::HigherVocational
                | Schooling::University
        )
    }
}

/// A generated household's people and the classification that depends on them.
pub struct Family {
    pub shape: Shape,
    pub people: Vec<Person>,
    pub attribute: PovertyAttribute,
    pub main_cause: Cause,
    pub other_causes: Vec<Cause>,
}

/// Draws a household's people, attribute and causes. Ages refer to 31 December `ref_year`.
pub fn family(rng: &mut impl Rng, region: &Region, ref_year: i32) -> Family {
    let shape = pick(rng, SHAPES);
    let mut people = Builder::new(rng, region, ref_year).build(shape);
    for p in &mut people {
        p.schooling = schooling_for(rng, p.age);
        p.education = education_for(rng, p);
    }
    let attribute = attribute_for(rng, shape, people.len());
    let main_cause = main_cause_for(rng, region, shape, attribute, &people);
    let other_causes = other_causes_for(rng, region, shape, attribute, &people, main_cause);
    for p in &mut people {
        p.health = health_for(rng, p.age);
    }
    force_health(rng, &mut people, attribute, main_cause, &other_causes);
    for p in &mut people {
        p.labour = labour_for(rng, p);
        (p.migrant, p.migrant_months) = migrant_for(rng, region, p);
        fill_insurance(rng, p);
    }
    no_work_for_the_destitute(&mut people, attribute);
    keep_a_carer_at_home(&mut people);
    mark_dibao(rng, &mut people, attribute);
    Family {
        shape,
        people,
        attribute,
        main_cause,
        other_causes,
    }
}

// ---------------------------------------------------------------- make-up

struct Builder<'a, R> {
    rng: &'a mut R,
    region: &'a Region,
    ref_year: i32,
    people: Vec<Person>,
    head_surname: &'static str,
}

/// The couple at the centre of a household, for children's surnames and ethnicity.
struct Couple {
    surname: &'static str,
    ethnicity: Ethnicity,
    /// Age of the children's mother (real or, for a single father, assumed).
    mother_age: u32,
}

impl<'a, R: Rng> Builder<'a, R> {
    fn new(rng: &'a mut R, region: &'a Region, ref_year: i32) -> Self {
        Self {
            rng,
            region,
            ref_year,
            people: Vec::with_capacity(MAX_MEMBERS),
            head_surname: "",
        }
    }

    fn build(mut self, shape: Shape) -> Vec<Person> {
        match shape {
            Shape::SingleElderly => {
                let age = self.elderly_age();
                let sex = self.sex(0.45);
                self.head(sex, age);
            }
            Shape::ElderlyCouple => {
                let age = self.elderly_age();
                self.couple(age, 0.9, true);
            }
            Shape::SingleAdult => self.single_adult(),
            Shape::Nuclear => {
                let age = self.rng.random_range(26..=56);
                let c = self.couple(age, 0.88, true);
                self.children(&c, 1, 26);
            }
            Shape::NuclearWithParents => {
                let age = self.rng.random_range(30..=55);
                let c = self.couple(age, 0.9, true);
                self.children(&c, 1, 26);
                self.parents(age);
            }
            Shape::ThreeGenerations => self.three_generations(),
            Shape::SingleParent => {
                let age = self.rng.random_range(28..=55);
                let sex = self.sex(0.4);
                let c = self.single_parent(sex, age);
                self.children(&c, 1, 26);
            }
            Shape::SkippedGeneration => {
                let age = self.rng.random_range(55..=78);
                let with_spouse = self.rng.random_bool(0.6);
                let c = self.couple(age, 0.55, with_spouse);
                self.grandchildren(c.surname, c.ethnicity, None);
            }
            Shape::AdultChildren => {
                let age = self.rng.random_range(45..=65);
                let with_spouse = self.rng.random_bool(0.85);
                let c = self.couple(age, 0.85, with_spouse);
                self.children(&c, 14, 32);
            }
        }
        self.people
    }

    fn sex(&mut self, male_share: f64) -> Sex {
        if self.rng.random_bool(male_share) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    fn elderly_age(&mut self) -> u32 {
        let band = pick(
            self.rng,
            &[(60, 20), (65, 25), (70, 24), (75, 17), (80, 10), (85, 4)],
        );
        band + self.rng.random_range(0..5)
    }

    fn add(
        &mut self,
        relation: Relation,
        sex: Sex,
        age: u32,
        ethnicity: Ethnicity,
        surname: &str,
    ) -> bool {
        if self.people.len() >= MAX_MEMBERS {
            return false;
        }
        let year = self.ref_year - age as i32;
        let birth = NaiveDate::from_yo_opt(year, self.rng.random_range(1..=365))
            .expect("day 1-365 exists in every year");
        let name = full_name(self.rng, surname, sex, year);
        self.people.push(Person {
            name,
            sex,
            birth,
            age,
            relation,
            ethnicity,
            education: Education::Primary,
            schooling: Schooling::NotInSchool,
            health: Health::Healthy,
            labour: Labour::None,
            migrant: MigrantWork::None,
            migrant_months: 0,
            medical_insurance: true,
            pension_insurance: false,
            dibao: false,
            critical_illness_insurance: false,
        });
        true
    }

    fn ethnicity(&mut self) -> Ethnicity {
        pick(self.rng, self.region.ethnicities)
    }

    /// A partner's ethnicity: mostly the same group, otherwise anyone from the region.
    fn partner_ethnicity(&mut self, own: Ethnicity) -> Ethnicity {
        if self.rng.random_bool(0.8) {
            own
        } else {
            self.ethnicity()
        }
    }

    fn head(&mut self, sex: Sex, age: u32) -> (&'static str, Ethnicity) {
        let eth = self.ethnicity();
        let s = surname(self.rng, eth);
        self.head_surname = s;
        self.add(Relation::Head, sex, age, eth, s);
        (s, eth)
    }

    /// Head and (if `with_spouse`) spouse; the wife is usually a little younger.
    fn couple(&mut self, head_age: u32, male_head_share: f64, with_spouse: bool) -> Couple {
        let head_sex = self.sex(male_head_share);
        let (head_surname, head_eth) = self.head(head_sex, head_age);
        if !with_spouse {
            return self.widowed(head_sex, head_surname, head_eth, head_age);
        }
        let gap = self.rng.random_range(-2..=6);
        let spouse_age = match head_sex {
            Sex::Male => (head_age as i32 - gap).max(18) as u32,
            Sex::Female => (head_age as i32 + gap).max(18) as u32,
        };
        let spouse_sex = other_sex(head_sex);
        let spouse_eth = self.partner_ethnicity(head_eth);
        let spouse_surname = surname(self.rng, spouse_eth);
        self.add(
            Relation::Spouse,
            spouse_sex,
            spouse_age,
            spouse_eth,
            spouse_surname,
        );
        let (husband_surname, mother_age) = match head_sex {
            Sex::Male => (head_surname, spouse_age),
            Sex::Female => (spouse_surname, head_age),
        };
        Couple {
            surname: husband_surname,
            ethnicity: child_ethnicity(head_eth, spouse_eth),
            mother_age,
        }
    }

    /// The family line of a head without a partner (widowed, divorced or a single father).
    fn widowed(&mut self, sex: Sex, own: &'static str, eth: Ethnicity, age: u32) -> Couple {
        let (line, mother_age) = match sex {
            Sex::Male => (own, age.saturating_sub(2)),
            // children carry their late or absent father's surname, sometimes the mother's
            Sex::Female if self.rng.random_bool(0.8) => (surname(self.rng, eth), age),
            Sex::Female => (own, age),
        };
        Couple {
            surname: line,
            ethnicity: eth,
            mother_age,
        }
    }

    fn single_parent(&mut self, sex: Sex, age: u32) -> Couple {
        let (own, eth) = self.head(sex, age);
        self.widowed(sex, own, eth, age)
    }

    fn single_adult(&mut self) {
        let age =
            pick(self.rng, &[(25, 10), (35, 25), (45, 35), (55, 30)]) + self.rng.random_range(0..5);
        let sex = self.sex(0.75);
        let (s, eth) = self.head(sex, age);
        if self.rng.random_bool(0.2) {
            let sibling_age = (age as i32 + self.rng.random_range(-8..=8)).max(18) as u32;
            let sibling_sex = if self.rng.random_bool(0.7) {
                sex
            } else {
                other_sex(sex)
            };
            self.add(Relation::Sibling, sibling_sex, sibling_age, eth, s);
        }
    }

    /// 1-3 (occasionally more) children of the couple, the eldest at most `max_age`, at least
    /// `min_age` when that is possible.
    fn children(&mut self, c: &Couple, min_age: u32, max_age: u32) {
        let count = pick(self.rng, &[(1, 35), (2, 45), (3, 17), (4, 3)]);
        let mother_at_first = self.rng.random_range(20..=28);
        let mut age = (c.mother_age as i32 - mother_at_first).min(max_age as i32);
        if age < min_age as i32 {
            age = (min_age as i32).min(c.mother_age as i32 - 17);
        }
        for _ in 0..count {
            if age < 0 {
                break;
            }
            let sex = self.sex(0.53);
            let relation = match sex {
                Sex::Male => Relation::Son,
                Sex::Female => Relation::Daughter,
            };
            self.add(relation, sex, age as u32, c.ethnicity, c.surname);
            age -= self.rng.random_range(2..=5);
        }
    }

    /// The head's parents, one or both.
    fn parents(&mut self, head_age: u32) {
        let (head_surname, head_eth) = (self.head_surname, self.people[0].ethnicity);
        let father_age = head_age + self.rng.random_range(22..=34);
        let mother_age = father_age - self.rng.random_range(0..=5);
        let which = pick(self.rng, &[(3, 45), (2, 35), (1, 20)]);
        if which & 1 == 1 && father_age <= 96 {
            self.add(
                Relation::Father,
                Sex::Male,
                father_age,
                head_eth,
                head_surname,
            );
        }
        if which & 2 == 2 && mother_age <= 96 {
            let eth = self.partner_ethnicity(head_eth);
            let s = surname(self.rng, eth);
            self.add(Relation::Mother, Sex::Female, mother_age, eth, s);
        }
    }

    /// An older couple, a married son (or a daughter with a live-in son-in-law), grandchildren.
    fn three_generations(&mut self) {
        let age = self.rng.random_range(52..=75);
        let with_spouse = self.rng.random_bool(0.8);
        let c = self.couple(age, 0.88, with_spouse);
        let heir_age = (c.mother_age as i32 - self.rng.random_range(20..=30)).max(20) as u32;
        let uxorilocal = self.rng.random_bool(0.15);
        let (heir_sex, heir_rel, in_law_rel) = if uxorilocal {
            (Sex::Female, Relation::Daughter, Relation::SonInLaw)
        } else {
            (Sex::Male, Relation::Son, Relation::DaughterInLaw)
        };
        self.add(heir_rel, heir_sex, heir_age, c.ethnicity, c.surname);
        let in_law_age = match heir_sex {
            Sex::Male => (heir_age as i32 - self.rng.random_range(-1..=4)).max(19) as u32,
            Sex::Female => heir_age + self.rng.random_range(0..=4),
        };
        let in_law_eth = self.partner_ethnicity(c.ethnicity);
        let in_law_surname = surname(self.rng, in_law_eth);
        self.add(
            in_law_rel,
            other_sex(heir_sex),
            in_law_age,
            in_law_eth,
            in_law_surname,
        );
        if self.rng.random_bool(0.2) {
            let age = heir_age
                .saturating_sub(self.rng.random_range(2..=8))
                .max(14);
            let sex = self.sex(0.5);
            let rel = if sex == Sex::Male {
                Relation::Son
            } else {
                Relation::Daughter
            };
            self.add(rel, sex, age, c.ethnicity, c.surname);
        }
        let mother_age = if uxorilocal { heir_age } else { in_law_age };
        // grandchildren of a live-in son-in-law usually take the head's family name
        let eth = child_ethnicity(c.ethnicity, in_law_eth);
        self.grandchildren(c.surname, eth, Some(mother_age));
    }

    /// 1-3 grandchildren; without a known mother they are left-behind children aged 0-16.
    fn grandchildren(&mut self, line: &str, eth: Ethnicity, mother_age: Option<u32>) {
        let count = pick(self.rng, &[(1, 45), (2, 40), (3, 15)]);
        let mut age = match mother_age {
            Some(m) => m as i32 - self.rng.random_range(20..=30),
            None => self.rng.random_range(3..=16),
        };
        for _ in 0..count {
            if age < 0 {
                break;
            }
            let sex = self.sex(0.53);
            let rel = match sex {
                Sex::Male => Relation::Grandson,
                Sex::Female => Relation::Granddaughter,
            };
            self.add(rel, sex, age as u32, eth, line);
            age -= self.rng.random_range(2..=5);
        }
    }
}

fn other_sex(s: Sex) -> Sex {
    match s {
        Sex::Male => Sex::Female,
        Sex::Female => Sex::Male,
    }
}

/// Children of a mixed marriage are usually registered with the minority parent's group.
fn child_ethnicity(a: Ethnicity, b: Ethnicity) -> Ethnicity {
    if a == Ethnicity::Han { b } else { a }
}
