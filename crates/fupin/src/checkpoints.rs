//! The checkpoint file of `fupin audit verify --checkpoints FILE`: one `ID HASH` line per
//! entry recorded, ids increasing, `#` comments and blank lines ignored. It only grows, after
//! verifications that passed; kept out of reach of the database's users, it tells where a
//! rebuilt chain departs from what was verified before.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use fupin_core::audit::Checkpoint;

const HEADER: &str = "# fupin audit verify --checkpoints: ID HASH of audit entries verified before\n\
                      # (appended after each verification that passed; keep it off the database server)\n";

pub struct CheckpointFile {
    path: PathBuf,
    /// As read (comments kept), to append to.
    text: String,
    pub checkpoints: Vec<Checkpoint>,
}

impl CheckpointFile {
    /// Reads `path`; a file that does not exist yet holds no checkpoints.
    pub fn open(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let checkpoints = parse(&text).map_err(|e| {
            anyhow!(
                "检查点文件有误 / bad checkpoint file {}, {e}",
                path.display()
            )
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            text,
            checkpoints,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Nothing was read: the file is written even without checkpoints, to show it is in use.
    pub fn is_new(&self) -> bool {
        self.text.is_empty()
    }

    /// Id of the last checkpoint (0 when none).
    pub fn last_id(&self) -> i64 {
        self.checkpoints.last().map_or(0, |c| c.id)
    }

    /// Appends `new` (ids past [`CheckpointFile::last_id`]), replacing the file in one rename
    /// so that an interrupted write leaves the old one whole.
    pub fn append(&mut self, new: &[Checkpoint]) -> Result<()> {
        if self.text.is_empty() {
            self.text.push_str(HEADER);
        } else if !self.text.ends_with('\n') {
            self.text.push('\n');
        }
        for c in new {
            self.text.push_str(&format!("{} {}\n", c.id, c.hash));
        }
        self.checkpoints.extend_from_slice(new);
        write_atomically(&self.path, self.text.as_bytes())
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

/// The checkpoints of a file's text; an error names the line and what is wrong with it.
fn parse(text: &str) -> Result<Vec<Checkpoint>, String> {
    let mut out: Vec<Checkpoint> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let c = parse_line(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        if let Some(prev) = out.last()
            && c.id <= prev.id
        {
            return Err(format!(
                "line {}: ids must increase, entry {} follows entry {}",
                i + 1,
                c.id,
                prev.id
            ));
        }
        out.push(c);
    }
    Ok(out)
}

fn parse_line(line: &str) -> Result<Checkpoint, String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [id, hash] = fields[..] else {
        return Err(format!("expected ID HASH, got {line:?}"));
    };
    checkpoint(id, hash)
}

/// An entry's id (from 1) and its hash (64 hex digits, kept in lower case as the trail has it).
pub fn checkpoint(id: &str, hash: &str) -> Result<Checkpoint, String> {
    let id = match id.parse::<i64>() {
        Ok(id) if id >= 1 => id,
        _ => return Err(format!("the id {id:?} is not an entry number (1, 2, …)")),
    };
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("the hash of entry {id} is not 64 hex digits"));
    }
    Ok(Checkpoint {
        id,
        hash: hash.to_ascii_lowercase(),
    })
}

/// Writes beside `path` and renames over it, after the data reached the disk.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp{}", std::process::id()));
    let temp = path.with_file_name(name);
    let written = std::fs::File::create(&temp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&temp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4";

    #[test]
    fn lines_comments_and_blanks() {
        let text = format!("# kept\n\n3 {H}\n  10 {}  \n", H.to_uppercase());
        let c = parse(&text).unwrap();
        assert_eq!(c.iter().map(|c| c.id).collect::<Vec<_>>(), [3, 10]);
        assert_eq!(c[1].hash, H);
    }

    #[test]
    fn errors_name_the_line_and_the_reason() {
        for (text, error) in [
            (format!("1 {H}\n2\n"), "line 2: expected ID HASH"),
            (
                format!("x {H}\n"),
                "line 1: the id \"x\" is not an entry number",
            ),
            (
                format!("0 {H}\n"),
                "line 1: the id \"0\" is not an entry number",
            ),
            (
                "# c\n4 abc\n".to_string(),
                "line 2: the hash of entry 4 is not 64 hex digits",
            ),
            (
                format!("5 {H}\n5 {H}\n"),
                "line 2: ids must increase, entry 5 follows entry 5",
            ),
        ] {
            let found = parse(&text).unwrap_err();
            assert!(found.starts_with(error), "{found}");
        }
    }

    #[test]
    fn appended_to_a_new_or_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp");
        let mut f = CheckpointFile::open(&path).unwrap();
        assert_eq!(f.last_id(), 0);
        let c = |id| Checkpoint {
            id,
            hash: H.to_string(),
        };
        f.append(&[c(2), c(4)]).unwrap();
        std::fs::write(&path, std::fs::read_to_string(&path).unwrap() + "# mine").unwrap();
        let mut f = CheckpointFile::open(&path).unwrap();
        assert_eq!(f.last_id(), 4);
        f.append(&[c(5)]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(HEADER), "{text}");
        assert!(text.ends_with(&format!("4 {H}\n# mine\n5 {H}\n")), "{text}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
