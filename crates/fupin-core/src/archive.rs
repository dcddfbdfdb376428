//! Scanned paper documents attached to a household (档案): what may be stored. The type is read
//! from the file's first bytes, never from its name or the browser's word, so a renamed
//! executable is refused; the size has a ceiling.

/// The kinds of scan the registry keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArchiveKind {
    Pdf,
    Jpeg,
    Png,
}

impl ArchiveKind {
    pub const ALL: [ArchiveKind; 3] = [Self::Pdf, Self::Jpeg, Self::Png];

    /// The content type it is stored and served with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    pub fn from_content_type(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.content_type() == text)
    }

    /// The file's kind by its signature, if it is one of ours.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else {
            None
        }
    }
}

/// The default ceiling of one file: a multi-page scan at 300 dpi fits.
pub const DEFAULT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// The longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 100;

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveError {
    Empty,
    TooLarge { size: usize, limit: usize },
    UnknownType,
    BadTitle,
}

impl crate::message::Explained for ArchiveError {
    fn message(&self) -> crate::Message {
        use crate::Message;
        match self {
            Self::Empty => Message::new("archive.empty"),
            Self::TooLarge { size, limit } => Message::new("archive.too_large")
                .with("size", size)
                .with("limit", limit),
            Self::UnknownType => Message::new("archive.unknown_type"),
            Self::BadTitle => Message::new("archive.bad_title").with("max", TITLE_MAX_CHARS),
        }
    }
}

crate::explained_error!(ArchiveError, &[MESSAGES]);

/// The texts of [`ArchiveError`]'s messages.
pub const MESSAGES: crate::message::Strings = &[
    ("archive.empty", "文件为空", "The file is empty"),
    (
        "archive.too_large",
        "文件{size}字节，超过上限{limit}字节",
        "The file has {size} bytes, more than the limit of {limit}",
    ),
    (
        "archive.unknown_type",
        "只收PDF、JPEG、PNG扫描件（按文件内容判断）",
        "Only PDF, JPEG and PNG scans are kept (judged by the content)",
    ),
    (
        "archive.bad_title",
        "请填写标题（不超过{max}字）",
        "A title of at most {max} characters is needed",
    ),
];

/// Checks a file before it is stored: a title, a size within `limit`, a known signature.
pub fn check(title: &str, bytes: &[u8], limit: usize) -> Result<ArchiveKind, ArchiveError> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > TITLE_MAX_CHARS {
        return Err(ArchiveError::BadTitle);
    }
    if bytes.is_empty() {
        return Err(ArchiveError::Empty);
    }
    if bytes.len() > limit {
        return Err(ArchiveError::TooLarge {
            size: bytes.len(),
            limit,
        });
    }
    ArchiveKind::sniff(bytes).ok_or(ArchiveError::UnknownType)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_three_kinds_are_known_by_their_first_bytes() {
        assert_eq!(check("户口簿", b"%PDF-1.7\n...", 100), Ok(ArchiveKind::Pdf));
        assert_eq!(
            check("房屋照片", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], 100),
            Ok(ArchiveKind::Jpeg)
        );
        assert_eq!(
            check("申请书", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 100),
            Ok(ArchiveKind::Png)
        );
    }

    #[test]
    fn other_files_sizes_and_titles_are_refused() {
        assert_eq!(check("x", b"MZ\x90\0", 100), Err(ArchiveError::UnknownType));
        assert_eq!(
            check("x", b"<html>%PDF-", 100),
            Err(ArchiveError::UnknownType)
        );
        assert_eq!(check("x", b"", 100), Err(ArchiveError::Empty));
        assert_eq!(
            check("x", b"%PDF-1.7", 7),
            Err(ArchiveError::TooLarge { size: 8, limit: 7 })
        );
        assert_eq!(check("  ", b"%PDF-1.7", 100), Err(ArchiveError::BadTitle));
        let long = "档".repeat(TITLE_MAX_CHARS + 1);
        assert_eq!(check(&long, b"%PDF-1.7", 100), Err(ArchiveError::BadTitle));
        // exactly at the limit passes
        assert!(check("x", b"%PDF-1.7", 8).is_ok());
    }

    proptest! {
        #[test]
        fn a_file_passes_only_with_a_known_signature(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            match check("scan", &bytes, 64) {
                Ok(kind) => prop_assert_eq!(ArchiveKind::sniff(&bytes), Some(kind)),
                Err(ArchiveError::Empty) => prop_assert!(bytes.is_empty()),
                Err(e) => prop_assert_eq!(e, ArchiveError::UnknownType),
            }
        }
    }
}
