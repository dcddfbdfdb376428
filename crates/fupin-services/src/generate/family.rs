//! Who lives in a household: its make-up (head, spouse, children, parents, grandchildren),
//! names and ethnicity, and every member field consistent with age, sex and the household's
//! poverty attribute and causes.

use chrono::{Datelike, NaiveDate};
use fupin_core::codes::*;
use fupin_core::{IdNumber, Member};
use rand::Rng;

use super::names::{full_name, surname};
use super::pick::{pick, pick_index};
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

    fn in_costly_school(&self) -> bool {
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
    if attribute == PovertyAttribute::Destitute {
        // 特困供养 means no capacity to work and no one obliged to provide
        let head = &mut people[0];
        head.labour = if head.age >= 65 {
            Labour::None
        } else {
            Labour::Lost
        };
        (head.migrant, head.migrant_months) = (MigrantWork::None, 0);
    }
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

// ---------------------------------------------------------------- member fields

fn schooling_for(rng: &mut impl Rng, age: u32) -> Schooling {
    use Schooling as S;
    match age {
        0..=2 => S::NotInSchool,
        // ages are on 31 December; 5-year-olds are kept out of 学前教育 so the record stays
        // plausible for the validator's pre-school range for three more years
        3..=4 => pick(rng, &[(S::Preschool, 80), (S::NotInSchool, 20)]),
        5 => pick(rng, &[(S::Primary, 35), (S::NotInSchool, 65)]),
        6..=11 => S::Primary,
        12..=14 => S::Junior,
        15 => pick(
            rng,
            &[
                (S::Junior, 50),
                (S::Senior, 25),
                (S::Vocational, 15),
                (S::NotInSchool, 10),
            ],
        ),
        16..=18 => pick(
            rng,
            &[(S::Senior, 40), (S::Vocational, 30), (S::NotInSchool, 30)],
        ),
        19..=22 => pick(
            rng,
            &[
                (S::University, 12),
                (S::HigherVocational, 18),
                (S::NotInSchool, 70),
            ],
        ),
        _ => S::NotInSchool,
    }
}

fn education_for(rng: &mut impl Rng, p: &Person) -> Education {
    use Education as E;
    match p.schooling {
        Schooling::Preschool => return E::Preschool,
        Schooling::Primary => return E::Primary,
        Schooling::Junior => return E::Junior,
        Schooling::Senior | Schooling::Vocational => return E::Senior,
        Schooling::HigherVocational | Schooling::University => return E::College,
        Schooling::NotInSchool => {}
    }
    match p.age {
        0..=5 => return E::Preschool,
        6..=13 => return E::Primary,
        14..=15 => return E::Junior,
        _ => {}
    }
    let year = p.birth.year();
    let table: &[(Education, u32)] = match year {
        ..1950 => &[
            (E::Illiterate, 45),
            (E::Primary, 40),
            (E::Junior, 13),
            (E::Senior, 2),
        ],
        1950..1965 => &[
            (E::Illiterate, 22),
            (E::Primary, 45),
            (E::Junior, 27),
            (E::Senior, 6),
        ],
        1965..1980 => &[
            (E::Illiterate, 7),
            (E::Primary, 38),
            (E::Junior, 45),
            (E::Senior, 8),
            (E::College, 2),
        ],
        1980..1995 => &[
            (E::Illiterate, 3),
            (E::Primary, 20),
            (E::Junior, 55),
            (E::Senior, 15),
            (E::College, 7),
        ],
        _ => &[
            (E::Primary, 6),
            (E::Junior, 48),
            (E::Senior, 28),
            (E::College, 18),
        ],
    };
    let e = pick(rng, table);
    // girls of the older cohorts had less schooling
    if p.sex == Sex::Female && year < 1980 && rng.random_bool(0.25) {
        return match e {
            E::Primary => E::Illiterate,
            E::Junior => E::Primary,
            E::Senior => E::Junior,
            other => other,
        };
    }
    e
}

fn attribute_for(rng: &mut impl Rng, shape: Shape, size: usize) -> PovertyAttribute {
    use PovertyAttribute as A;
    let (destitute, dibao) = match (shape, size) {
        (Shape::SingleElderly, _) => (18, 30),
        (Shape::SingleAdult, 1) => (11, 30),
        _ => (0, 14),
    };
    pick(
        rng,
        &[
            (A::Destitute, destitute),
            (A::Dibao, dibao),
            (A::Ordinary, 100 - destitute - dibao),
        ],
    )
}

/// Main-cause weights in `Cause::ALL` order, roughly the national registry shares.
fn cause_weights(
    region: &Region,
    shape: Shape,
    attribute: PovertyAttribute,
    people: &[Person],
) -> [f64; 12] {
    // 因病 因残 因学 因灾 缺土地 缺水 缺技术 缺劳力 缺资金 交通 动力不足 其它
    let mut w = [
        30.0, 7.0, 5.0, 3.0, 3.0, 1.5, 14.0, 9.0, 20.0, 2.5, 4.0, 1.0,
    ];
    let students = people.iter().filter(|p| p.in_costly_school()).count();
    w[2] *= if students == 0 { 0.0 } else { 2.0 };
    if region.is_mountainous() {
        w[3] *= 1.5;
        w[5] *= 1.5;
        w[9] *= 2.0;
    }
    match shape {
        Shape::SingleElderly | Shape::ElderlyCouple => {
            w[0] *= 1.4;
            w[7] *= 3.0;
            w[6] *= 0.3;
            w[8] *= 0.4;
            w[10] *= 0.3;
        }
        Shape::SingleAdult => {
            w[0] *= 1.3;
            w[1] *= 2.0;
            w[10] *= 2.5;
        }
        _ => {}
    }
    match attribute {
        PovertyAttribute::Destitute => {
            w[1] *= 3.0;
            w[7] *= 3.0;
        }
        PovertyAttribute::Dibao => {
            w[0] *= 1.5;
            w[1] *= 2.0;
            w[7] *= 1.5;
        }
        PovertyAttribute::Ordinary => {}
    }
    w
}

fn main_cause_for(
    rng: &mut impl Rng,
    region: &Region,
    shape: Shape,
    attribute: PovertyAttribute,
    people: &[Person],
) -> Cause {
    let w = cause_weights(region, shape, attribute, people);
    Cause::ALL[pick_index(rng, &w)]
}

/// 0-2 further causes, never the main one, never repeated.
fn other_causes_for(
    rng: &mut impl Rng,
    region: &Region,
    shape: Shape,
    attribute: PovertyAttribute,
    people: &[Person],
    main: Cause,
) -> Vec<Cause> {
    let count = pick(rng, &[(0usize, 30), (1, 40), (2, 30)]);
    let mut w = cause_weights(region, shape, attribute, people);
    w[11] = 0.0; // "其它" only as a main cause
    let mut out = Vec::with_capacity(count);
    let exclude = |c: Cause, w: &mut [f64; 12]| {
        if let Some(i) = Cause::ALL.iter().position(|x| *x == c) {
            w[i] = 0.0;
        }
    };
    exclude(main, &mut w);
    for _ in 0..count {
        if w.iter().sum::<f64>() <= 0.0 {
            break;
        }
        let c = Cause::ALL[pick_index(rng, &w)];
        exclude(c, &mut w);
        out.push(c);
    }
    out
}

fn health_for(rng: &mut impl Rng, age: u32) -> Health {
    use Health as H;
    let table: &[(Health, u32)] = match age {
        0..=15 => &[
            (H::Healthy, 970),
            (H::Chronic, 12),
            (H::Serious, 3),
            (H::Disabled, 15),
        ],
        16..=44 => &[
            (H::Healthy, 890),
            (H::Chronic, 55),
            (H::Serious, 15),
            (H::Disabled, 40),
        ],
        45..=59 => &[
            (H::Healthy, 730),
            (H::Chronic, 170),
            (H::Serious, 30),
            (H::Disabled, 70),
        ],
        _ => &[
            (H::Healthy, 480),
            (H::Chronic, 350),
            (H::Serious, 60),
            (H::Disabled, 110),
        ],
    };
    pick(rng, table)
}

/// Makes health agree with the causes: 因病 needs a sick member, 因残 a disabled one, and a
/// destitute-support person is sick or disabled or old.
fn force_health(
    rng: &mut impl Rng,
    people: &mut [Person],
    attribute: PovertyAttribute,
    main: Cause,
    others: &[Cause],
) {
    let has = |people: &[Person], h: &[Health]| people.iter().any(|p| h.contains(&p.health));
    let illness =
        main == Cause::Illness || (others.contains(&Cause::Illness) && rng.random_bool(0.6));
    if illness && !has(people, &[Health::Chronic, Health::Serious]) {
        let i = pick_adult(rng, people);
        people[i].health = pick(rng, &[(Health::Chronic, 55), (Health::Serious, 45)]);
    }
    let disability =
        main == Cause::Disability || (others.contains(&Cause::Disability) && rng.random_bool(0.6));
    if disability && !has(people, &[Health::Disabled]) {
        let i = if rng.random_bool(0.85) {
            pick_adult(rng, people)
        } else {
            rng.random_range(0..people.len())
        };
        people[i].health = Health::Disabled;
    }
    if attribute == PovertyAttribute::Destitute && people[0].age < 60 {
        people[0].health = pick(
            rng,
            &[
                (Health::Disabled, 50),
                (Health::Chronic, 25),
                (Health::Serious, 25),
            ],
        );
    }
}

/// An adult member, older ones more likely (they are the ones who fall ill).
fn pick_adult(rng: &mut impl Rng, people: &[Person]) -> usize {
    let w: Vec<f64> = people
        .iter()
        .map(|p| if p.age >= 16 { f64::from(p.age) } else { 0.0 })
        .collect();
    if w.iter().sum::<f64>() > 0.0 {
        pick_index(rng, &w)
    } else {
        0
    }
}

fn labour_for(rng: &mut impl Rng, p: &Person) -> Labour {
    use Labour as L;
    if p.age < 16 || p.schooling != Schooling::NotInSchool {
        return L::None;
    }
    let table: &[(Labour, u32)] = match (p.health, p.age) {
        (Health::Healthy, 65..) => &[(L::Weak, 35), (L::Lost, 25), (L::None, 40)],
        (_, 65..) => &[(L::Lost, 50), (L::None, 50)],
        (Health::Serious, _) => &[(L::Lost, 65), (L::Weak, 35)],
        (Health::Disabled, _) => &[(L::Lost, 45), (L::Weak, 40), (L::None, 15)],
        (Health::Chronic, _) => &[(L::Weak, 55), (L::Ordinary, 30), (L::Lost, 15)],
        (Health::Healthy, 60..) => &[(L::Ordinary, 55), (L::Weak, 40), (L::Lost, 5)],
        (Health::Healthy, _) => &[(L::Ordinary, 80), (L::Skilled, 14), (L::Weak, 6)],
    };
    pick(rng, table)
}

fn migrant_for(rng: &mut impl Rng, region: &Region, p: &Person) -> (MigrantWork, u8) {
    use MigrantWork as M;
    if !(16..=59).contains(&p.age) {
        return (M::None, 0);
    }
    let (chance, table): (f64, &[(MigrantWork, u32)]) = match p.labour {
        Labour::Ordinary | Labour::Skilled => (
            region.migrant_rate * if p.age >= 50 { 0.5 } else { 1.0 },
            &[
                (M::OutOfProvince, 45),
                (M::InProvince, 25),
                (M::InCounty, 14),
                (M::InTownship, 13),
                (M::Other, 3),
            ],
        ),
        Labour::Weak => (0.1, &[(M::InTownship, 60), (M::InCounty, 40)]),
        _ => return (M::None, 0),
    };
    if !rng.random_bool(chance) {
        return (M::None, 0);
    }
    // a migrant worker is away more than three months
    let months = pick(
        rng,
        &[
            (3, 1),
            (4, 1),
            (5, 1),
            (6, 2),
            (7, 2),
            (8, 3),
            (9, 3),
            (10, 4),
            (11, 3),
            (12, 5),
        ],
    );
    (pick(rng, table), months)
}

/// Someone stays with children under 16: if every adult went away, the last one stays.
fn keep_a_carer_at_home(people: &mut [Person]) {
    let children = people.iter().any(|p| p.age < 16);
    let stays = people
        .iter()
        .any(|p| p.age >= 16 && p.migrant == MigrantWork::None);
    if children
        && !stays
        && let Some(p) = people.iter_mut().rev().find(|p| p.age >= 16)
    {
        p.migrant = MigrantWork::None;
        p.migrant_months = 0;
    }
}

fn fill_insurance(rng: &mut impl Rng, p: &mut Person) {
    p.medical_insurance = rng.random_bool(0.97);
    p.critical_illness_insurance = p.medical_insurance && rng.random_bool(0.95);
    p.pension_insurance = p.age >= 16
        && p.schooling == Schooling::NotInSchool
        && rng.random_bool(if p.age >= 60 { 0.96 } else { 0.85 });
}

/// Dibao covers the whole household or only the members who cannot provide for themselves.
fn mark_dibao(rng: &mut impl Rng, people: &mut [Person], attribute: PovertyAttribute) {
    if attribute != PovertyAttribute::Dibao {
        return;
    }
    let whole = rng.random_bool(0.6);
    for p in people.iter_mut() {
        p.dibao = whole
            || p.health != Health::Healthy
            || p.age >= 60
            || matches!(p.labour, Labour::Lost)
            || rng.random_bool(0.1);
    }
    if !people.iter().any(|p| p.dibao) {
        people[0].dibao = true;
    }
}
