//! The one error type of the use-cases. Each variant says what the caller can do about it, and
//! the web layer maps it once to a status, a page and an API body; what a person reads is a
//! [`Message`] of the interface's catalogue, rendered in their language.

use fupin_core::{Field, Message};
use fupin_storage::StorageError;

use crate::audit::Unrecorded;

/// A problem with one field of a form or record (`member`: the member's position, if it is
/// theirs).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldIssue {
    pub field: Option<Field>,
    pub member: Option<usize>,
    pub message: Message,
}

#[derive(Debug)]
pub enum ServiceError {
    /// Not there, or outside the caller's jurisdiction: the two are never told apart.
    NotFound,
    /// The rules refuse the act; the message says why.
    Refused(Message),
    /// The input is wrong in these places.
    Invalid(Vec<FieldIssue>),
    /// A file refused whole: how many of its rows are wrong, and the first of them.
    BadRows { count: usize, shown: Vec<Message> },
    /// Someone else changed the record first.
    Conflict(Message),
    /// A read whose audit entry could not be written: it is not served.
    Unrecorded(Unrecorded),
    /// Anything else: logged in full, shown to the user only as a plain message with the
    /// request's id.
    Internal(anyhow::Error),
}

/// In both languages, for the command line and logs (a page renders the messages in its own).
impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = |m: &Message| {
            m.bilingual(&crate::message_tables())
                .unwrap_or(m.to_string())
        };
        match self {
            Self::NotFound => {
                f.write_str("不存在或不在您的管辖范围内 / not found within your jurisdiction")
            }
            Self::Refused(m) | Self::Conflict(m) => f.write_str(&text(m)),
            Self::Invalid(issues) => {
                let all: Vec<String> = issues.iter().map(|i| text(&i.message)).collect();
                f.write_str(&all.join("; "))
            }
            Self::BadRows { count, shown } => {
                let head = bad_rows_headline(*count);
                f.write_str(&text(&head))?;
                for row in shown {
                    write!(f, "\n{}", text(row))?;
                }
                Ok(())
            }
            Self::Unrecorded(u) => write!(f, "{u}"),
            Self::Internal(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for ServiceError {}

impl From<Unrecorded> for ServiceError {
    fn from(u: Unrecorded) -> Self {
        Self::Unrecorded(u)
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

impl ServiceError {
    pub fn refused(key: &'static str) -> Self {
        Self::Refused(Message::new(key))
    }
}

impl ServiceError {
    /// A form's problems, none tied to one field (each rule's own wording).
    pub fn invalid<P: fupin_core::message::Explained>(problems: Vec<P>) -> Self {
        Self::Invalid(
            problems
                .into_iter()
                .map(|p| FieldIssue {
                    field: None,
                    member: None,
                    message: p.message(),
                })
                .collect(),
        )
    }
}

/// What a file refused for its bad rows says first: how many there are.
pub fn bad_rows_headline(count: usize) -> Message {
    Message::new("sheet.bad_rows").with("count", count)
}

impl From<Message> for ServiceError {
    fn from(m: Message) -> Self {
        Self::Refused(m)
    }
}

/// Storage's "not found" stays one; every other storage failure is internal.
impl From<StorageError> for ServiceError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => Self::NotFound,
            e => Self::Internal(e.into()),
        }
    }
}

/// An error passed up through `anyhow` keeps its kind when it was one of ours.
impl From<anyhow::Error> for ServiceError {
    fn from(e: anyhow::Error) -> Self {
        let e = match e.downcast::<ServiceError>() {
            Ok(s) => return s,
            Err(e) => e,
        };
        let e = match e.downcast::<Unrecorded>() {
            Ok(u) => return Self::Unrecorded(u),
            Err(e) => e,
        };
        match e.downcast::<StorageError>() {
            Ok(s) => s.into(),
            Err(e) => Self::Internal(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_survive_being_passed_through_anyhow() {
        let refused = anyhow::Error::new(ServiceError::refused("k"));
        assert!(matches!(
            ServiceError::from(refused),
            ServiceError::Refused(m) if m.key == "k"
        ));
        let missing = anyhow::Error::new(StorageError::NotFound);
        assert!(matches!(
            ServiceError::from(missing),
            ServiceError::NotFound
        ));
        let other = anyhow::anyhow!("disk full");
        assert!(matches!(
            ServiceError::from(other),
            ServiceError::Internal(_)
        ));
    }
}
