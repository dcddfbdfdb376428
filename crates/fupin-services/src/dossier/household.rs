//! A household's dossier: what `/households/{id}` and `/api/v1/households/{id}` show, read in
//! one read transaction within the viewer's scope and recorded in the audit trail before it is
//! returned (see the module above for how a later module adds its section).

use std::sync::Arc;

use anyhow::Result;
use fupin_core::access::{Scope, Sensitive, Viewer};
use fupin_core::masking::Disclosure;
use fupin_core::measures::Catalogue;
use fupin_core::{Area, Household, PolicySet};
use fupin_storage::archives::ArchiveEntry;
use fupin_storage::field::helpers::PairingRow;
use fupin_storage::field::visits::VisitRow;
use fupin_storage::warnings::WarningRow;
use fupin_storage::{Db, Delivery, HouseholdMeasures, HouseholdRecord, Tx};

use crate::assess::Explanation;
use crate::audit::{Actor, AuditSink};

/// Which parts a reader needs besides the record (each is one more read of the same
/// snapshot; parts not asked for stay empty).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sections {
    /// The area path (breadcrumbs) and the policy parameters (the income lines).
    pub context: bool,
    /// The latest assessment explained (reads the policy too).
    pub assessment: bool,
    /// The stored matchings, the deliveries and the catalogue in force.
    pub measures: bool,
    /// The paired helper cadres.
    pub helpers: bool,
    /// The scanned documents (their descriptions, not their bytes).
    pub archives: bool,
    /// The warnings about the household: only for a viewer who may see warnings.
    pub warnings: bool,
}

impl Sections {
    /// The record alone: the household, its members, incomes, status years and change log.
    pub const RECORD: Sections = Sections {
        context: false,
        assessment: false,
        measures: false,
        helpers: false,
        archives: false,
        warnings: false,
    };

    /// Everything the household page shows; the warnings only when `warnings` (the viewer may
    /// see them).
    pub fn page(warnings: bool) -> Self {
        Sections {
            context: true,
            assessment: true,
            measures: true,
            helpers: true,
            archives: true,
            warnings,
        }
    }
}

/// How many of a household's latest visits its page lists.
pub const VISITS_SHOWN: i64 = 5;

/// One household as one viewer may see it, read in one snapshot.
#[derive(Debug, Clone)]
pub struct HouseholdDossier {
    pub record: HouseholdRecord,
    /// What this viewer sees in full: every personal value a view shows goes through it.
    pub disclosure: Disclosure,
    /// The record's personal values as this viewer may see them.
    pub shown: Shown,
    /// From the province down to the household's village (division names; with `context`).
    pub area_path: Vec<Area>,
    /// The policy parameters (with `context` or `assessment`).
    pub policy: Option<PolicySet>,
    /// The latest assessment explained (with `assessment`; `None` when there is none).
    pub assessment: Option<Explanation>,
    /// With `measures`.
    pub measures: Option<MeasuresSection>,
    /// Its helpers (结对帮扶), the current one first, then earlier ones newest first.
    pub pairings: Vec<PairingRow>,
    /// Its latest visits (with `helpers`), newest first.
    pub visits: Vec<VisitRow>,
    /// Newest first.
    pub archives: Vec<ArchiveEntry>,
    /// Newest first.
    pub warnings: Vec<WarningRow>,
}

/// The personal values of a record as one viewer may see them (masked where the viewer's
/// disclosure does not reveal them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// In the household's member order.
    pub members: Vec<ShownMember>,
    pub phone: String,
    pub bank_account: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownMember {
    pub name: String,
    pub id_number: String,
    pub birth_date: String,
}

impl Shown {
    pub fn of(h: &Household, d: &Disclosure) -> Self {
        Shown {
            members: h
                .members
                .iter()
                .map(|m| ShownMember {
                    name: d.show(Sensitive::Name, &m.name),
                    id_number: d.show(Sensitive::IdNumber, m.id_number.as_str()),
                    birth_date: d.show(Sensitive::BirthDate, &fupin_core::date::iso(m.birth_date)),
                })
                .collect(),
            phone: d.show(Sensitive::Phone, &h.phone),
            bank_account: d.show(Sensitive::BankAccount, &h.bank_account),
        }
    }
}

/// A household's measures: what was matched, what was delivered, and the catalogue in force.
#[derive(Debug, Clone)]
pub struct MeasuresSection {
    pub catalogue: Arc<Catalogue>,
    /// The stored matchings, newest year first.
    pub matched: Vec<HouseholdMeasures>,
    /// Newest year first.
    pub deliveries: Vec<Delivery>,
}

impl MeasuresSection {
    /// The year the measures are shown for: the latest matching, else the record's latest
    /// year of status or income, else the year it was registered.
    pub fn year(&self, rec: &HouseholdRecord) -> i32 {
        self.matched
            .first()
            .map(|m| m.year)
            .or_else(|| rec.status_years.iter().map(|s| s.year).max())
            .or_else(|| rec.incomes.iter().map(|i| i.income.year).max())
            .unwrap_or(rec.household.registered_year)
    }
}

impl HouseholdDossier {
    /// Household `id` with `sections`, as `viewer` may see it: `None` when it does not exist or
    /// lies outside the viewer's scope (the two are indistinguishable). All of it is read in
    /// one read transaction, which ends before the read is recorded (`via`: the view that
    /// read it, as `page` or `api`) in the audit trail; an error, and no dossier, when the
    /// entry cannot be recorded.
    pub async fn read(
        db: &Db,
        audit: &AuditSink,
        actor: &Actor,
        viewer: &Viewer,
        id: i64,
        via: &str,
        sections: Sections,
    ) -> Result<Option<Self>> {
        let mut tx = db.reader().await?;
        let Some(record) = tx.household(&viewer.scope, id).await? else {
            return Ok(None);
        };
        let mut dossier = HouseholdDossier {
            shown: Shown::of(&record.household, &viewer.disclosure),
            record,
            disclosure: viewer.disclosure,
            area_path: Vec::new(),
            policy: None,
            assessment: None,
            measures: None,
            pairings: Vec::new(),
            visits: Vec::new(),
            archives: Vec::new(),
            warnings: Vec::new(),
        };
        dossier
            .read_sections(&mut tx, &viewer.scope, sections)
            .await?;
        // the snapshot ends (its connection back in the pool) before the wait for the trail
        drop(tx);
        let h = &dossier.record.household;
        let (number, village) = (h.number.clone(), h.village_code.as_str());
        audit
            .record(actor.entry("read", "household", number, village, via))
            .await?;
        Ok(Some(dossier))
    }

    /// The sections asked for, each read in `tx` within `scope`. A later module's section is
    /// read here too.
    async fn read_sections(
        &mut self,
        tx: &mut Tx,
        scope: &Scope,
        sections: Sections,
    ) -> Result<()> {
        let id = self.record.id;
        if sections.context {
            self.area_path = tx.area_path(&self.record.household.village_code).await?;
        }
        if sections.context || sections.assessment {
            self.policy = Some(tx.policy().await?);
        }
        // read once for both the assessment's prediction and the measures section
        let matched = if sections.assessment || sections.measures {
            tx.household_measures(scope, id).await?
        } else {
            Vec::new()
        };
        if let (true, Some(policy)) = (sections.assessment, &self.policy) {
            self.assessment =
                crate::assess::explain_latest_in(tx, policy, scope, &self.record, &matched).await?;
        }
        if sections.measures {
            self.measures = Some(MeasuresSection {
                catalogue: crate::rule_documents::catalogue_in_force(tx).await?,
                deliveries: tx.household_deliveries(scope, id).await?,
                matched,
            });
        }
        if sections.helpers {
            self.pairings = tx.pairings_of_household(scope, id).await?;
            self.visits = tx.visits_of_household(scope, id, VISITS_SHOWN).await?;
        }
        if sections.archives {
            self.archives = tx.archives_of(scope, id).await?;
        }
        if sections.warnings {
            self.warnings = tx.household_warnings(scope, id).await?;
        }
        Ok(())
    }
}
