//! Remembers which `.zkey` files passed the full point validation, so the G2 subgroup checks
//! (the expensive part) run once per key rather than once per load. A key is named by the
//! SHA-256 of the whole file; its marker is an empty-ish file `<cache dir>/<hex sha256>`.
//! Writing a marker is best effort: a failure is logged, never an error.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The default marker directory: `$ZKACCEL_CACHE_DIR/validated-keys` if that variable is set,
/// else `$XDG_CACHE_HOME/zkaccel/validated-keys`, else `~/.cache/zkaccel/validated-keys`;
/// `None` when none of these can be determined.
pub fn default_cache_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let root = non_empty("ZKACCEL_CACHE_DIR")
        .or_else(|| non_empty("XDG_CACHE_HOME").map(|p| p.join("zkaccel")))
        .or_else(|| non_empty("HOME").map(|p| p.join(".cache").join("zkaccel")))?;
    Some(root.join("validated-keys"))
}

/// Lower-case hex of a digest.
pub(crate) fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether the key with this digest was fully validated before.
pub(crate) fn is_validated(dir: &Path, digest: &[u8; 32]) -> bool {
    dir.join(hex(digest)).is_file()
}

/// Records that the key with this digest passed every check (temp file + rename, so a reader
/// never sees a half-written marker). Failures are logged as warnings.
pub(crate) fn mark_validated(dir: &Path, digest: &[u8; 32]) {
    if let Err(e) = try_mark(dir, digest) {
        tracing::warn!("could not record the validated key in {}: {e}", dir.display());
    }
}

fn try_mark(dir: &Path, digest: &[u8; 32]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let name = hex(digest);
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut f = fs::File::create(&tmp)?;
        writeln!(f, "zkaccel {}: all points on the curve and in their subgroups", env!("CARGO_PKG_VERSION"))?;
        f.sync_all()?;
    }
    let renamed = fs::rename(&tmp, dir.join(name));
    if renamed.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_and_finds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().join("nested").join("validated-keys");
        let digest = [7u8; 32];
        assert!(!is_validated(&d, &digest));
        mark_validated(&d, &digest);
        assert!(is_validated(&d, &digest));
        assert!(!is_validated(&d, &[8u8; 32]));
        assert_eq!(hex(&[0, 15, 255]), "000fff");
    }

    #[test]
    fn unwritable_directory_is_only_a_warning() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("not-a-dir");
        fs::write(&file, b"x").expect("write");
        mark_validated(&file.join("sub"), &[1u8; 32]);
        assert!(!is_validated(&file.join("sub"), &[1u8; 32]));
    }
}
