//! The start-up arithmetic self-test: `field.wgsl`'s multiplication, addition and subtraction
//! over Fr and Fq compared with arkworks on edge values (0, 1, p − 1, values with every limb
//! full) and pseudo-random ones. A device that gets one wrong is not used.

use ark_ff::{BigInteger, PrimeField};
use rand::SeedableRng;
use zkaccel_backends::device_layout::FIELD_BYTES;
use zkaccel_backends::Result;

use crate::context::GpuContext;
use crate::shaders::Program;

/// A field's elements as device bytes (eight little-endian u32 Montgomery words).
fn to_bytes<F: PrimeField>(values: &[F]) -> Vec<u8> {
    // R·x mod p in standard form is exactly the Montgomery representation arkworks stores.
    let r = F::from(2u64).pow([256u64]);
    values.iter().flat_map(|v| (*v * r).into_bigint().to_bytes_le()).collect()
}

fn from_bytes<F: PrimeField>(bytes: &[u8]) -> Vec<F> {
    let r_inv = F::from(2u64).pow([256u64]).inverse().expect("R is invertible");
    bytes.chunks_exact(FIELD_BYTES).map(|c| F::from_le_bytes_mod_order(c) * r_inv).collect()
}

/// Runs `entry` of `program` on `a`, `b` and returns its outputs.
pub fn run_binary<F: PrimeField>(
    ctx: &GpuContext,
    program: Program,
    entry: &'static str,
    a: &[F],
    b: &[F],
) -> Result<Vec<F>> {
    let pipeline = ctx.pipeline(program, entry)?;
    let n = a.len();
    ctx.scoped(program.op(), 3 * (n * FIELD_BYTES) as u64, || {
        let ab = ctx.storage_from("a", &to_bytes(a));
        let bb = ctx.storage_from("b", &to_bytes(b));
        let out = ctx.storage_zeroed("out", (n * FIELD_BYTES) as u64);
        let mut encoder = ctx.encoder(entry);
        ctx.dispatch(&mut encoder, &pipeline, &[n as u32], &[&ab, &bb, &out], n as u64);
        let bytes = ctx.read_after(encoder, &out, 0, (n * FIELD_BYTES) as u64)?;
        Ok(from_bytes(&bytes))
    })
}

/// Edge values and `random` pseudo-random ones of `F`.
pub fn sample_values<F: PrimeField>(random: usize, seed: u64) -> Vec<F> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut values = vec![F::ZERO, F::ONE, -F::ONE, F::from(2u64), -F::from(2u64), F::from(u64::MAX)];
    // 2^k for limb and word boundaries, and the element whose Montgomery form is p - 1.
    values.extend([16u64, 32, 64, 128, 200, 253].iter().map(|k| F::from(2u64).pow([*k])));
    values.push(-F::from(2u64).pow([256u64]).inverse().expect("invertible"));
    values.extend((0..random).map(|_| F::rand(&mut rng)));
    values
}

/// Checks one field's kernels on every pair of `values` (rotated against each other).
pub fn check_field<F: PrimeField>(ctx: &GpuContext, program: Program, values: &[F]) -> std::result::Result<(), String> {
    let n = values.len();
    let mut a = Vec::with_capacity(n * n.min(16));
    let mut b = Vec::with_capacity(n * n.min(16));
    for shift in 0..n.min(16) {
        for i in 0..n {
            a.push(values[i]);
            b.push(values[(i + shift) % n]);
        }
    }
    type Op<F> = fn(F, F) -> F;
    let ops: [(&'static str, Op<F>); 3] =
        [("field_mul", |x, y| x * y), ("field_add", |x, y| x + y), ("field_sub", |x, y| x - y)];
    for (entry, op) in ops {
        let got = run_binary(ctx, program, entry, &a, &b).map_err(|e| e.to_string())?;
        for i in 0..a.len() {
            let want = op(a[i], b[i]);
            if got[i] != want {
                return Err(format!(
                    "{} {entry}({}, {}) gave {} instead of {want}",
                    program.name(),
                    a[i],
                    b[i],
                    got[i]
                ));
            }
        }
    }
    Ok(())
}

/// The start-up self-test over both fields. `Err` is `DeviceLost` naming the wrong result.
pub fn run(ctx: &GpuContext) -> Result<()> {
    check_field::<ark_bn254::Fr>(ctx, Program::FieldTestFr, &sample_values(8, 1))
        .and_then(|()| check_field::<ark_bn254::Fq>(ctx, Program::FieldTestFq, &sample_values(8, 2)))
        .map_err(|reason| ctx.lost_error(format!("arithmetic self-test failed: {reason}")))
}
