//! The CUDA host emulator's own machinery, with the host-only kernels of
//! `kernels/cuda/emulator_test.cu`: registration of every kernel, barriers, static and dynamic
//! shared memory, atomics across blocks, multi-dimensional grids, constants, argument passing,
//! launch validation, and the memory model of `EmulatedDevice`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use zkaccel_backends::BackendError;
use zkaccel_cuda::device::{DeviceBuffer, GpuDevice, KernelArg, LaunchShape, Program};
use zkaccel_cuda::emulated::{self, EmulatedDevice};

const PROGRAM: Option<&str> = Some("emulator_test");

fn shape(grid: [u32; 3], block: u32, shared_bytes: u32) -> LaunchShape {
    LaunchShape { grid, block, shared_bytes }
}

fn u32s_to_bytes(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn u64s_to_bytes(v: &[u64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn download_u32(dev: &EmulatedDevice, buf: &DeviceBuffer) -> Vec<u32> {
    let mut bytes = vec![0u8; buf.len_bytes()];
    dev.download(buf, 0, &mut bytes).unwrap();
    bytes.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
}

fn download_u64(dev: &EmulatedDevice, buf: &DeviceBuffer) -> Vec<u64> {
    let mut bytes = vec![0u8; buf.len_bytes()];
    dev.download(buf, 0, &mut bytes).unwrap();
    bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect()
}

fn upload_new(dev: &EmulatedDevice, bytes: &[u8]) -> DeviceBuffer {
    let buf = dev.alloc(bytes.len()).unwrap();
    dev.upload(&buf, 0, bytes).unwrap();
    buf
}

/// Names of the kernels defined in a `.cu` source (`ZK_KERNEL void name(`).
fn kernels_defined_in(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in source.lines() {
        let line = line.trim_start();
        if let Some(rest) = line.strip_prefix("ZK_KERNEL") {
            let rest = rest.trim_start();
            let rest = rest.strip_prefix("void").unwrap_or(rest).trim_start();
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

#[test]
fn every_kernel_of_every_cu_file_is_registered_under_its_program() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../kernels/cuda");
    let registered: BTreeSet<(String, String)> =
        emulated::registered_kernels().into_iter().map(|k| (k.program, k.name)).collect();
    let mut defined = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "cu") {
            let program = path.file_stem().unwrap().to_string_lossy().into_owned();
            for name in kernels_defined_in(&std::fs::read_to_string(&path).unwrap()) {
                defined.insert((program.clone(), name));
            }
        }
    }
    assert!(defined.contains(&("emulator_test".to_string(), "emutest_block_sum".to_string())));
    assert_eq!(registered, defined, "registered (program, kernel) pairs vs ZK_KERNEL definitions");
    assert!(emulated::duplicate_registrations().is_empty(), "{:?}", emulated::duplicate_registrations());
    assert!(emulated::registered_constant_count() >= 1);
    let block_sum = emulated::registered_kernels().into_iter().find(|k| k.name == "emutest_block_sum").unwrap();
    assert_eq!(block_sum.params, 2);
}

#[test]
fn barrier_reduction_in_static_shared_memory() {
    let dev = EmulatedDevice::new();
    for (blocks, block) in [(1u32, 1u32), (3, 2), (5, 64), (4, 256), (2, 1024)] {
        let n = (blocks * block) as usize;
        let input: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(2_654_435_761) >> 8).collect();
        let inp = upload_new(&dev, &u32s_to_bytes(&input));
        let out = dev.alloc(blocks as usize * 4).unwrap();
        dev.launch_raw(PROGRAM, "emutest_block_sum", shape([blocks, 1, 1], block, 0), &[inp.arg(), out.arg()]).unwrap();
        let want: Vec<u32> =
            input.chunks(block as usize).map(|c| c.iter().fold(0u32, |a, &b| a.wrapping_add(b))).collect();
        assert_eq!(download_u32(&dev, &out), want, "{blocks} blocks of {block}");
    }
}

#[test]
fn blocks_with_and_without_barriers_in_one_launch() {
    let dev = EmulatedDevice::new();
    for (blocks, block) in [(6u32, 1u32), (7, 32), (5, 256), (3, 1024)] {
        let n = (blocks * block) as usize;
        let input: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(0x9e37_79b9) >> 7).collect();
        let inp = upload_new(&dev, &u32s_to_bytes(&input));
        let out = dev.alloc(blocks as usize * 4).unwrap();
        dev.launch_raw(PROGRAM, "emutest_mixed_sum", shape([blocks, 1, 1], block, 0), &[inp.arg(), out.arg()]).unwrap();
        let want: Vec<u32> =
            input.chunks(block as usize).map(|c| c.iter().fold(0u32, |a, &b| a.wrapping_add(b))).collect();
        assert_eq!(download_u32(&dev, &out), want, "{blocks} blocks of {block}");
    }
}

#[test]
fn dynamic_shared_memory_per_block() {
    let dev = EmulatedDevice::new();
    let (blocks, block) = (6u32, 128u32);
    let data: Vec<u64> = (0..(blocks * block) as u64).map(|i| i * 0x1_0000_0001).collect();
    let buf = upload_new(&dev, &u64s_to_bytes(&data));
    dev.launch_raw(PROGRAM, "emutest_reverse_dynamic", shape([blocks, 1, 1], block, block * 8), &[buf.arg()]).unwrap();
    let want: Vec<u64> =
        data.chunks(block as usize).flat_map(|c| c.iter().rev().copied().collect::<Vec<_>>()).collect();
    assert_eq!(download_u64(&dev, &buf), want);
}

#[test]
fn atomics_across_blocks_and_threads() {
    let dev = EmulatedDevice::new();
    let (blocks, block) = (7u32, 96u32);
    let total = blocks * block;
    let counters = upload_new(&dev, &u32s_to_bytes(&[0, 0, u32::MAX, 1_000_000, 0]));
    let sum = dev.alloc(8).unwrap();
    let claimed = upload_new(&dev, &u32s_to_bytes(&[u32::MAX]));
    dev.launch_raw(
        PROGRAM,
        "emutest_atomics",
        shape([blocks, 1, 1], block, 0),
        &[counters.arg(), sum.arg(), claimed.arg()],
    )
    .unwrap();
    let c = download_u32(&dev, &counters);
    assert_eq!(c[0], total, "atomicAdd count");
    assert_eq!(c[1], total - 1, "atomicMax");
    assert_eq!(c[2], 0, "atomicMin");
    assert_eq!(c[3], 1_000_000 - 2 * total, "atomicSub");
    assert!(c[4] < total, "atomicExch leaves some thread's id");
    assert_eq!(download_u64(&dev, &sum)[0], (0..u64::from(total)).sum::<u64>(), "64-bit atomicAdd");
    assert!(download_u32(&dev, &claimed)[0] < total, "exactly one atomicCAS winner");
}

#[test]
fn multi_dimensional_grids_see_their_coordinates() {
    let dev = EmulatedDevice::new();
    let (gx, gy, gz, bx) = (3u32, 2u32, 4u32, 5u32);
    let n = (gx * gy * gz * bx) as usize;
    let out = dev.alloc((n + 1) * 4).unwrap();
    dev.launch_raw(PROGRAM, "emutest_coords", shape([gx, gy, gz], bx, 0), &[out.arg()]).unwrap();
    let got = download_u32(&dev, &out);
    let mut i = 0;
    for z in 0..gz {
        for y in 0..gy {
            for x in 0..gx {
                for t in 0..bx {
                    assert_eq!(got[i], (z << 24) | (y << 16) | (x << 8) | t, "thread {i}");
                    i += 1;
                }
            }
        }
    }
    assert_eq!(got[n], gx | (gy << 8) | (gz << 16) | (bx << 24), "gridDim / blockDim");
}

#[test]
fn arguments_and_constants_reach_the_kernel() {
    let dev = EmulatedDevice::new();
    let table: Vec<u32> = (0..8).map(|i| 1000 * (i + 1)).collect();
    dev.write_constant_raw("emulator_test", "emutest_table", &u32s_to_bytes(&table)).unwrap();
    let n = 37u32;
    let input: Vec<u64> = (0..n as u64).map(|i| i << 40).collect();
    let inp = upload_new(&dev, &u64s_to_bytes(&input));
    let out = dev.alloc((n as usize + 1) * 8).unwrap();
    let (a, b) = (0xfedc_ba98u32, 0x1234_5678_9abc_def0u64);
    // One block larger than n: the extra threads must skip their store.
    dev.launch_raw(
        PROGRAM,
        "emutest_args",
        shape([1, 1, 1], 64, 0),
        &[inp.arg(), out.arg(), KernelArg::U32(a), KernelArg::U64(b), KernelArg::U32(n)],
    )
    .unwrap();
    let got = download_u64(&dev, &out);
    for t in 0..n as usize {
        let want = u64::from(a).wrapping_add(b).wrapping_add(input[t]).wrapping_add(u64::from(table[t % 8]));
        assert_eq!(got[t], want, "thread {t}");
    }
    assert_eq!(got[n as usize], b >> 32);
    // A pointer argument into the middle of a buffer.
    let out2 = dev.alloc(16 * 8).unwrap();
    dev.launch_raw(
        PROGRAM,
        "emutest_args",
        shape([1, 1, 1], 4, 0),
        &[inp.arg_at(8 * 10), out2.arg_at(8 * 4), KernelArg::U32(0), KernelArg::U64(0), KernelArg::U32(4)],
    )
    .unwrap();
    let got = download_u64(&dev, &out2);
    for t in 0..4 {
        assert_eq!(got[4 + t], input[10 + t] + u64::from(table[t]));
    }
    assert_eq!(got[..4], [0; 4]);
}

#[test]
fn each_device_sees_its_own_constants() {
    // out[t] = table[t % 8] with a = b = in = 0.
    let run = |dev: &EmulatedDevice| -> Vec<u64> {
        let inp = dev.alloc(8 * 8).unwrap();
        let out = dev.alloc(9 * 8).unwrap();
        dev.launch_raw(
            PROGRAM,
            "emutest_args",
            shape([1, 1, 1], 8, 0),
            &[inp.arg(), out.arg(), KernelArg::U32(0), KernelArg::U64(0), KernelArg::U32(8)],
        )
        .unwrap();
        download_u64(dev, &out)[..8].to_vec()
    };
    let (a, b, fresh) = (EmulatedDevice::new(), EmulatedDevice::new(), EmulatedDevice::new());
    a.write_constant_raw("emulator_test", "emutest_table", &u32s_to_bytes(&[1, 2, 3, 4, 5, 6, 7, 8])).unwrap();
    b.write_constant_raw("emulator_test", "emutest_table", &u32s_to_bytes(&[10, 20, 30, 40, 50, 60, 70, 80])).unwrap();
    // A partial write keeps the rest of the object.
    b.write_constant_raw("emulator_test", "emutest_table", &u32s_to_bytes(&[11])).unwrap();
    for _ in 0..3 {
        assert_eq!(run(&a), [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(run(&b), [11, 20, 30, 40, 50, 60, 70, 80]);
        assert_eq!(run(&fresh), [0; 8], "a device that never wrote sees the start-up contents");
    }
}

#[test]
fn threads_that_return_early_do_not_block_the_barrier() {
    let dev = EmulatedDevice::new();
    let out = dev.alloc(3 * 4).unwrap();
    dev.launch_raw(PROGRAM, "emutest_early_exit", shape([3, 1, 1], 33, 0), &[out.arg()]).unwrap();
    assert_eq!(download_u32(&dev, &out), vec![17, 17, 17]);
}

#[test]
fn invalid_launches_are_errors() {
    let dev = EmulatedDevice::new();
    let out = dev.alloc(64).unwrap();
    let ok = shape([1, 1, 1], 4, 0);
    let lost = |r: Result<(), BackendError>, needle: &str| match r {
        Err(BackendError::DeviceLost { reason, .. }) => assert!(reason.contains(needle), "{reason:?} lacks {needle:?}"),
        other => panic!("expected DeviceLost mentioning {needle:?}, got {other:?}"),
    };
    lost(dev.launch_raw(PROGRAM, "emutest_nope", ok, &[out.arg()]), "not registered");
    lost(dev.launch(Program::Msm, "emutest_coords", ok, &[out.arg()]), "belongs to program `emulator_test`");
    lost(dev.launch_raw(PROGRAM, "emutest_coords", ok, &[]), "takes 1 arguments");
    lost(dev.launch_raw(PROGRAM, "emutest_coords", ok, &[out.arg(), out.arg()]), "takes 1 arguments");
    lost(dev.launch_raw(PROGRAM, "emutest_coords", ok, &[KernelArg::U32(5)]), "argument 0 is a pointer");
    lost(
        dev.launch_raw(
            PROGRAM,
            "emutest_args",
            ok,
            &[out.arg(), out.arg(), KernelArg::U64(1), KernelArg::U64(0), KernelArg::U32(0)],
        ),
        "argument 2 is a u32",
    );
    for bad in [shape([1, 1, 1], 0, 0), shape([1, 1, 1], 1025, 0), shape([0, 1, 1], 4, 0), shape([1, 0, 1], 4, 0)] {
        lost(dev.launch_raw(PROGRAM, "emutest_coords", bad, &[out.arg()]), "invalid launch shape");
    }
    lost(dev.launch_raw(PROGRAM, "emutest_coords", shape([1, 1, 1], 4, 1 << 20), &[out.arg()]), "shared");
    lost(dev.launch_raw(PROGRAM, "bad\0name", ok, &[out.arg()]), "NUL");

    assert!(matches!(dev.write_constant_raw("emulator_test", "nope", &[0]), Err(BackendError::InvalidInput(_))));
    assert!(matches!(dev.write_constant(Program::Msm, "emutest_table", &[0]), Err(BackendError::InvalidInput(_))));
    assert!(matches!(
        dev.write_constant_raw("emulator_test", "emutest_table", &[0u8; 33]),
        Err(BackendError::InvalidInput(_))
    ));
    // The device still works afterwards.
    dev.launch_raw(PROGRAM, "emutest_coords", ok, &[out.arg()]).unwrap();
}

#[test]
fn memory_limit_accounting_and_out_of_memory() {
    let dev = EmulatedDevice::with_memory_limit(1000);
    assert_eq!(dev.total_memory(), 1000);
    assert_eq!(dev.free_memory().unwrap(), 1000);
    assert_eq!(dev.name(), "CUDA host emulator");
    assert_eq!(dev.compute_units(), 2);
    let a = dev.alloc(600).unwrap();
    assert_eq!(a.ptr() % 64, 0, "64-byte aligned");
    assert_eq!(dev.free_memory().unwrap(), 400);
    match dev.alloc(401) {
        Err(BackendError::OutOfMemory { needed_bytes, available_bytes, .. }) => {
            assert_eq!((needed_bytes, available_bytes), (401, 400));
        }
        other => panic!("expected OutOfMemory, got {other:?}"),
    }
    let b = dev.alloc(400).unwrap();
    assert_eq!(dev.free_memory().unwrap(), 0);
    let empty = dev.alloc(0).unwrap();
    assert_eq!(empty.len_bytes(), 0);
    drop(a);
    assert_eq!(dev.free_memory().unwrap(), 600);
    drop(b);
    drop(empty);
    assert_eq!(dev.free_memory().unwrap(), 1000);
    assert!(EmulatedDevice::new().total_memory() >= 1 << 30);
}

#[test]
fn allocations_are_zeroed_and_copies_are_bounds_checked() {
    let dev = EmulatedDevice::new();
    let buf = dev.alloc(100).unwrap();
    let mut all = vec![0xffu8; 100];
    dev.download(&buf, 0, &mut all).unwrap();
    assert!(all.iter().all(|&b| b == 0), "zeroed");
    dev.upload(&buf, 90, &[7u8; 10]).unwrap();
    let mut tail = [0u8; 12];
    dev.download(&buf, 88, &mut tail).unwrap();
    assert_eq!(tail, [0, 0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]);
    dev.upload(&buf, 100, &[]).unwrap();
    let invalid = |r: Result<(), BackendError>| assert!(matches!(r, Err(BackendError::InvalidInput(_))), "{r:?}");
    invalid(dev.upload(&buf, 91, &[0u8; 10]));
    invalid(dev.upload(&buf, usize::MAX, &[0u8; 2]));
    invalid(dev.download(&buf, 101, &mut []));
    invalid(dev.download(&buf, 0, &mut [0u8; 101]));
    // A buffer this device did not allocate (another device's, or a made-up one) is refused.
    let other = EmulatedDevice::new();
    let foreign = other.alloc(100).unwrap();
    invalid(dev.upload(&foreign, 0, &[1]));
    let fake = DeviceBuffer::new(0x1000, 100, Box::new(|_| {}));
    invalid(dev.download(&fake, 0, &mut [0u8; 4]));
    let wrong_len = DeviceBuffer::new(buf.ptr(), 200, Box::new(|_| {}));
    invalid(dev.upload(&wrong_len, 150, &[1]));
}

#[test]
fn launches_from_many_threads_are_serialised() {
    std::thread::scope(|s| {
        for k in 0..4u32 {
            s.spawn(move || {
                let dev = EmulatedDevice::new();
                for round in 0..5u32 {
                    let block = 32 << (round % 3);
                    let blocks = 3 + k;
                    let input: Vec<u32> = (0..blocks * block).map(|i| i * (k + 1) + round).collect();
                    let inp = upload_new(&dev, &u32s_to_bytes(&input));
                    let out = dev.alloc(blocks as usize * 4).unwrap();
                    dev.launch_raw(
                        PROGRAM,
                        "emutest_block_sum",
                        shape([blocks, 1, 1], block, 0),
                        &[inp.arg(), out.arg()],
                    )
                    .unwrap();
                    let want: Vec<u32> = input.chunks(block as usize).map(|c| c.iter().sum()).collect();
                    assert_eq!(download_u32(&dev, &out), want);
                }
            });
        }
    });
}
