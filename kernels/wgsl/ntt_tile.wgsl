// Template of the NTT tile kernel, appended to ntt.wgsl once per tile size by
// backends/webgpu/src/shaders.rs with TILE_POINTS replaced by 512 and by 1024 (WGSL cannot
// size a workgroup array by a parameter the pipeline does not fix).
//
// ntt_tile_TILE_POINTS runs the first params.stage (<= log2(TILE_POINTS), <= log_n) stages on
// tiles of TILE_POINTS points in workgroup memory. A last partial tile holds whole polynomials
// (n < TILE_POINTS then).

var<workgroup> ntt_tile_TILE_POINTS_mem: array<Words, TILE_POINTS>;

@compute @workgroup_size(NTT_TILE_THREADS)
fn ntt_tile_TILE_POINTS(
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
) {
    let base = workgroup_linear_id(wid, nwg) * TILE_POINTSu;
    for (var e = lid; e < TILE_POINTSu; e += NTT_TILE_THREADS) {
        if (base + e < params.total) {
            ntt_tile_TILE_POINTS_mem[e] = data[base + e];
        }
    }
    workgroupBarrier();
    for (var s = 0u; s < params.stage; s++) {
        let m = 1u << s;
        for (var t = lid; t < TILE_POINTSu / 2u; t += NTT_TILE_THREADS) {
            let j = t & (m - 1u);
            let i0 = ((t >> s) << (s + 1u)) | j;
            let i1 = i0 + m;
            if (base + i1 < params.total) {
                let x0 = fe_from_words(ntt_tile_TILE_POINTS_mem[i0]);
                let r = ntt_butterfly_tw(j, s, x0, fe_from_words(ntt_tile_TILE_POINTS_mem[i1]));
                ntt_tile_TILE_POINTS_mem[i0] = fe_to_words(r[0]);
                ntt_tile_TILE_POINTS_mem[i1] = fe_to_words(r[1]);
            }
        }
        workgroupBarrier();
    }
    for (var e = lid; e < TILE_POINTSu; e += NTT_TILE_THREADS) {
        if (base + e < params.total) {
            data[base + e] = ntt_tile_TILE_POINTS_mem[e];
        }
    }
}
