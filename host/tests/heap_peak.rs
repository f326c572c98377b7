//! The counting allocator measures the peak heap of a run exactly, including memory that the
//! system allocator would recycle from an earlier free (which an RSS reading cannot see).

use zkaccel::bench::heap::CountingAllocator;
use zkaccel::bench::memory::peak_extra;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn peak_counts_live_bytes_and_ignores_freed_ones() {
    // Free 64 MiB first: a recycled region must still count when it is allocated again.
    drop(std::hint::black_box(vec![1u8; 64 << 20]));
    let (len, extra) = peak_extra(|| {
        let big = vec![7u8; 48 << 20];
        let small = vec![1u8; 1 << 20];
        std::hint::black_box(&big).len() + std::hint::black_box(&small).len()
    });
    assert_eq!(len, (48 << 20) + (1 << 20));
    let extra = extra.expect("the counting allocator is installed");
    assert!((49 << 20..(49 << 20) + (1 << 20)).contains(&(extra as usize)), "peak {extra} bytes, expected ~49 MiB");

    // Sequential allocations that are freed in between peak at the largest, not the sum.
    let (_, sequential) = peak_extra(|| {
        for mib in [8usize, 16, 4] {
            drop(std::hint::black_box(vec![0u8; mib << 20]));
        }
    });
    let sequential = sequential.expect("installed") as usize;
    assert!((16 << 20..17 << 20).contains(&sequential), "sequential peak {sequential}");

    let (_, small) = peak_extra(|| std::hint::black_box(vec![1u8; 4096]).len());
    assert!((4096..64 << 10).contains(&(small.expect("installed") as usize)), "peak of a 4 KiB run: {small:?}");
}
