//! The daemon's artifact store: proving keys (`zkeys/<sha256>`) and witnesses
//! (`witnesses/<sha256>`) in a local directory or an S3-compatible bucket, on top of the
//! `object_store` crate.
//!
//! Objects are content addressed, so writing a key twice is harmless. Large files go up in
//! parts and come down as streams: no method except [`ArtifactStore::get_bytes`] holds a whole
//! object in memory.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Files up to this size go up in one request; larger ones as a multipart upload.
const SINGLE_PUT_MAX: u64 = 8 << 20;
/// The smallest part of a multipart upload (S3's minimum is 5 MiB).
const MIN_PART_SIZE: u64 = 8 << 20;
/// S3 allows 10,000 parts; parts grow beyond [`MIN_PART_SIZE`] to stay below this count.
const MAX_PARTS: u64 = 9_000;
/// Parts in flight at once during a multipart upload (memory: about this many parts plus one).
const UPLOAD_CONCURRENCY: usize = 4;
/// Size of the reads from a local file while uploading it.
const READ_CHUNK: usize = 1 << 20;
/// How long the readiness probe may take before the store counts as unreachable.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest key accepted.
const MAX_KEY_LEN: usize = 512;

fn default_region() -> String {
    "us-east-1".to_string()
}

/// Where artifacts live (the TOML `[artifacts]` table of the daemon's configuration,
/// `kind = "local"` or `kind = "s3"`).
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ArtifactStoreConfig {
    /// A directory on this machine (created when missing).
    Local {
        /// The directory; relative paths are taken from the daemon's working directory.
        path: PathBuf,
    },
    /// An S3-compatible bucket (AWS, MinIO, Ceph, moto, ...).
    S3 {
        /// The bucket's name.
        bucket: String,
        /// A key prefix inside the bucket (`"zkaccel/prod"`), so several deployments can share one.
        #[serde(default)]
        prefix: Option<String>,
        /// The endpoint URL for S3-compatible services (`"http://minio:9000"`); AWS when absent.
        /// With an endpoint, requests use path-style URLs (`<endpoint>/<bucket>/<key>`).
        #[serde(default)]
        endpoint: Option<String>,
        /// The region (`us-east-1` by default).
        #[serde(default = "default_region")]
        region: String,
        /// The access key id; from `AWS_ACCESS_KEY_ID` (or the instance's role) when absent.
        #[serde(default)]
        access_key_id: Option<String>,
        /// The secret access key; from `AWS_SECRET_ACCESS_KEY` when absent.
        #[serde(default)]
        secret_access_key: Option<String>,
        /// Allow a plain `http://` endpoint (off by default).
        #[serde(default)]
        allow_http: bool,
    },
}

impl Default for ArtifactStoreConfig {
    fn default() -> Self {
        ArtifactStoreConfig::Local { path: PathBuf::from("zkaccel-data/artifacts") }
    }
}

/// Why an artifact operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// No object has this key.
    #[error("artifact {key} not found")]
    NotFound {
        /// The key asked for.
        key: String,
    },
    /// The key is not a valid artifact key.
    #[error("invalid artifact key {key:?}: {reason}")]
    InvalidKey {
        /// The key given.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The store's configuration is unusable.
    #[error("invalid artifact store configuration: {0}")]
    Config(String),
    /// Reading or writing a local file failed.
    #[error("artifact I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The object store reported an error (its text).
    #[error("artifact store error: {0}")]
    Store(String),
}

/// Checks that `key` is a valid artifact key: non-empty segments of `[a-z0-9._-]` separated by
/// `/`, no leading or trailing `/`, no `..`, at most 512 bytes.
pub fn validate_key(key: &str) -> Result<(), ArtifactError> {
    let invalid = |reason| Err(ArtifactError::InvalidKey { key: key.to_string(), reason });
    if key.is_empty() {
        return invalid("empty");
    }
    if key.len() > MAX_KEY_LEN {
        return invalid("longer than 512 bytes");
    }
    if !key.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'/' | b'.' | b'_' | b'-')) {
        return invalid("only a-z, 0-9, '/', '.', '_' and '-' are allowed");
    }
    if key.starts_with('/') {
        return invalid("starts with '/'");
    }
    if key.ends_with('/') {
        return invalid("ends with '/'");
    }
    if key.contains("..") {
        return invalid("contains '..'");
    }
    if key.split('/').any(|segment| segment.is_empty() || segment == ".") {
        return invalid("has an empty or '.' segment");
    }
    Ok(())
}

/// The part size for a multipart upload of `len` bytes.
fn part_size(len: u64) -> usize {
    let mib = 1u64 << 20;
    let needed = len.div_ceil(MAX_PARTS).div_ceil(mib) * mib;
    needed.max(MIN_PART_SIZE) as usize
}

/// Where the objects are, for [`ArtifactStore::describe`] and [`ArtifactStore::local_path`].
#[derive(Clone)]
enum Backend {
    Local { root: PathBuf },
    S3 { bucket: String, prefix: Option<String>, endpoint: Option<String>, region: String },
}

/// The daemon's artifact store: a local directory or an S3 bucket. Cheap to clone.
#[derive(Clone)]
pub struct ArtifactStore {
    store: Arc<dyn ObjectStore>,
    backend: Arc<Backend>,
}

impl fmt::Debug for ArtifactStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArtifactStore").field("backend", &self.describe()).finish()
    }
}

impl ArtifactStore {
    /// Opens the store: creates the local directory, or sets up the S3 client (credentials from
    /// the configuration, else from the standard `AWS_*` environment variables). Opening an S3
    /// store makes no request; [`ArtifactStore::check`] does.
    pub async fn open(config: &ArtifactStoreConfig) -> Result<ArtifactStore, ArtifactError> {
        match config {
            ArtifactStoreConfig::Local { path } => {
                tokio::fs::create_dir_all(path).await?;
                let root = tokio::fs::canonicalize(path).await?;
                let store = LocalFileSystem::new_with_prefix(&root).map_err(|e| ArtifactError::Store(e.to_string()))?;
                Ok(ArtifactStore { store: Arc::new(store), backend: Arc::new(Backend::Local { root }) })
            }
            ArtifactStoreConfig::S3 {
                bucket,
                prefix,
                endpoint,
                region,
                access_key_id,
                secret_access_key,
                allow_http,
            } => {
                if bucket.is_empty() {
                    return Err(ArtifactError::Config("the S3 bucket name is empty".to_string()));
                }
                let prefix = match prefix.as_deref().map(|p| p.trim_matches('/')) {
                    None | Some("") => None,
                    Some(p) => {
                        validate_key(p)
                            .map_err(|e| ArtifactError::Config(format!("the S3 prefix is not usable: {e}")))?;
                        Some(p.to_string())
                    }
                };
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_allow_http(*allow_http);
                if let Some(endpoint) = endpoint {
                    builder = builder.with_endpoint(endpoint).with_virtual_hosted_style_request(false);
                }
                if let Some(id) = access_key_id {
                    builder = builder.with_access_key_id(id);
                }
                if let Some(secret) = secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                let s3 = builder.build().map_err(|e| ArtifactError::Config(e.to_string()))?;
                let store: Arc<dyn ObjectStore> = match &prefix {
                    Some(p) => Arc::new(PrefixStore::new(s3, StorePath::from(p.as_str()))),
                    None => Arc::new(s3),
                };
                let backend =
                    Backend::S3 { bucket: bucket.clone(), prefix, endpoint: endpoint.clone(), region: region.clone() };
                Ok(ArtifactStore { store, backend: Arc::new(backend) })
            }
        }
    }

    /// Stores the file at `path` under `key`, streaming it: files above 8 MiB go up as a
    /// multipart upload (parts of 8 MiB or more, a few in flight), so memory stays bounded
    /// whatever the file's size. An existing object with this key is replaced.
    pub async fn put_file(&self, key: &str, path: &Path) -> Result<(), ArtifactError> {
        let location = location(key)?;
        let mut file = tokio::fs::File::open(path).await?;
        let len = file.metadata().await?.len();
        if len <= SINGLE_PUT_MAX {
            let mut buf = Vec::with_capacity(len as usize);
            file.read_to_end(&mut buf).await?;
            return self.put_bytes(key, Bytes::from(buf)).await;
        }
        let upload = self.store.put_multipart(&location).await.map_err(|e| map_err(key, e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, part_size(len));
        let result: Result<(), ArtifactError> = async {
            loop {
                let mut chunk = Vec::with_capacity(READ_CHUNK);
                let n = (&mut file).take(READ_CHUNK as u64).read_to_end(&mut chunk).await?;
                if n == 0 {
                    return Ok(());
                }
                writer.wait_for_capacity(UPLOAD_CONCURRENCY).await.map_err(|e| map_err(key, e))?;
                writer.put(Bytes::from(chunk));
            }
        }
        .await;
        match result {
            Ok(()) => {
                writer.finish().await.map_err(|e| map_err(key, e))?;
                Ok(())
            }
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(key, error = %abort, "could not abort a failed multipart upload");
                }
                Err(e)
            }
        }
    }

    /// Stores `bytes` under `key` in one request. An existing object with this key is replaced.
    pub async fn put_bytes(&self, key: &str, bytes: Bytes) -> Result<(), ArtifactError> {
        let location = location(key)?;
        self.store.put(&location, PutPayload::from_bytes(bytes)).await.map_err(|e| map_err(key, e))?;
        Ok(())
    }

    /// The whole object under `key`, in memory (for small objects such as witnesses).
    pub async fn get_bytes(&self, key: &str) -> Result<Bytes, ArtifactError> {
        let location = location(key)?;
        let result = self.store.get(&location).await.map_err(|e| map_err(key, e))?;
        result.bytes().await.map_err(|e| map_err(key, e))
    }

    /// Writes the object under `key` to `dest`, streamed: into a temporary file beside `dest`
    /// (its directory is created when missing), renamed to `dest` once complete, so `dest` is
    /// either absent, its old content, or the whole object.
    pub async fn fetch_to_file(&self, key: &str, dest: &Path) -> Result<(), ArtifactError> {
        let location = location(key)?;
        let result = self.store.get(&location).await.map_err(|e| map_err(key, e))?;
        let dir = match dest.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        tokio::fs::create_dir_all(&dir).await?;
        let temp = tokio::task::spawn_blocking(move || tempfile::NamedTempFile::new_in(dir))
            .await
            .map_err(|e| ArtifactError::Io(std::io::Error::other(e)))??;
        let (file, temp_path) = temp.into_parts();
        let mut file = tokio::fs::File::from_std(file);
        let mut stream = result.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| map_err(key, e))?;
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        let dest = dest.to_path_buf();
        tokio::task::spawn_blocking(move || temp_path.persist(dest))
            .await
            .map_err(|e| ArtifactError::Io(std::io::Error::other(e)))?
            .map_err(|e| ArtifactError::Io(e.error))?;
        Ok(())
    }

    /// The object's file for the local store, so the prover can read a key in place; `None` for
    /// S3 or an invalid key. The file may not exist.
    pub fn local_path(&self, key: &str) -> Option<PathBuf> {
        match &*self.backend {
            Backend::Local { root } if validate_key(key).is_ok() => Some(root.join(key)),
            _ => None,
        }
    }

    /// Whether an object has this key.
    pub async fn exists(&self, key: &str) -> Result<bool, ArtifactError> {
        let location = location(key)?;
        match self.store.head(&location).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(map_err(key, e)),
        }
    }

    /// Deletes the object under `key`; deleting a missing key succeeds.
    pub async fn delete(&self, key: &str) -> Result<(), ArtifactError> {
        let location = location(key)?;
        match self.store.delete(&location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(map_err(key, e)),
        }
    }

    /// The readiness probe: writes, reads back and deletes a small object with a unique key
    /// (`readiness-probes/<uuid>`), within 10 seconds. Fails ([`ArtifactError::Store`], naming the
    /// store) when the directory is gone or the bucket is unreachable, missing or not writable.
    pub async fn check(&self) -> Result<(), ArtifactError> {
        if let Backend::Local { root } = &*self.backend {
            if !tokio::fs::metadata(root).await.is_ok_and(|meta| meta.is_dir()) {
                return Err(ArtifactError::Store(format!("{} is missing or not a directory", root.display())));
            }
        }
        let key = format!("readiness-probes/{}", uuid::Uuid::new_v4());
        let probe = Bytes::from_static(b"zkaccel readiness probe");
        let round_trip = async {
            self.put_bytes(&key, probe.clone()).await?;
            let back = self.get_bytes(&key).await;
            let deleted = self.delete(&key).await;
            if back? != probe {
                return Err(ArtifactError::Store("the readiness probe read back different bytes".to_string()));
            }
            deleted
        };
        match tokio::time::timeout(CHECK_TIMEOUT, round_trip).await {
            Ok(Ok(())) => Ok(()),
            // A probe object that is missing right after its write means the bucket is missing.
            Ok(Err(ArtifactError::NotFound { .. })) => {
                Err(ArtifactError::Store(format!("{}: the bucket or directory does not exist", self.describe())))
            }
            Ok(Err(e)) => Err(ArtifactError::Store(format!("{}: readiness probe failed: {e}", self.describe()))),
            Err(_) => Err(ArtifactError::Store(format!(
                "{} did not answer the readiness probe within {} s",
                self.describe(),
                CHECK_TIMEOUT.as_secs()
            ))),
        }
    }

    /// Where the objects are, for logs: `local directory /abs/path` or
    /// `s3://bucket/prefix at http://endpoint` (`... in region R` without an endpoint).
    pub fn describe(&self) -> String {
        match &*self.backend {
            Backend::Local { root } => format!("local directory {}", root.display()),
            Backend::S3 { bucket, prefix, endpoint, region } => {
                let mut s = format!("s3://{bucket}");
                if let Some(prefix) = prefix {
                    s.push('/');
                    s.push_str(prefix);
                }
                match endpoint {
                    Some(endpoint) => s.push_str(&format!(" at {endpoint}")),
                    None => s.push_str(&format!(" in region {region}")),
                }
                s
            }
        }
    }
}

/// The store's path for a validated key.
fn location(key: &str) -> Result<StorePath, ArtifactError> {
    validate_key(key)?;
    StorePath::parse(key)
        .map_err(|_| ArtifactError::InvalidKey { key: key.to_string(), reason: "not a valid object path" })
}

fn map_err(key: &str, error: object_store::Error) -> ArtifactError {
    match error {
        object_store::Error::NotFound { .. } => ArtifactError::NotFound { key: key.to_string() },
        other => ArtifactError::Store(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    async fn local_store() -> (tempfile::TempDir, ArtifactStore) {
        let dir = tempfile::tempdir().unwrap();
        let config = ArtifactStoreConfig::Local { path: dir.path().join("artifacts") };
        let store = ArtifactStore::open(&config).await.unwrap();
        (dir, store)
    }

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed).wrapping_add((i >> 10) as u8)).collect()
    }

    #[test]
    fn keys_are_validated() {
        let hex = "ab".repeat(32);
        for good in [format!("zkeys/{hex}"), format!("witnesses/{hex}"), "a".into(), "a/b.c_d-e".into()] {
            validate_key(&good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        let long = "a".repeat(MAX_KEY_LEN + 1);
        for bad in ["", "/zkeys/a", "zkeys/", "zkeys/../x", "..", "a/./b", "a//b", "Zkeys/a", "a b", "a\\b", "é", &long]
        {
            assert!(matches!(validate_key(bad), Err(ArtifactError::InvalidKey { .. })), "{bad:?} was accepted");
        }
    }

    #[test]
    fn part_sizes_stay_within_s3_limits() {
        assert_eq!(part_size(40 << 20), 8 << 20);
        let huge = 200u64 << 30;
        let size = part_size(huge) as u64;
        assert!(huge.div_ceil(size) <= 10_000 && size.is_multiple_of(1 << 20));
    }

    #[test]
    fn config_parses_from_toml() {
        let local: ArtifactStoreConfig = toml::from_str("kind = \"local\"\npath = \"/srv/zk\"").unwrap();
        assert_eq!(local, ArtifactStoreConfig::Local { path: "/srv/zk".into() });
        let s3: ArtifactStoreConfig =
            toml::from_str("kind = \"s3\"\nbucket = \"b\"\nendpoint = \"http://minio:9000\"\nallow_http = true")
                .unwrap();
        assert_eq!(
            s3,
            ArtifactStoreConfig::S3 {
                bucket: "b".into(),
                prefix: None,
                endpoint: Some("http://minio:9000".into()),
                region: "us-east-1".into(),
                access_key_id: None,
                secret_access_key: None,
                allow_http: true,
            }
        );
        assert!(toml::from_str::<ArtifactStoreConfig>("kind = \"s3\"\nbucket = \"b\"\nbukcet = \"c\"").is_err());
        assert!(toml::from_str::<ArtifactStoreConfig>("kind = \"ftp\"").is_err());
        assert_eq!(
            ArtifactStoreConfig::default(),
            ArtifactStoreConfig::Local { path: "zkaccel-data/artifacts".into() }
        );
    }

    #[tokio::test]
    async fn local_store_round_trips() {
        let (dir, store) = local_store().await;
        let key = format!("witnesses/{}", "0f".repeat(32));
        assert!(!store.exists(&key).await.unwrap());
        store.put_bytes(&key, Bytes::from_static(b"first")).await.unwrap();
        store.put_bytes(&key, Bytes::from_static(b"second")).await.unwrap();
        assert!(store.exists(&key).await.unwrap());
        assert_eq!(store.get_bytes(&key).await.unwrap(), Bytes::from_static(b"second"));

        let path = store.local_path(&key).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert!(path.starts_with(std::fs::canonicalize(dir.path()).unwrap()));
        assert_eq!(store.local_path("../x"), None);

        let dest = dir.path().join("out/nested/witness.wtns");
        store.fetch_to_file(&key, &dest).await.unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(dest.parent().unwrap()).unwrap().count(), 1, "a temporary file was left behind");

        store.delete(&key).await.unwrap();
        assert!(!store.exists(&key).await.unwrap());
        store.delete(&key).await.unwrap();
        store.check().await.unwrap();
        assert!(store.describe().starts_with("local directory /"), "{}", store.describe());
        assert!(format!("{store:?}").contains("local directory"));
    }

    #[tokio::test]
    async fn local_store_streams_large_files() {
        let (dir, store) = local_store().await;
        let data = pattern((20 << 20) + 12345, 7);
        let src = dir.path().join("big.zkey");
        std::fs::write(&src, &data).unwrap();
        let key = format!("zkeys/{}", hex::encode(Sha256::digest(&data)));
        store.put_file(&key, &src).await.unwrap();
        assert_eq!(std::fs::read(store.local_path(&key).unwrap()).unwrap(), data);
        let dest = dir.path().join("back.zkey");
        store.fetch_to_file(&key, &dest).await.unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), data);

        let small = dir.path().join("small");
        std::fs::write(&small, b"tiny").unwrap();
        store.put_file("zkeys/small", &small).await.unwrap();
        assert_eq!(store.get_bytes("zkeys/small").await.unwrap(), Bytes::from_static(b"tiny"));
    }

    #[tokio::test]
    async fn missing_and_invalid_keys_are_typed_errors() {
        let (dir, store) = local_store().await;
        let missing = "zkeys/missing";
        assert!(matches!(store.get_bytes(missing).await, Err(ArtifactError::NotFound { key }) if key == missing));
        let dest = dir.path().join("never");
        assert!(matches!(store.fetch_to_file(missing, &dest).await, Err(ArtifactError::NotFound { .. })));
        assert!(!dest.exists());
        assert!(matches!(store.put_file("zkeys/x", &dir.path().join("absent")).await, Err(ArtifactError::Io(_))));

        for bad in ["../escape", "/etc/passwd", "zkeys/A"] {
            let invalid = |r: Result<(), ArtifactError>| matches!(r, Err(ArtifactError::InvalidKey { .. }));
            assert!(invalid(store.put_bytes(bad, Bytes::from_static(b"x")).await));
            assert!(invalid(store.fetch_to_file(bad, &dest).await));
            assert!(invalid(store.delete(bad).await));
            assert!(matches!(store.get_bytes(bad).await, Err(ArtifactError::InvalidKey { .. })));
            assert!(matches!(store.exists(bad).await, Err(ArtifactError::InvalidKey { .. })));
        }
        assert!(!dir.path().join("escape").exists());
    }

    #[tokio::test]
    async fn check_fails_when_the_directory_is_gone() {
        let (dir, store) = local_store().await;
        store.check().await.unwrap();
        std::fs::remove_dir_all(dir.path().join("artifacts")).unwrap();
        assert!(matches!(store.check().await, Err(ArtifactError::Store(m)) if m.contains("missing")));
    }

    #[tokio::test]
    async fn s3_config_is_described_and_an_unreachable_endpoint_fails_the_check() {
        let config = ArtifactStoreConfig::S3 {
            bucket: "zk".into(),
            prefix: Some("/farm/a/".into()),
            endpoint: Some("http://127.0.0.1:9".into()),
            region: "us-east-1".into(),
            access_key_id: Some("test".into()),
            secret_access_key: Some("test".into()),
            allow_http: true,
        };
        let store = ArtifactStore::open(&config).await.unwrap();
        assert_eq!(store.describe(), "s3://zk/farm/a at http://127.0.0.1:9");
        assert_eq!(store.local_path("zkeys/a"), None);
        assert!(store.check().await.is_err());

        let bad_prefix = ArtifactStoreConfig::S3 {
            bucket: "zk".into(),
            prefix: Some("a/../b".into()),
            endpoint: None,
            region: "us-east-1".into(),
            access_key_id: None,
            secret_access_key: None,
            allow_http: false,
        };
        assert!(matches!(ArtifactStore::open(&bad_prefix).await, Err(ArtifactError::Config(_))));
    }
}
