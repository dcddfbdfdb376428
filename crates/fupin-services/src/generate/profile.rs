//! Member fields consistent with age, sex and health (schooling, education, labour, migrant
//! work, insurance, dibao) and the household's classification (attribute, causes), with health
//! made to agree with the causes.

use chrono::Datelike;
use fupin_core::codes::*;
use rand::Rng;

use super::family::{Person, Shape};
use super::pick::{pick, pick_index};
use super::region::Region;

pub fn schooling_for(rng: &mut impl Rng, age: u32) -> Schooling {
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

pub fn education_for(rng: &mut impl Rng, p: &Person) -> Education {
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

pub fn attribute_for(rng: &mut impl Rng, shape: Shape, size: usize) -> PovertyAttribute {
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

pub fn main_cause_for(
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
pub fn other_causes_for(
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

pub fn health_for(rng: &mut impl Rng, age: u32) -> Health {
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
pub fn force_health(
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

pub fn labour_for(rng: &mut impl Rng, p: &Person) -> Labour {
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

pub fn migrant_for(rng: &mut impl Rng, region: &Region, p: &Person) -> (MigrantWork, u8) {
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

/// 特困供养 means no capacity to work (and no one obliged to provide).
pub fn no_work_for_the_destitute(people: &mut [Person], attribute: PovertyAttribute) {
    if attribute != PovertyAttribute::Destitute {
        return;
    }
    let head = &mut people[0];
    head.labour = if head.age >= 65 {
        Labour::None
    } else {
        Labour::Lost
    };
    (head.migrant, head.migrant_months) = (MigrantWork::None, 0);
}

/// Someone stays with children under 16: if every adult went away, the last one stays.
pub fn keep_a_carer_at_home(people: &mut [Person]) {
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

pub fn fill_insurance(rng: &mut impl Rng, p: &mut Person) {
    p.medical_insurance = rng.random_bool(0.97);
    p.critical_illness_insurance = p.medical_insurance && rng.random_bool(0.95);
    p.pension_insurance = p.age >= 16
        && p.schooling == Schooling::NotInSchool
        && rng.random_bool(if p.age >= 60 { 0.96 } else { 0.85 });
}

/// Dibao covers the whole household or only the members who cannot provide for themselves.
pub fn mark_dibao(rng: &mut impl Rng, people: &mut [Person], attribute: PovertyAttribute) {
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
