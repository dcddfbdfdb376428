//! An area's dossier: what `/areas/{code}` shows — the area, its path, its children's figures
//! (now or of a year), its size, its figures by year with the rural populations, the policy,
//! its own figures for the exit test (villages and counties), the latest assessment's counts by
//! child and, for a village, a page of its households — read in one read transaction within
//! the viewer's scope.
//!
//! Nothing here is recorded in the audit trail: an area page shows figures, and a village's
//! list shows each household's head as the viewer's disclosure allows (as before the dossier).

use std::collections::HashMap;

use anyhow::Result;
use fupin_core::access::Viewer;
use fupin_core::{Area, AreaCode, AreaLevel, PolicySet};
use fupin_storage::{
    AreaCount, AssessmentFigures, Db, FigureYear, HouseholdListItem, Tx, YearFigures,
};

/// The latest assessment inside the area, counted by child area (keyed by the child's code
/// prefix).
#[derive(Debug, Clone)]
pub struct AssessmentCounts {
    pub year: i32,
    pub card: String,
    pub by_prefix: HashMap<String, AssessmentFigures>,
}

/// A page of a village's households and how many there are in all.
#[derive(Debug, Clone)]
pub struct HouseholdPage {
    pub items: Vec<HouseholdListItem>,
    pub total: i64,
}

/// One area as one viewer may see it, read in one snapshot.
#[derive(Debug, Clone)]
pub struct AreaDossier {
    pub area: Area,
    /// From the province down to the area.
    pub path: Vec<Area>,
    pub children: Vec<AreaCount>,
    /// Households and members inside the area.
    pub size: (i64, i64),
    /// Oldest first.
    pub by_year: Vec<YearFigures>,
    /// Rural population by year.
    pub populations: HashMap<i32, i64>,
    pub policy: PolicySet,
    /// The area's own figures, for the exit test of a village or a county.
    pub own: Option<AreaCount>,
    pub assessment: Option<AssessmentCounts>,
    /// A village's households (`households` asked for: offset and limit).
    pub households: Option<HouseholdPage>,
}

impl AreaDossier {
    /// Area `code` with the children's figures of `year` and, for a village, the households
    /// `households` (offset, limit) names, as `viewer` may see them: `None` when it does not
    /// exist or lies outside the viewer's scope.
    pub async fn read(
        db: &Db,
        viewer: &Viewer,
        code: &AreaCode,
        year: FigureYear,
        households: (i64, i64),
    ) -> Result<Option<Self>> {
        let scope = &viewer.scope;
        let mut tx = db.reader().await?;
        let Some(area) = tx.area(scope, code).await? else {
            return Ok(None);
        };
        let children = tx.area_children(scope, Some(code), year).await?;
        let assessment = assessment_counts(&mut tx, viewer, code, &children).await?;
        let own = match area.level {
            AreaLevel::Village | AreaLevel::County => tx.area_count(scope, code, year).await?,
            _ => None,
        };
        let households = match area.level {
            AreaLevel::Village => {
                let (offset, limit) = households;
                let (items, total) = tx.household_list(scope, code, offset, limit).await?;
                Some(HouseholdPage { items, total })
            }
            _ => None,
        };
        Ok(Some(AreaDossier {
            path: tx.area_path(code).await?,
            size: tx.registry_size(scope, code).await?,
            by_year: tx.area_years(scope, code).await?,
            populations: tx.population_years(code).await?,
            policy: tx.policy().await?,
            area,
            children,
            own,
            assessment,
            households,
        }))
    }
}

/// The latest assessment's counts for each child of `code` (none without children or
/// assessments).
async fn assessment_counts(
    tx: &mut Tx,
    viewer: &Viewer,
    code: &AreaCode,
    children: &[AreaCount],
) -> Result<Option<AssessmentCounts>> {
    let Some(level) = children.first().map(|c| c.area.level) else {
        return Ok(None);
    };
    let Some((year, card)) = tx.assessed_years(Some(code)).await?.into_iter().next() else {
        return Ok(None);
    };
    let by_prefix = tx
        .assessment_figures(&viewer.scope, code, level.prefix_len(), (year, &card))
        .await?;
    Ok(Some(AssessmentCounts {
        year,
        card,
        by_prefix,
    }))
}
