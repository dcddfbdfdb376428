//! What a visit's photo may be: an image by its first bytes (never by its name or the phone's
//! word), no larger than a ceiling. Photos are kept by the SHA-256 of their bytes, so the same
//! picture is stored once and the same picture on two households is visible.

use std::fmt;

use crate::codes::CodeList;
use crate::message::{Explained, Message};

code_list! {
    /// The image types a phone sends.
    ImageKind, "图片类型" {
        Jpeg = ("image/jpeg", "JPEG", "JPEG"),
        Png = ("image/png", "PNG", "PNG"),
        Webp = ("image/webp", "WebP", "WebP"),
    }
}

impl ImageKind {
    /// The file's kind by its signature, if it is an image we keep.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        self.code()
    }
}

/// The default ceiling of one photo. The phone page sends photos shrunk to 1280 px (about
/// 150 KB); an unshrunk one from a form without script is a few megabytes.
pub const DEFAULT_MAX_BYTES: usize = 8 * 1024 * 1024;

/// Why a photo was refused; `number` counts from 1 in the order sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoProblem {
    Empty {
        number: usize,
    },
    NotAnImage {
        number: usize,
    },
    TooLarge {
        number: usize,
        size: usize,
        limit: usize,
    },
}

impl Explained for PhotoProblem {
    fn message(&self) -> Message {
        match self {
            Self::Empty { number } => Message::new("photo.empty").with("n", number),
            Self::NotAnImage { number } => Message::new("photo.not_image").with("n", number),
            Self::TooLarge {
                number,
                size,
                limit,
            } => Message::new("photo.too_large")
                .with("n", number)
                .with("size_kb", size.div_ceil(1024))
                .with("limit_kb", limit / 1024),
        }
    }
}

crate::explained_error!(PhotoProblem, &[MESSAGES]);

/// Checks photo `number` (from 1): its kind, or why it is refused.
pub fn check(number: usize, bytes: &[u8], limit: usize) -> Result<ImageKind, PhotoProblem> {
    if bytes.is_empty() {
        return Err(PhotoProblem::Empty { number });
    }
    if bytes.len() > limit {
        return Err(PhotoProblem::TooLarge {
            number,
            size: bytes.len(),
            limit,
        });
    }
    ImageKind::sniff(bytes).ok_or(PhotoProblem::NotAnImage { number })
}

/// The texts of this module's messages.
pub const MESSAGES: crate::message::Strings = &[
    (
        "photo.empty",
        "第{n}张照片是空文件",
        "Photo {n} is an empty file",
    ),
    (
        "photo.not_image",
        "第{n}张照片不是图片（只收 JPEG、PNG、WebP）",
        "Photo {n} is not an image (JPEG, PNG or WebP only)",
    ),
    (
        "photo.too_large",
        "第{n}张照片{size_kb} KB，超过上限{limit_kb} KB",
        "Photo {n} is {size_kb} KB, over the limit of {limit_kb} KB",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_known_by_their_first_bytes() {
        assert_eq!(check(1, b"\xFF\xD8\xFF\xE0rest", 100), Ok(ImageKind::Jpeg));
        assert_eq!(check(1, b"\x89PNG\r\n\x1a\nrest", 100), Ok(ImageKind::Png));
        assert_eq!(
            check(1, b"RIFF\x10\0\0\0WEBPVP8 ", 100),
            Ok(ImageKind::Webp)
        );
        assert_eq!(
            check(2, b"%PDF-1.7", 100),
            Err(PhotoProblem::NotAnImage { number: 2 })
        );
        assert_eq!(
            check(2, b"RIFF\x10\0\0\0WAVE", 100),
            Err(PhotoProblem::NotAnImage { number: 2 })
        );
        assert_eq!(check(3, b"", 100), Err(PhotoProblem::Empty { number: 3 }));
    }

    #[test]
    fn the_ceiling_is_inclusive() {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF];
        jpeg.resize(100, 0);
        assert!(check(1, &jpeg, 100).is_ok());
        jpeg.push(0);
        assert_eq!(
            check(1, &jpeg, 100),
            Err(PhotoProblem::TooLarge {
                number: 1,
                size: 101,
                limit: 100
            })
        );
    }
}
