// Field self-test kernels: out[i] = op(a[i], b[i]) for the field of the generated header.
// Run at start-up against arkworks (backends/webgpu/src/selftest.rs) and by the tests.

struct Params {
    count: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<Words>;
@group(0) @binding(2) var<storage, read> b: array<Words>;
@group(0) @binding(3) var<storage, read_write> out: array<Words>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn field_mul(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    out[i] = fe_to_words(fe_mul(fe_from_words(a[i]), fe_from_words(b[i])));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn field_add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    out[i] = fe_to_words(fe_add(fe_from_words(a[i]), fe_from_words(b[i])));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn field_sub(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = linear_id(gid, nwg);
    if (i >= params.count) {
        return;
    }
    out[i] = fe_to_words(fe_sub(fe_from_words(a[i]), fe_from_words(b[i])));
}
