// Shared by every WGSL program: the workgroup size and invocation indexing.
//
// The host (GpuContext::dispatch) spreads workgroups over x and y so that no dimension passes
// the device's limit; kernels recover one linear index and return when it is past their count.

const WORKGROUP_SIZE: u32 = 64u;

// Linear index of this invocation across a 2-D dispatch of 1-D workgroups.
fn linear_id(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * WORKGROUP_SIZE;
}

// Linear index of this workgroup across a 2-D dispatch.
fn workgroup_linear_id(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wid.x + wid.y * nwg.x;
}
