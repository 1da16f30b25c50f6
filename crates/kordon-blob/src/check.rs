//! A full check of a blob folder: every stored file is hashed again and
//! must hash to its own name. Partial copies and temp files are counted
//! (they are expected after an interrupted transfer or write) and listed.

use std::fs;
use std::io;
use std::path::Path;

use crate::{io_err, BlobError, BlobId, BlobStore};

/// What [`BlobStore::check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlobCheck {
    /// Blob files that hash to their names.
    pub blobs: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Files in the blob folders that are not what their names say:
    /// `(path relative to the folder, what is wrong)`.
    pub damaged: Vec<(String, String)>,
    /// Blobs with a partial copy in progress (a transfer under way or cut).
    pub partials: Vec<BlobId>,
    /// Files in `tmp/` (writes under way or cut by a power loss; swept on
    /// open once stale).
    pub temp_files: u64,
}

impl BlobStore {
    /// Hashes every stored blob again. Reads everything: minutes for a
    /// large store, so it is for `check` commands, not for start-up.
    pub fn check(&self) -> Result<BlobCheck, BlobError> {
        let mut out = BlobCheck::default();
        for entry in read_dir(&self.dir)? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            match name.as_str() {
                "tmp" => out.temp_files = read_dir(&path)?.len() as u64,
                "partial" => {
                    for part in read_dir(&path)? {
                        let file = part.file_name().to_string_lossy().into_owned();
                        if let Some(id) = file.strip_suffix(".part") {
                            if let Ok(id) = id.parse() {
                                out.partials.push(id);
                            }
                        }
                    }
                }
                _ if name.len() == 2 && path.is_dir() => {
                    for blob in read_dir(&path)? {
                        let file = blob.file_name().to_string_lossy().into_owned();
                        let shown = format!("{name}/{file}");
                        match file.parse::<BlobId>() {
                            Ok(id) if file.starts_with(&name) => match self.verify(&id) {
                                Ok(len) => {
                                    out.blobs += 1;
                                    out.bytes += len;
                                }
                                Err(e) => out.damaged.push((shown, e.to_string())),
                            },
                            _ => out
                                .damaged
                                .push((shown, "not named by a blob hash in its folder".into())),
                        }
                    }
                }
                _ => {}
            }
        }
        out.partials.sort_by_key(|id| id.0);
        out.damaged.sort();
        Ok(out)
    }
}

pub(crate) fn read_dir(dir: &Path) -> Result<Vec<fs::DirEntry>, BlobError> {
    match fs::read_dir(dir) {
        Ok(entries) => entries
            .collect::<Result<Vec<_>, io::Error>>()
            .map_err(io_err(dir)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(vec![]),
        Err(e) => Err(io_err(dir)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sound_folder_passes_and_a_changed_byte_is_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = BlobStore::open(dir.path()).expect("open");
        let a = store.put_bytes(b"first scan").expect("put");
        let b = store.put_bytes(&[7u8; 5000]).expect("put");
        let report = store.check().expect("check");
        assert_eq!((report.blobs, report.bytes), (2, 5010));
        assert!(report.damaged.is_empty() && report.partials.is_empty());

        let _ = store.partial(a, 10, 1024).expect("partial");
        let path = store.path(&b);
        let mut perms = fs::metadata(&path).expect("meta").permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        fs::set_permissions(&path, perms).expect("perms");
        let mut bytes = fs::read(&path).expect("read");
        bytes[4000] ^= 1;
        fs::write(&path, bytes).expect("write");
        fs::create_dir_all(dir.path().join("ab")).expect("mkdir");
        fs::write(dir.path().join("ab").join("stray"), b"x").expect("stray");

        let report = store.check().expect("check");
        assert_eq!(report.blobs, 1);
        assert_eq!(report.partials, vec![a]);
        let damaged: Vec<&str> = report.damaged.iter().map(|(p, _)| p.as_str()).collect();
        let changed = format!("{}/{b}", &b.to_string()[..2]);
        assert_eq!(damaged, {
            let mut want = vec!["ab/stray", changed.as_str()];
            want.sort();
            want
        });
        assert!(
            report
                .damaged
                .iter()
                .any(|(_, why)| why.contains("damaged")),
            "{report:?}"
        );
    }
}
