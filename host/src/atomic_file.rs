//! Files written whole or not at all: a temporary file beside the destination, renamed over it
//! when complete. The temporary file is created readable by others (0644, less the umask), as
//! any file the user writes would be: proofs and keys are not secrets, and a daemon or web
//! server running as another user must be able to read them.

use std::io;
use std::path::Path;

use tempfile::NamedTempFile;

/// A new temporary file in `path`'s folder (the current folder for a bare name), to be
/// persisted over `path`.
pub fn temp_beside(path: &Path) -> io::Result<NamedTempFile> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".zkaccel-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persisted_files_are_readable_by_others_and_replace_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("proof.json");
        std::fs::write(&path, "old").unwrap();
        let mut temp = temp_beside(&path).unwrap();
        io::Write::write_all(&mut temp, b"new").unwrap();
        temp.persist(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o444, 0o444, "mode {mode:o}: the owner, group and others can read it");
            assert_eq!(mode & 0o022, 0, "mode {mode:o}: only the owner can write it");
        }
        let missing = temp_beside(&dir.path().join("no/such/dir/f")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
