//! The on-disk kernel cache: NVRTC output (CUBIN or PTX) keyed by SHA-256 of everything that
//! determines it.
//!
//! The key covers the program source, the compiler options, the target architecture and the
//! NVRTC version, so a changed kernel, option (target) or compiler never reuses a stale image. Entries are
//! written atomically (temporary file, then rename). A cache that cannot be read or written
//! is never an error: the program is compiled again and a warning is logged.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Where compiled kernel images are kept between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelCache {
    dir: Option<PathBuf>,
}

impl KernelCache {
    /// The cache in the default directory: `$ZKACCEL_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/zkaccel/cuda`, else `~/.cache/zkaccel/cuda`. Disabled when none of
    /// those can be determined.
    pub fn from_env() -> Self {
        KernelCache { dir: default_dir() }
    }

    /// A cache in `dir` (created on first write).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        KernelCache { dir: Some(dir.into()) }
    }

    /// A cache that stores nothing.
    pub fn disabled() -> Self {
        KernelCache { dir: None }
    }

    /// The cache directory, if any.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The cache key (64 hex digits) of `source` compiled with `options` for `arch` by NVRTC
    /// `nvrtc_version` (major, minor).
    pub fn key(source: &str, options: &[String], arch: (u32, u32), nvrtc_version: (i32, i32)) -> String {
        let mut hasher = Sha256::new();
        // Length-prefix every part so that no two different inputs hash the same bytes.
        let mut part = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        };
        part(source.as_bytes());
        for option in options {
            part(option.as_bytes());
        }
        part(format!("arch {}.{}", arch.0, arch.1).as_bytes());
        part(format!("nvrtc {}.{}", nvrtc_version.0, nvrtc_version.1).as_bytes());
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn path_of(&self, key: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(format!("{key}.img")))
    }

    /// The image stored under `key`, if present and readable.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let path = self.path_of(key)?;
        match std::fs::read(&path) {
            Ok(image) if !image.is_empty() => Some(image),
            Ok(_) => None,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::warn!("cannot read the kernel cache entry {}: {e}; compiling again", path.display());
                None
            }
        }
    }

    /// Stores `image` under `key`. Failure is logged as a warning and otherwise ignored.
    pub fn put(&self, key: &str, image: &[u8]) {
        let Some(path) = self.path_of(key) else { return };
        if let Err(e) = write_atomically(&path, image) {
            tracing::warn!(
                "cannot write the kernel cache entry {}: {e}; kernels will be compiled again next run",
                path.display()
            );
        }
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("cache entries live in a directory");
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.{:?}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
        std::process::id(),
        std::thread::current().id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn default_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = non_empty("ZKACCEL_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(xdg) = non_empty("XDG_CACHE_HOME") {
        return Some(xdg.join("zkaccel").join("cuda"));
    }
    non_empty("HOME").map(|home| home.join(".cache").join("zkaccel").join("cuda"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(source: &str) -> String {
        KernelCache::key(source, &["-std=c++17".to_string()], (8, 0), (12, 4))
    }

    #[test]
    fn miss_then_hit() {
        let dir = tempfile::tempdir().unwrap();
        let cache = KernelCache::at(dir.path().join("nested").join("cuda"));
        let k = key("kernel source");
        assert_eq!(cache.get(&k), None);
        cache.put(&k, b".version 8.4\n.entry foo");
        assert_eq!(cache.get(&k).as_deref(), Some(&b".version 8.4\n.entry foo"[..]));
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(cache.dir().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from(format!("{k}.img"))]);
    }

    #[test]
    fn every_input_changes_the_key() {
        let base = key("src");
        assert_eq!(base.len(), 64);
        assert_eq!(base, key("src"));
        assert_ne!(base, key("src2"));
        assert_ne!(base, KernelCache::key("src", &["-std=c++20".to_string()], (8, 0), (12, 4)));
        assert_ne!(base, KernelCache::key("src", &["-std=c++17".to_string()], (9, 0), (12, 4)));
        assert_ne!(base, KernelCache::key("src", &["-std=c++17".to_string()], (8, 0), (12, 8)));
        // Moving text between the source and the options is a different key.
        assert_ne!(
            KernelCache::key("ab", &["c".to_string()], (8, 0), (12, 4)),
            KernelCache::key("a", &["bc".to_string()], (8, 0), (12, 4))
        );

        let dir = tempfile::tempdir().unwrap();
        let cache = KernelCache::at(dir.path());
        cache.put(&base, b"ptx for src");
        assert_eq!(cache.get(&key("src2")), None);
    }

    #[test]
    fn unwritable_directory_is_only_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        // A directory below a regular file can never be created, even by root.
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"not a directory").unwrap();
        let cache = KernelCache::at(file.join("cuda"));
        let k = key("src");
        cache.put(&k, b"ptx");
        assert_eq!(cache.get(&k), None);
    }

    #[test]
    fn disabled_cache_stores_nothing() {
        let cache = KernelCache::disabled();
        cache.put(&key("src"), b"ptx");
        assert_eq!(cache.get(&key("src")), None);
        assert_eq!(cache.dir(), None);
    }
}
