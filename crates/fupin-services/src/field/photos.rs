//! Where visit photos are kept: an object store (the `object_store` crate) under the photo's
//! SHA-256, so a photo sent twice is stored once and a half-finished upload leaves nothing a
//! row points to (the row is written only after every photo is stored). A directory on this
//! machine by default; any S3-compatible store by configuration (`--photos s3://bucket/prefix`
//! with the usual `AWS_*` variables for its endpoint and keys).

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::NaiveDateTime;
use fupin_core::GeoPoint;
use fupin_core::field::visit::PhotoOrigin;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

/// The photo store, cheap to clone.
#[derive(Clone)]
pub struct PhotoStore {
    store: Arc<dyn ObjectStore>,
    /// Where it is, for logs.
    pub location: String,
    /// The largest photo accepted, in bytes.
    pub max_bytes: usize,
}

impl std::fmt::Debug for PhotoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhotoStore({})", self.location)
    }
}

impl PhotoStore {
    /// A store from its configuration: `s3://bucket[/prefix]` (endpoint, region and keys from
    /// the `AWS_*` environment variables, so MinIO and other S3-compatible stores work too), or
    /// a directory, made if missing.
    pub fn open(location: &str) -> Result<Self> {
        let store: Arc<dyn ObjectStore> = if location.starts_with("s3://") {
            // TLS by ring (see Cargo.toml; ring has no post-quantum key exchange, hence the
            // deprecation); installed once, a second call finds it there
            #[allow(deprecated)]
            let _ = rustls::crypto::ring::default_provider().install_default();
            let url = url_of(location)?;
            let s3 = object_store::aws::AmazonS3Builder::from_env()
                .with_url(location)
                .build()
                .with_context(|| format!("photo store {location}"))?;
            match url.trim_start_matches('/') {
                "" => Arc::new(s3),
                prefix => Arc::new(object_store::prefix::PrefixStore::new(
                    s3,
                    prefix.to_string(),
                )),
            }
        } else {
            let dir = location.strip_prefix("file://").unwrap_or(location);
            std::fs::create_dir_all(dir).with_context(|| format!("photo directory {dir}"))?;
            let fs = object_store::local::LocalFileSystem::new_with_prefix(Path::new(dir))
                .with_context(|| format!("photo directory {dir}"))?;
            Arc::new(fs)
        };
        Ok(Self {
            store,
            location: location.to_string(),
            max_bytes: fupin_core::field::photo::DEFAULT_MAX_BYTES,
        })
    }

    /// The default store of a database: a directory beside its SQLite file (`<file>-photos`),
    /// or `fupin-photos` in the working directory for PostgreSQL.
    pub fn beside(db: &fupin_storage::Db) -> Result<Self> {
        let dir = match db.sqlite_file() {
            Some(file) => {
                let mut dir = file.into_os_string();
                dir.push("-photos");
                std::path::PathBuf::from(dir)
            }
            None => "fupin-photos".into(),
        };
        Self::open(&dir.to_string_lossy())
    }

    /// A store in memory (tests).
    pub fn in_memory() -> Self {
        Self {
            store: Arc::new(object_store::memory::InMemory::new()),
            location: "memory".into(),
            max_bytes: fupin_core::field::photo::DEFAULT_MAX_BYTES,
        }
    }

    /// Stores `bytes` under their hash unless already there; the hash.
    pub async fn put(&self, bytes: &[u8]) -> Result<String> {
        self.put_in("photos", bytes).await
    }

    /// The bytes of photo `sha256`.
    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>> {
        self.get_in("photos", sha256).await
    }

    /// Stores an attachment (a report's file) by its hash, beside the photos; the hash.
    pub async fn put_file(&self, bytes: &[u8]) -> Result<String> {
        self.put_in("files", bytes).await
    }

    /// The bytes of attachment `sha256`.
    pub async fn get_file(&self, sha256: &str) -> Result<Vec<u8>> {
        self.get_in("files", sha256).await
    }

    async fn put_in(&self, kind: &str, bytes: &[u8]) -> Result<String> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = key(kind, &sha256);
        if self.store.head(&path).await.is_ok() {
            return Ok(sha256);
        }
        self.store
            .put(&path, PutPayload::from(bytes.to_vec()))
            .await
            .with_context(|| format!("storing {kind} {sha256}"))?;
        Ok(sha256)
    }

    async fn get_in(&self, kind: &str, sha256: &str) -> Result<Vec<u8>> {
        let got = self
            .store
            .get(&key(kind, sha256))
            .await
            .with_context(|| format!("reading {kind} {sha256}"))?;
        Ok(got.bytes().await?.to_vec())
    }
}

/// The path part of an `s3://bucket/prefix` address.
fn url_of(location: &str) -> Result<String> {
    let rest = location.trim_start_matches("s3://");
    Ok(rest
        .split_once('/')
        .map(|(_, p)| p.to_string())
        .unwrap_or_default())
}

/// `photos/ab/cd/abcd…` (or `files/…`): two levels of fan-out keep directories small on a
/// filesystem.
fn key(kind: &str, sha256: &str) -> ObjectPath {
    ObjectPath::from(format!(
        "{kind}/{}/{}/{sha256}",
        &sha256[..2],
        &sha256[2..4]
    ))
}

/// The time and place a camera wrote into the photo's EXIF block, where it did.
pub fn origin(bytes: &[u8]) -> PhotoOrigin {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return PhotoOrigin::default();
    };
    let ascii = |tag| match exif.get_field(tag, exif::In::PRIMARY).map(|f| &f.value) {
        Some(exif::Value::Ascii(v)) => v.first().map(|b| String::from_utf8_lossy(b).into_owned()),
        _ => None,
    };
    let taken_at = ascii(exif::Tag::DateTimeOriginal)
        .or_else(|| ascii(exif::Tag::DateTime))
        .and_then(|t| NaiveDateTime::parse_from_str(t.trim(), "%Y:%m:%d %H:%M:%S").ok());
    let degrees = |tag, reference, negative: &str| -> Option<f64> {
        let value = match exif.get_field(tag, exif::In::PRIMARY).map(|f| &f.value) {
            Some(exif::Value::Rational(r)) if r.len() == 3 => {
                r[0].to_f64() + r[1].to_f64() / 60.0 + r[2].to_f64() / 3600.0
            }
            _ => return None,
        };
        let sign = if ascii(reference).is_some_and(|r| r.trim() == negative) {
            -1.0
        } else {
            1.0
        };
        value.is_finite().then_some(sign * value)
    };
    let lat = degrees(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, "S");
    let lon = degrees(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, "W");
    PhotoOrigin {
        taken_at,
        position: lat.zip(lon).map(|(lat, lon)| GeoPoint { lat, lon }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_photo_is_stored_once_under_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = PhotoStore::open(dir.path().to_str().unwrap()).unwrap();
        let bytes = b"\xFF\xD8\xFF\xE0 not really a jpeg".to_vec();
        let a = store.put(&bytes).await.unwrap();
        let b = store.put(&bytes).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(a, hex::encode(Sha256::digest(&bytes)));
        assert_eq!(store.get(&a).await.unwrap(), bytes);
        let files: Vec<_> = walk(dir.path());
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(files[0].ends_with(&format!("photos/{}/{}/{a}", &a[..2], &a[2..4])));
    }

    fn walk(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p.to_string_lossy().into_owned());
            }
        }
        out
    }

    #[test]
    fn a_photo_without_exif_has_no_origin() {
        assert_eq!(
            origin(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0"),
            PhotoOrigin::default()
        );
        assert_eq!(origin(b""), PhotoOrigin::default());
    }
}
