//! Spooling an HTTP request body (a `.zkey` or `.wtns` upload) to a temporary file while hashing
//! it, with a size limit, never holding the body whole in memory.

use std::io::Read;
use std::path::Path;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// A request body written to a temporary file. The file is deleted when `path` is dropped
/// (unless it is persisted or moved elsewhere first).
#[derive(Debug)]
pub struct SpooledUpload {
    /// The temporary file holding the body.
    pub path: tempfile::TempPath,
    /// The SHA-256 of the body, lower-case hex (the artifact's id).
    pub sha256_hex: String,
    /// The body's length in bytes (at least 1).
    pub len: u64,
}

/// Why a body could not be spooled.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The body is longer than the limit.
    #[error("the body is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The body is empty.
    #[error("the body is empty")]
    Empty,
    /// Reading the body failed (the client went away, a malformed chunk, ...).
    #[error("reading the body failed: {0}")]
    Body(String),
    /// Writing the temporary file failed.
    #[error("spooling the body to disk failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes `stream` to a new temporary file in `dir`, hashing it on the way. Stops reading and
/// deletes the file as soon as more than `max_bytes` bytes have arrived ([`UploadError::TooLarge`]);
/// a body of exactly `max_bytes` bytes is accepted. An empty body is [`UploadError::Empty`], and an
/// error from the stream is [`UploadError::Body`]; no file is left behind on any error.
pub async fn spool_stream<S, E>(stream: S, dir: &Path, max_bytes: u64) -> Result<SpooledUpload, UploadError>
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    let mut stream = std::pin::pin!(stream);
    let dir = dir.to_path_buf();
    let temp = tokio::task::spawn_blocking(move || tempfile::Builder::new().prefix(".upload-").tempfile_in(dir))
        .await
        .map_err(|e| UploadError::Io(std::io::Error::other(e)))??;
    // Dropping `path` on any early return deletes the file.
    let (file, path) = temp.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    let mut hasher = Sha256::new();
    let mut len = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| UploadError::Body(e.to_string()))?;
        len = len.saturating_add(chunk.len() as u64);
        if len > max_bytes {
            return Err(UploadError::TooLarge { limit: max_bytes });
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await?;
    }
    if len == 0 {
        return Err(UploadError::Empty);
    }
    file.flush().await?;
    drop(file);
    Ok(SpooledUpload { path, sha256_hex: hex::encode(hasher.finalize()), len })
}

/// The SHA-256 of the file at `path`, lower-case hex, read in 1 MiB pieces (blocking). The CLI
/// uses it to learn a local key's id before uploading it.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    fn chunks(data: &[u8], size: usize) -> Vec<Result<Bytes, String>> {
        data.chunks(size).map(|c| Ok(Bytes::copy_from_slice(c))).collect()
    }

    fn files_in(dir: &Path) -> usize {
        std::fs::read_dir(dir).unwrap().count()
    }

    #[tokio::test]
    async fn spooled_file_holds_the_body_and_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..300_001u32).map(|i| (i * 7 + i / 251) as u8).collect();
        let upload = spool_stream(stream::iter(chunks(&data, 8191)), dir.path(), 1 << 20).await.unwrap();
        assert_eq!(upload.len, data.len() as u64);
        assert_eq!(upload.sha256_hex, hex::encode(Sha256::digest(&data)));
        assert_eq!(std::fs::read(&upload.path).unwrap(), data);
        assert_eq!(sha256_file(&upload.path).unwrap(), upload.sha256_hex);
        let path = upload.path.to_path_buf();
        drop(upload);
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn limit_is_inclusive_and_exceeding_it_deletes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let data = vec![42u8; 1000];
        let upload = spool_stream(stream::iter(chunks(&data, 300)), dir.path(), 1000).await.unwrap();
        assert_eq!(upload.len, 1000);
        drop(upload);

        let mut longer = data.clone();
        longer.push(1);
        // The stream fails if it is polled after the chunk that crosses the limit.
        let mut items = chunks(&longer, 1001);
        items.push(Err("read past the limit".to_string()));
        let err = spool_stream(stream::iter(items), dir.path(), 1000).await.unwrap_err();
        assert!(matches!(err, UploadError::TooLarge { limit: 1000 }), "{err}");
        assert_eq!(files_in(dir.path()), 0);
    }

    #[tokio::test]
    async fn empty_bodies_and_stream_errors_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let empty: Vec<Result<Bytes, String>> = vec![Ok(Bytes::new())];
        assert!(matches!(spool_stream(stream::iter(empty), dir.path(), 10).await, Err(UploadError::Empty)));

        let failing = vec![Ok(Bytes::from_static(b"abc")), Err("connection reset".to_string())];
        match spool_stream(stream::iter(failing), dir.path(), 10).await {
            Err(UploadError::Body(message)) => assert_eq!(message, "connection reset"),
            other => panic!("expected a body error, got {other:?}"),
        }
        assert_eq!(files_in(dir.path()), 0);

        let missing_dir = dir.path().join("absent");
        let ok: Vec<Result<Bytes, String>> = vec![Ok(Bytes::from_static(b"abc"))];
        assert!(matches!(spool_stream(stream::iter(ok), &missing_dir, 10).await, Err(UploadError::Io(_))));
    }

    #[test]
    fn sha256_file_matches_known_digests() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(sha256_file(&path).unwrap(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(sha256_file(&dir.path().join("absent")).is_err());
    }
}
