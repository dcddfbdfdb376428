//! Village sign-in and sign-out (驻村签到) of work-team members: once per client id, flagged
//! (never refused) for a missing, impossible, imprecise or far position — far meaning farther
//! than the visit radius from every household the village has a location for.

use chrono::{DateTime, FixedOffset, Utc};
use fupin_core::field::{Fix, VisitFlag, distance_m, plausible_in_china};
use fupin_core::{AreaCode, GeoPoint, Message, PolicyKey};
use fupin_storage::Db;
use fupin_storage::field::signins::NewSignin;

use super::Visitor;
use crate::error::{FieldIssue, Result, ServiceError};

/// Arriving or leaving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigninKind {
    In,
    Out,
}

impl SigninKind {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "in" => Some(Self::In),
            "out" => Some(Self::Out),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Self::In => "in",
            Self::Out => "out",
        }
    }
}

/// A sign-in as the phone sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct SigninUpload {
    pub client_id: String,
    pub kind: String,
    pub village_code: String,
    pub at: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
}

/// What became of a sign-in.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    pub id: i64,
    pub new: bool,
    pub flags: Vec<VisitFlag>,
    pub distance_m: Option<f64>,
}

fn invalid(key: &'static str) -> ServiceError {
    ServiceError::Invalid(vec![FieldIssue {
        field: None,
        member: None,
        message: Message::new(key),
    }])
}

/// The flags of a sign-in at `fix` in a village whose households are at `homes`, and the
/// distance to the nearest of them.
pub fn review(
    fix: Option<Fix>,
    homes: &[GeoPoint],
    radius_m: f64,
) -> (Vec<VisitFlag>, Option<f64>) {
    let Some(fix) = fix else {
        return (vec![VisitFlag::NoPosition], None);
    };
    if !plausible_in_china(fix.point()) {
        return (vec![VisitFlag::Implausible], None);
    }
    let mut flags = Vec::new();
    if fix
        .accuracy_m
        .is_none_or(|a| !a.is_finite() || a > radius_m)
    {
        flags.push(VisitFlag::Inaccurate);
    }
    let nearest = homes
        .iter()
        .map(|h| distance_m(fix.point(), *h))
        .min_by(f64::total_cmp);
    match nearest {
        Some(d) if d > radius_m => flags.push(VisitFlag::Far),
        Some(_) => {}
        None => flags.push(VisitFlag::HouseholdUnlocated),
    }
    flags.sort();
    (flags, nearest.map(f64::round))
}

/// Records a sign-in of the helper whose account is `user_id` at a village of their team.
pub async fn record_signin(
    db: &Db,
    who: &Visitor<'_>,
    upload: SigninUpload,
    now: DateTime<Utc>,
) -> Result<SignedIn> {
    let (scope, actor, user_id) = (who.scope, who.actor, who.user_id);
    let client_id = upload.client_id.trim();
    if let Some(row) = db.reader().await?.signin_by_client_id(client_id).await? {
        if row.village_code != upload.village_code || row.kind != upload.kind {
            return Err(ServiceError::refused("visit.client_id_taken"));
        }
        return Ok(SignedIn {
            id: row.id,
            new: false,
            flags: row
                .flags
                .split(',')
                .filter_map(fupin_core::CodeList::parse)
                .collect(),
            distance_m: row.distance_m,
        });
    }
    if !fupin_core::field::visit::valid_client_id(client_id) {
        return Err(invalid("visit.bad_client_id"));
    }
    let kind = SigninKind::parse(upload.kind.trim()).ok_or_else(|| invalid("signin.bad_kind"))?;
    let at = DateTime::parse_from_rfc3339(upload.at.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| invalid("visit.bad_time"))?;
    if at - now > chrono::Duration::minutes(10) {
        return Err(invalid("visit.in_the_future"));
    }
    let helper = db
        .helper_of_user(user_id)
        .await?
        .ok_or_else(|| ServiceError::refused("visit.no_helper"))?;
    let village = AreaCode::parse(upload.village_code.trim())
        .map_err(|_| ServiceError::refused("signin.not_in_team"))?;
    let teams = db.villages_of_helper(helper.id).await?;
    if !scope.contains_area(&village) || !teams.iter().any(|t| t.village_code == village.as_str()) {
        return Err(ServiceError::refused("signin.not_in_team"));
    }
    let mut tx = db.begin().await?;
    let policy = tx.policy().await?;
    let radius = policy
        .value(
            PolicyKey::VisitRadiusM,
            chrono::Datelike::year(&at),
            &village,
        )
        .unwrap_or(500) as f64;
    let homes: Vec<GeoPoint> = tx
        .village_locations(village.as_str())
        .await?
        .into_iter()
        .map(|(lat, lon)| GeoPoint { lat, lon })
        .collect();
    let fix = upload.lat.zip(upload.lon).map(|(lat, lon)| Fix {
        lat,
        lon,
        accuracy_m: upload.accuracy_m,
    });
    let (flags, distance) = review(fix, &homes, radius);
    let beijing = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    let row = NewSignin {
        client_id: client_id.to_string(),
        helper_id: helper.id,
        village_code: village.to_string(),
        kind: kind.code().into(),
        at: at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        day: at.with_timezone(&beijing).format("%Y-%m-%d").to_string(),
        recorded_by: actor.name.clone(),
        lat: fix.map(|f| f.lat),
        lon: fix.map(|f| f.lon),
        accuracy_m: fix.and_then(|f| f.accuracy_m),
        distance_m: distance,
        flags: flags
            .iter()
            .map(|f| fupin_core::CodeList::code(*f))
            .collect::<Vec<_>>()
            .join(","),
    };
    let id = match tx.insert_signin(&row).await {
        Ok(id) => id,
        Err(e) => {
            drop(tx);
            return match db.reader().await?.signin_by_client_id(client_id).await? {
                Some(r) => Ok(SignedIn {
                    id: r.id,
                    new: false,
                    flags,
                    distance_m: r.distance_m,
                }),
                None => Err(e.into()),
            };
        }
    };
    let audit = actor.entry(
        "field.signin",
        "helper",
        helper.id.to_string(),
        village.as_str(),
        format!(
            "sign-{} {id} at {}, flags [{}]",
            kind.code(),
            row.at,
            row.flags
        ),
    );
    tx.commit_audited(vec![audit]).await?;
    Ok(SignedIn {
        id,
        new: true,
        flags,
        distance_m: distance,
    })
}

/// The texts of this module's messages.
pub const MESSAGES: fupin_core::message::Strings = &[
    (
        "signin.bad_kind",
        "请选择签到或签退",
        "Choose signing in or signing out",
    ),
    (
        "signin.not_in_team",
        "您不是该村驻村工作队成员，不能在该村签到",
        "You are not in this village's work team and cannot sign in there",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signin_is_far_when_every_household_is_beyond_the_radius() {
        let home = GeoPoint {
            lat: 25.83,
            lon: 107.54,
        };
        let other = GeoPoint {
            lat: 25.84,
            lon: 107.54,
        };
        let at = |north_m: f64| Fix {
            lat: 25.83 + north_m / 111_195.08,
            lon: 107.54,
            accuracy_m: Some(15.0),
        };
        let (flags, d) = review(Some(at(400.0)), &[home, other], 500.0);
        assert!(flags.is_empty());
        assert_eq!(d, Some(400.0));
        // 1,700 m from the first household and 588 m from the second: far from both
        let (flags, d) = review(Some(at(1_700.0)), &[home, other], 500.0);
        assert_eq!((flags, d), (vec![VisitFlag::Far], Some(588.0)));
        // 1,600 m from the first, 488 m from the second: at the village
        assert!(
            review(Some(at(1_600.0)), &[home, other], 500.0)
                .0
                .is_empty()
        );
        assert_eq!(review(None, &[home], 500.0).0, vec![VisitFlag::NoPosition]);
        assert_eq!(
            review(Some(at(10.0)), &[], 500.0).0,
            vec![VisitFlag::HouseholdUnlocated]
        );
    }
}
