// Start-up self-test: field and curve arithmetic on the device, checked against arkworks on
// the host (backends/cuda/src/selftest.rs) before a GPU is used. One thread per element.
#include "prelude.cuh"
#include "field.cuh"
#include "curve.cuh"

// out[i] = a[i] * b[i] in Fq (Montgomery limbs in and out).
ZK_KERNEL void selftest_fq_mul(const u32* a, const u32* b, u32* out, u32 n) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    Fq x = fp_load<FqParams>(a + 8 * i);
    Fq y = fp_load<FqParams>(b + 8 * i);
    fp_store(out + 8 * i, fp_mul(x, y));
}
ZK_REGISTER_KERNEL(selftest_fq_mul)

// out[i] = a[i] * b[i] in Fr (Montgomery limbs in and out).
ZK_KERNEL void selftest_fr_mul(const u32* a, const u32* b, u32* out, u32 n) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    Fr x = fp_load<FrParams>(a + 8 * i);
    Fr y = fp_load<FrParams>(b + 8 * i);
    fp_store(out + 8 * i, fp_mul(x, y));
}
ZK_REGISTER_KERNEL(selftest_fr_mul)

// out[3i..3i+3] = (a[i] + b[i], a[i] - b[i], -a[i]) in Fq.
ZK_KERNEL void selftest_fq_add_sub(const u32* a, const u32* b, u32* out, u32 n) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    Fq x = fp_load<FqParams>(a + 8 * i);
    Fq y = fp_load<FqParams>(b + 8 * i);
    fp_store(out + 24 * i, fp_add(x, y));
    fp_store(out + 24 * i + 8, fp_sub(x, y));
    fp_store(out + 24 * i + 16, fp_neg(x));
}
ZK_REGISTER_KERNEL(selftest_fq_add_sub)

// out[i] = XYZZ(p[i]) + q[i] with the mixed addition (p, q affine; out XYZZ).
ZK_KERNEL void selftest_g1_add(const u32* p, const u32* q, u32* out, u32 n) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    G1Xyzz a = g1_xyzz_from_affine(g1_affine_load(p + 16 * i));
    G1Affine b = g1_affine_load(q + 16 * i);
    g1_xyzz_store(out + 32 * i, g1_xyzz_add_affine(a, b));
}
ZK_REGISTER_KERNEL(selftest_g1_add)

// out[i] = 2·XYZZ(p[i]) + 2·XYZZ(q[i]) with the general XYZZ addition and doubling, so the
// operands of the addition have ZZ ≠ 1 (p, q affine; out XYZZ).
ZK_KERNEL void selftest_g1_add_xyzz(const u32* p, const u32* q, u32* out, u32 n) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    G1Xyzz a = g1_xyzz_double(g1_xyzz_from_affine(g1_affine_load(p + 16 * i)));
    G1Xyzz b = g1_xyzz_double(g1_xyzz_from_affine(g1_affine_load(q + 16 * i)));
    g1_xyzz_store(out + 32 * i, g1_xyzz_add(a, b));
}
ZK_REGISTER_KERNEL(selftest_g1_add_xyzz)

// out[i] = 2·XYZZ(p[i]) (p affine; out XYZZ).
ZK_KERNEL void selftest_g1_double(const u32* p, u32* out, u32 n) {
    u32 i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    G1Xyzz a = g1_xyzz_from_affine(g1_affine_load(p + 16 * i));
    g1_xyzz_store(out + 32 * i, g1_xyzz_double(a));
}
ZK_REGISTER_KERNEL(selftest_g1_double)
