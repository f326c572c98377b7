//! The daemon's artifact store against an S3-compatible server (and the same checks on a local
//! directory).
//!
//! The server is moto's, started by `scripts/s3-test-server.sh start <port> <dir>` (which
//! `scripts/test.sh` runs); the tests read its URL from `ZKACCEL_TEST_S3_ENDPOINT` and make a
//! bucket of their own each. Without that variable the S3 tests print `SKIPPED <test>: <reason>`
//! and return outside CI, and fail in CI.

use std::path::Path;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use zkaccel::daemon::artifacts::{ArtifactError, ArtifactStore, ArtifactStoreConfig};
use zkaccel_backends::conformance::report_skip;

const ENDPOINT_VAR: &str = "ZKACCEL_TEST_S3_ENDPOINT";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// The test server's URL; `None` (after reporting the skip, or failing in CI) when it is not set.
fn endpoint(test: &str) -> Option<String> {
    match std::env::var(ENDPOINT_VAR) {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_string()),
        _ => {
            let reason = format!("{ENDPOINT_VAR} is not set (scripts/test.sh starts the S3 test server)");
            assert!(!in_ci(), "{test} must run in CI: {reason}");
            report_skip(test, &reason);
            None
        }
    }
}

fn s3_config(endpoint: &str, bucket: &str, prefix: Option<&str>) -> ArtifactStoreConfig {
    ArtifactStoreConfig::S3 {
        bucket: bucket.to_string(),
        prefix: prefix.map(str::to_string),
        endpoint: Some(endpoint.to_string()),
        region: "us-east-1".to_string(),
        access_key_id: Some("test".to_string()),
        secret_access_key: Some("test".to_string()),
        allow_http: true,
    }
}

/// Creates a bucket with a unique name (moto needs no signature for this) and returns its name.
async fn new_bucket(endpoint: &str) -> String {
    let bucket = format!("zkaccel-test-{}", uuid::Uuid::new_v4().simple());
    let response = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.expect("S3 test server");
    assert!(response.status().is_success(), "creating bucket {bucket}: {}", response.status());
    bucket
}

async fn s3_store(test: &str, prefix: Option<&str>) -> Option<(String, String, ArtifactStore)> {
    let endpoint = endpoint(test)?;
    let bucket = new_bucket(&endpoint).await;
    let store = ArtifactStore::open(&s3_config(&endpoint, &bucket, prefix)).await.unwrap();
    Some((endpoint, bucket, store))
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_right(13) as u8).collect()
}

/// Every operation on small objects: the same checks for every backend.
async fn round_trip(store: &ArtifactStore, scratch: &Path) {
    store.check().await.unwrap();
    let key = format!("witnesses/{}", sha256_hex(b"second"));
    assert!(!store.exists(&key).await.unwrap());
    store.put_bytes(&key, Bytes::from_static(b"first")).await.unwrap();
    store.put_bytes(&key, Bytes::from_static(b"second")).await.unwrap();
    assert!(store.exists(&key).await.unwrap());
    assert_eq!(store.get_bytes(&key).await.unwrap(), Bytes::from_static(b"second"));

    let dest = scratch.join("fetched/witness.wtns");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::write(&dest, b"stale").unwrap();
    store.fetch_to_file(&key, &dest).await.unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"second");
    assert_eq!(std::fs::read_dir(dest.parent().unwrap()).unwrap().count(), 1, "a temporary file was left behind");

    let small = scratch.join("small.zkey");
    std::fs::write(&small, b"a small key").unwrap();
    store.put_file("zkeys/small", &small).await.unwrap();
    assert_eq!(store.get_bytes("zkeys/small").await.unwrap(), Bytes::from_static(b"a small key"));

    store.delete(&key).await.unwrap();
    assert!(!store.exists(&key).await.unwrap());
    store.delete(&key).await.unwrap();

    let missing = "zkeys/missing";
    assert!(matches!(store.get_bytes(missing).await, Err(ArtifactError::NotFound { key }) if key == missing));
    let never = scratch.join("never");
    assert!(matches!(store.fetch_to_file(missing, &never).await, Err(ArtifactError::NotFound { .. })));
    assert!(!never.exists());
    for bad in ["../zkeys/x", "/zkeys/x", "zkeys/X", ""] {
        assert!(matches!(store.put_bytes(bad, Bytes::from_static(b"x")).await, Err(ArtifactError::InvalidKey { .. })));
        assert!(matches!(store.exists(bad).await, Err(ArtifactError::InvalidKey { .. })));
    }
}

#[tokio::test]
async fn local_store_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::open(&ArtifactStoreConfig::Local { path: dir.path().join("store") }).await.unwrap();
    round_trip(&store, dir.path()).await;
    assert!(store.local_path("zkeys/small").unwrap().is_file());
}

#[tokio::test]
async fn s3_round_trip() {
    let Some((endpoint, bucket, store)) = s3_store("s3_round_trip", None).await else { return };
    let dir = tempfile::tempdir().unwrap();
    round_trip(&store, dir.path()).await;
    assert_eq!(store.local_path("zkeys/small"), None);
    assert_eq!(store.describe(), format!("s3://{bucket} at {endpoint}"));
}

/// A 40 MiB file goes up as a multipart upload (moto's ETag for it ends in `-<parts>`) and
/// comes back whole.
#[tokio::test]
async fn s3_large_file_goes_up_in_parts() {
    let Some((endpoint, bucket, store)) = s3_store("s3_large_file_goes_up_in_parts", None).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = pattern(40 << 20);
    let src = dir.path().join("big.zkey");
    std::fs::write(&src, &data).unwrap();
    let digest = sha256_hex(&data);
    drop(data);
    let key = format!("zkeys/{digest}");
    store.put_file(&key, &src).await.unwrap();

    let head = reqwest::Client::new().head(format!("{endpoint}/{bucket}/{key}")).send().await.unwrap();
    assert!(head.status().is_success(), "HEAD {key}: {}", head.status());
    let etag = head.headers().get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(etag.trim_matches('"').ends_with("-5"), "expected 5 parts of 8 MiB, ETag {etag}");
    let length = head.headers().get("content-length").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(length, (40u64 << 20).to_string());

    let dest = dir.path().join("back.zkey");
    store.fetch_to_file(&key, &dest).await.unwrap();
    assert_eq!(zkaccel::daemon::upload::sha256_file(&dest).unwrap(), digest);
}

/// Stores with different prefixes in one bucket see only their own keys.
#[tokio::test]
async fn s3_prefix_keeps_deployments_apart() {
    let Some((endpoint, bucket, farm_a)) = s3_store("s3_prefix_keeps_deployments_apart", Some("farm/a/")).await else {
        return;
    };
    let farm_b = ArtifactStore::open(&s3_config(&endpoint, &bucket, Some("farm/b"))).await.unwrap();
    let whole = ArtifactStore::open(&s3_config(&endpoint, &bucket, None)).await.unwrap();
    assert_eq!(farm_a.describe(), format!("s3://{bucket}/farm/a at {endpoint}"));

    farm_a.put_bytes("zkeys/k", Bytes::from_static(b"a")).await.unwrap();
    assert!(farm_a.exists("zkeys/k").await.unwrap());
    assert!(!farm_b.exists("zkeys/k").await.unwrap());
    assert_eq!(whole.get_bytes("farm/a/zkeys/k").await.unwrap(), Bytes::from_static(b"a"));
    farm_b.check().await.unwrap();
}

#[tokio::test]
async fn s3_check_fails_for_a_missing_bucket() {
    let Some(endpoint) = endpoint("s3_check_fails_for_a_missing_bucket") else { return };
    let bucket = format!("zkaccel-absent-{}", uuid::Uuid::new_v4().simple());
    let store = ArtifactStore::open(&s3_config(&endpoint, &bucket, None)).await.unwrap();
    let err = store.check().await.unwrap_err();
    assert!(matches!(&err, ArtifactError::Store(m) if m.contains(&bucket) && m.contains("does not exist")), "{err}");
    assert!(store.put_bytes("zkeys/x", Bytes::from_static(b"x")).await.is_err());
}
