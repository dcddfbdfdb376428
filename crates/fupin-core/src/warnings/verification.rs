//! How a warning is worked: it opens assigned to the responsible area, a person verifies it
//! (visit, documents), and it closes as confirmed, with the action taken, or dismissed, with
//! the reason. Closed is final: a dismissed warning is not raised again for the same evidence
//! (its key stays taken), and new evidence makes a new warning.

use std::fmt;

use crate::AreaCode;
use crate::codes::CodeList;

code_list! {
    /// Where a warning stands.
    WarningState, "预警状态" {
        Open = ("open", "待核实", "open"),
        Verifying = ("verifying", "核实中", "being verified"),
        Confirmed = ("confirmed", "已查实", "confirmed"),
        Dismissed = ("dismissed", "已排除", "dismissed"),
    }
}

code_list! {
    /// What was done about a confirmed warning.
    Resolution, "处理方式" {
        Remove = ("remove", "清退/销户", "remove from the registry"),
        Correct = ("correct", "更正数据", "correct the data"),
        Recover = ("recover", "追回资金", "recover money paid"),
        Include = ("include", "纳入识别或监测", "bring into identification or monitoring"),
        Reexamine = ("reexamine", "重新评估退出", "re-examine the exit"),
    }
}

impl WarningState {
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Confirmed | Self::Dismissed)
    }
}

/// Something done to a warning.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "act", rename_all = "snake_case")]
pub enum Act {
    /// Hand it to another area (inside the actor's jurisdiction; the caller checks that).
    Assign {
        area: AreaCode,
    },
    /// A person has started to check it: what they are doing.
    Verify {
        note: String,
    },
    Confirm {
        resolution: Resolution,
        note: String,
    },
    Dismiss {
        reason: String,
    },
}

/// Why an act was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActError {
    Closed(WarningState),
    /// Confirming needs what was found and done; dismissing needs the reason (the message key
    /// that asks for it).
    NeedsText(&'static str),
}

impl crate::message::Explained for ActError {
    fn message(&self) -> crate::Message {
        match self {
            Self::Closed(state) => crate::Message::new("warning.closed").label("state", *state),
            Self::NeedsText(what) => crate::Message::new(what),
        }
    }
}

crate::explained_error!(ActError, &[MESSAGES]);

/// The texts of [`ActError`]'s messages.
pub const MESSAGES: crate::message::Strings = &[
    (
        "warning.closed",
        "预警已{state}，不能再处理",
        "The warning is {state} and cannot be changed",
    ),
    (
        "warning.needs_how_verified",
        "请填写核实方式",
        "Say how it is being verified",
    ),
    (
        "warning.needs_finding",
        "请填写核实情况",
        "Say what was found",
    ),
    ("warning.needs_reason", "请填写排除理由", "Give the reason"),
    (
        "warning.no_area",
        "您的管辖范围内没有区划{area}",
        "No area {area} within your jurisdiction",
    ),
];

impl Act {
    /// The state after this act on a warning in `state`.
    pub fn apply(&self, state: WarningState) -> Result<WarningState, ActError> {
        if state.is_closed() {
            return Err(ActError::Closed(state));
        }
        let needs = |text: &str, what| {
            if text.trim().is_empty() {
                Err(ActError::NeedsText(what))
            } else {
                Ok(())
            }
        };
        Ok(match self {
            Act::Assign { .. } => state,
            Act::Verify { note } => {
                needs(note, "warning.needs_how_verified")?;
                WarningState::Verifying
            }
            Act::Confirm { note, .. } => {
                needs(note, "warning.needs_finding")?;
                WarningState::Confirmed
            }
            Act::Dismiss { reason } => {
                needs(reason, "warning.needs_reason")?;
                WarningState::Dismissed
            }
        })
    }

    /// One line for the warning's history.
    pub fn describe(&self) -> String {
        match self {
            Act::Assign { area } => format!("转交 {area}"),
            Act::Verify { note } => format!("核实：{note}"),
            Act::Confirm { resolution, note } => format!("查实，{}：{note}", resolution.zh()),
            Act::Dismiss { reason } => format!("排除：{reason}"),
        }
    }
}

/// How long a warning has been open, in the buckets the per-area counts use.
pub fn ageing_bucket(days_open: i64) -> usize {
    match days_open {
        ..=7 => 0,
        8..=30 => 1,
        31..=90 => 2,
        _ => 3,
    }
}

pub const AGEING_BUCKETS: [(&str, &str); 4] = [
    ("7天内", "≤ 7 days"),
    ("8–30天", "8–30 days"),
    ("31–90天", "31–90 days"),
    ("90天以上", "> 90 days"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_is_verified_then_closed_once() {
        let verify = Act::Verify {
            note: "入户走访".into(),
        };
        let s = verify.apply(WarningState::Open).unwrap();
        assert_eq!(s, WarningState::Verifying);
        let confirm = Act::Confirm {
            resolution: Resolution::Remove,
            note: "查实为财政供养人员".into(),
        };
        let s = confirm.apply(s).unwrap();
        assert_eq!(s, WarningState::Confirmed);
        assert_eq!(
            verify.apply(s),
            Err(ActError::Closed(WarningState::Confirmed))
        );
        let dismiss = Act::Dismiss {
            reason: "同名不同人".into(),
        };
        assert_eq!(
            dismiss.apply(WarningState::Open),
            Ok(WarningState::Dismissed)
        );
        assert!(dismiss.apply(WarningState::Dismissed).is_err());
    }

    #[test]
    fn closing_needs_its_grounds() {
        let blank = Act::Dismiss { reason: " ".into() };
        assert!(matches!(
            blank.apply(WarningState::Open),
            Err(ActError::NeedsText(_))
        ));
        let blank = Act::Confirm {
            resolution: Resolution::Recover,
            note: String::new(),
        };
        assert!(blank.apply(WarningState::Verifying).is_err());
        let assign = Act::Assign {
            area: AreaCode::parse("522726100201").unwrap(),
        };
        assert_eq!(
            assign.apply(WarningState::Verifying),
            Ok(WarningState::Verifying)
        );
    }

    #[test]
    fn acts_are_stored_as_tagged_json() {
        let act = Act::Confirm {
            resolution: Resolution::Recover,
            note: "追回低保金".into(),
        };
        let json = serde_json::to_string(&act).unwrap();
        assert!(json.contains("\"act\":\"confirm\"") && json.contains("\"recover\""));
        assert_eq!(serde_json::from_str::<Act>(&json).unwrap(), act);
    }

    #[test]
    fn ageing_buckets_split_at_a_week_a_month_a_quarter() {
        let buckets: Vec<usize> = [0, 7, 8, 30, 31, 90, 91, 400].map(ageing_bucket).to_vec();
        assert_eq!(buckets, [0, 0, 1, 1, 2, 2, 3, 3]);
    }
}
