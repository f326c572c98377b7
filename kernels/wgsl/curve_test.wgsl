// G1 self-test kernels: out[i] = op(a[i], b[i]) on XYZZ / affine points, checked against
// arkworks by backends/webgpu/tests/curve_lavapipe.rs.

struct Params {
    count: u32,
}

@group(0) @binding(0) var<uniform> params: Params;

@group(0) @binding(1) var<storage, read> xa: array<XyzzWords>;
@group(0) @binding(2) var<storage, read> affine_b: array<AffineWords>;
@group(0) @binding(2) var<storage, read> xyzz_b: array<XyzzWords>;
@group(0) @binding(2) var<storage, read_write> out2: array<XyzzWords>;
@group(0) @binding(3) var<storage, read_write> out3: array<XyzzWords>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn curve_add_affine(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    out3[i] = xyzz_to_words(xyzz_add_affine(xyzz_from_words(xa[i]), affine_from_words(affine_b[i])));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn curve_add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    out3[i] = xyzz_to_words(xyzz_add(xyzz_from_words(xa[i]), xyzz_from_words(xyzz_b[i])));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn curve_double(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    out2[i] = xyzz_to_words(xyzz_double(xyzz_from_words(xa[i])));
}
