//! Reading a `.zkey` streams it: the peak heap of `read_zkey` is the decoded key plus one read
//! buffer, never a copy of the file. Measured exactly with the counting allocator (alone in this
//! binary, so no other test disturbs the count).

use std::time::Instant;

use zkaccel::bench::heap::CountingAllocator;
use zkaccel::bench::memory::peak_extra;
use zkaccel::groth16::format::testing::{random_proving_key, zkey_bytes};
use zkaccel::groth16::format::{read_zkey, ZkeyOptions};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn zkey_load_peak_is_the_key_plus_a_buffer() {
    // ZKACCEL_ZKEY_BENCH_LOG2=20 gives a ~0.4 GB key for a load-time measurement (run with
    // --nocapture); the default keeps the test fast.
    let log2: u32 = std::env::var("ZKACCEL_ZKEY_BENCH_LOG2").ok().and_then(|v| v.parse().ok()).unwrap_or(14);
    let n = 1usize << log2;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.zkey");
    {
        let key = random_proving_key(&mut ark_std::test_rng(), n, 8, n, 2 * n);
        std::fs::write(&path, zkey_bytes(&key)).expect("write");
    }
    let file_len = std::fs::metadata(&path).expect("metadata").len();

    let t = Instant::now();
    let (key, peak) = peak_extra(|| read_zkey(&path, &ZkeyOptions::no_cache()).expect("read"));
    let uncached = t.elapsed();
    let peak = peak.expect("counting allocator installed");
    // What the decoded key itself occupies.
    let key_bytes = (key.ic.len() + key.a_query.len() + key.b1_query.len() + key.c_query.len() + key.h_query.len())
        * std::mem::size_of::<ark_bn254::G1Affine>()
        + key.b2_query.len() * std::mem::size_of::<ark_bn254::G2Affine>()
        + key.coefficients.len() * std::mem::size_of::<zkaccel::groth16::key::Coefficient>();
    let overhead = peak.saturating_sub(key_bytes as u64);
    println!(
        "2^{log2} key: file {:.1} MiB, decoded key {:.1} MiB, load peak {:.1} MiB ({:.2}× file), overhead {:.2} MiB",
        file_len as f64 / 1048576.0,
        key_bytes as f64 / 1048576.0,
        peak as f64 / 1048576.0,
        peak as f64 / file_len as f64,
        overhead as f64 / 1048576.0,
    );
    assert!(overhead < 8 << 20, "reading allocated {overhead} bytes beyond the key itself");
    drop(key);

    let cache = dir.path().join("validated");
    let options = ZkeyOptions { validation_cache: Some(cache.clone()) };
    let t = Instant::now();
    read_zkey(&path, &options).expect("first load (hash + full check + marker)");
    let first = t.elapsed();
    let t = Instant::now();
    read_zkey(&path, &options).expect("cached load");
    let cached = t.elapsed();
    println!("load: no cache {uncached:.2?}; with cache, first {first:.2?}, then {cached:.2?}");
    assert_eq!(std::fs::read_dir(&cache).expect("marker dir").count(), 1);
}
