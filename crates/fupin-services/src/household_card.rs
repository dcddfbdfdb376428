//! The household card (明白卡) of a year and its code (一户一码). Everything on the card comes
//! from the registry: the household and its members, causes, helpers, the year's assessment
//! (goals: the expected exit year and the shortfalls), the measures it is entitled to and those
//! delivered (the plan: what is still owed), and the year's income. Only the income lines are
//! typed ([`save_income_lines`]).
//!
//! Each household has one live code: an unguessable token printed as a QR code on its card,
//! issued the first time a card is made and replaced (the old one then leads nowhere) by
//! [`reissue_code`].

use anyhow::Result;
use fupin_core::access::{Scope, Viewer};
use fupin_core::income_items::{self, IncomeItem, ItemError, TypedItem};
use fupin_core::measures::Catalogue;
use fupin_core::{Fen, Household, IncomeFormula, IncomeYear, PolicyKey, StatusYear};
use fupin_storage::household_cards::{CardHelper, CardsOf, replace_income_items};
use fupin_storage::{AssessmentRow, Db, Delivery, RegistryWriter, WriteContext};
use rand::RngCore;

use crate::audit::Actor;
use crate::history::{year_changes, year_rows};
use crate::measures::{EntitlementLine, catalogue_in_force, entitlement_lines};

/// One household's card for one year.
#[derive(Debug, Clone)]
pub struct HouseholdCard {
    pub id: i64,
    pub year: i32,
    /// As recorded now, with its status of the year.
    pub household: Household,
    pub income: Option<IncomeYear>,
    pub per_capita: Option<Fen>,
    /// The year's income line for exit where the household lives.
    pub line: Option<Fen>,
    /// The lines typed for the year (empty when the year's income came from a sheet).
    pub items: Vec<IncomeItem>,
    /// What it is entitled to in the year, each marked delivered or not.
    pub entitled: Vec<EntitlementLine>,
    /// The measures delivered in the year.
    pub deliveries: Vec<Delivery>,
    pub helpers: Vec<CardHelper>,
    pub assessment: Option<AssessmentRow>,
    /// The live code.
    pub code: String,
}

impl HouseholdCard {
    /// Entitlements not yet delivered: the year's plan.
    pub fn owed(&self) -> impl Iterator<Item = &EntitlementLine> {
        self.entitled.iter().filter(|e| !e.delivered)
    }
}

/// A fresh code: 128 random bits as hex. Never derived from the ID or household number.
pub fn new_code() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Whether `text` has the shape of a code (checked before any lookup).
pub fn looks_like_code(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// The cards of `year` for the households `of` names within the viewer's scope, in
/// household-number order, with what the viewer may see of their members in the derived lines
/// (the reasons of the plan). Reads only: every household got its code when it was created.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn cards(
    db: &Db,
    viewer: &Viewer,
    of: CardsOf<'_>,
    year: i32,
    english: bool,
) -> Result<Vec<HouseholdCard>> {
    let catalogue = catalogue_in_force(db).await?;
    cards_with(db, viewer, of, year, english, &catalogue).await
}

/// As [`cards`], under a catalogue the caller has parsed.
pub async fn cards_with(
    db: &Db,
    viewer: &Viewer,
    of: CardsOf<'_>,
    year: i32,
    english: bool,
    catalogue: &Catalogue,
) -> Result<Vec<HouseholdCard>> {
    let mut rows = db.card_rows(&viewer.scope, of, year).await?;
    let policy = db.policy().await?;
    let mut cards = Vec::with_capacity(rows.households.len());
    for (id, mut household) in std::mem::take(&mut rows.households) {
        if let Some(status) = rows.statuses.get(&id) {
            household.status = *status;
        }
        let income = rows.incomes.remove(&id);
        let deliveries = rows.deliveries.remove(&id).unwrap_or_default();
        let entitled = entitlement_lines(
            catalogue,
            &household,
            year,
            income.as_ref(),
            &deliveries,
            english,
            &viewer.disclosure,
        );
        cards.push(HouseholdCard {
            id,
            year,
            per_capita: income
                .as_ref()
                .and_then(|i| i.per_capita(IncomeFormula::CURRENT)),
            line: policy.money(PolicyKey::ExitIncomeLine, year, &household.village_code),
            items: rows.items.remove(&id).unwrap_or_default(),
            helpers: rows.helpers.remove(&id).unwrap_or_default(),
            assessment: rows.assessments.remove(&id),
            code: rows.codes.get(&id).cloned().unwrap_or_default(),
            household,
            income,
            entitled,
            deliveries,
        });
    }
    Ok(cards)
}

/// Replaces a household's code, with the reason the person gave; cards printed with the old
/// one lead nowhere. Nothing changes without a reason, or outside `scope`.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn reissue_code(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    household_id: i64,
    reason: Option<&str>,
) -> Result<Reissued> {
    let Some(h) = household_in_scope(db, scope, household_id).await? else {
        return Ok(Reissued::NotFound);
    };
    // every printed card is voided: only with the person's confirmed reason
    let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(Reissued::NeedsReason);
    };
    let token = new_code();
    let audit = actor.entry(
        "household.code.reissue",
        "household",
        h.number.clone(),
        h.village_code.as_str(),
        format!("旧码作废 old code revoked: {reason}"),
    );
    db.reissue_code(scope, household_id, &token, &actor.name, audit)
        .await?;
    Ok(Reissued::Code(token))
}

/// What came of asking for a new code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reissued {
    /// The new code.
    Code(String),
    /// No such household in the scope.
    NotFound,
    /// Not confirmed with a reason: nothing changed.
    NeedsReason,
}

async fn household_in_scope(db: &Db, scope: &Scope, id: i64) -> Result<Option<Household>> {
    Ok(db.household(scope, id).await?.map(|r| r.household))
}

/// Why typed income lines were not saved.
#[derive(Debug, thiserror::Error)]
pub enum IncomeLinesError {
    #[error("household not found")]
    NotFound,
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))]
    Lines(Vec<ItemError>),
    /// Replacing a year's income needs the reason, for the change log.
    #[error("a reason is required")]
    NoReason,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<fupin_storage::StorageError> for IncomeLinesError {
    fn from(e: fupin_storage::StorageError) -> Self {
        Self::Other(e.into())
    }
}

/// A year's income as it stands and as typed lines would make it, with the income line of the
/// household's place: the second look before the year's income is replaced.
#[derive(Debug, Clone)]
pub struct IncomePreview {
    pub before: Option<IncomeYear>,
    pub after: IncomeYear,
    pub line: Option<Fen>,
}

impl IncomePreview {
    pub fn per_capita_before(&self) -> Option<Fen> {
        self.before
            .as_ref()
            .and_then(|i| i.per_capita(IncomeFormula::CURRENT))
    }

    pub fn per_capita_after(&self) -> Option<Fen> {
        self.after.per_capita(IncomeFormula::CURRENT)
    }
}

/// What saving `typed` as the year's income would change, nothing written.
pub async fn preview_income_lines(
    db: &Db,
    scope: &Scope,
    household_id: i64,
    year: i32,
    typed: &[TypedItem],
) -> Result<IncomePreview, IncomeLinesError> {
    let items = income_items::parse_items(typed).map_err(IncomeLinesError::Lines)?;
    let rec = db
        .household(scope, household_id)
        .await?
        .ok_or(IncomeLinesError::NotFound)?;
    let before = rec
        .incomes
        .iter()
        .find(|l| l.income.year == year)
        .map(|l| l.income.clone());
    let size = before
        .as_ref()
        .map_or(rec.household.members.len() as u32, |i| i.household_size);
    let policy = db.policy().await?;
    Ok(IncomePreview {
        after: income_items::total(year, size, &items),
        before,
        line: policy.money(PolicyKey::ExitIncomeLine, year, &rec.household.village_code),
    })
}

/// Saves the income lines of a household's year and makes their sums the year's income (the
/// household size kept from the year's row, else the members now), with the reason the person
/// gave. All or nothing; the change goes to the household's change log.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn save_income_lines(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    household_id: i64,
    year: i32,
    typed: &[TypedItem],
    reason: &str,
) -> Result<IncomeYear, IncomeLinesError> {
    if reason.trim().is_empty() {
        return Err(IncomeLinesError::NoReason);
    }
    let items = income_items::parse_items(typed).map_err(IncomeLinesError::Lines)?;
    let h = household_in_scope(db, scope, household_id)
        .await?
        .ok_or(IncomeLinesError::NotFound)?;
    let mut writer = RegistryWriter::begin(db).await?;
    let stored = writer.years_of(&[household_id]).await?;
    let (statuses, incomes) = stored.get(&household_id).cloned().unwrap_or_default();
    let old_income = incomes.iter().find(|i| i.year == year);
    let size = old_income.map_or(h.members.len() as u32, |i| i.household_size);
    let income = income_items::total(year, size, &items);
    let status: Vec<StatusYear> = statuses.into_iter().filter(|s| s.year == year).collect();
    let changes = year_changes(
        &year_rows(
            &status,
            &old_income.cloned().into_iter().collect::<Vec<_>>(),
        ),
        &year_rows(&status, std::slice::from_ref(&income)),
    );
    let ctx = WriteContext {
        actor: actor.name.clone(),
        reason: format!("明白卡收支 {year}：{}", reason.trim()),
        import_run: None,
    };
    if !changes.is_empty() {
        writer
            .write_years(
                &[(household_id, vec![], vec![income.clone()], changes)],
                &ctx,
            )
            .await?;
    }
    replace_income_items(writer.tx(), household_id, year, &items).await?;
    let audit = actor.entry(
        "household.income.lines",
        "household",
        h.number.clone(),
        h.village_code.as_str(),
        format!("{year}: {} lines", items.len()),
    );
    writer.commit_audited(vec![audit]).await?;
    Ok(income)
}
