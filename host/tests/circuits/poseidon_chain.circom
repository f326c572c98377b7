pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";

// A chain of N circomlib Poseidon(2) hashes: h_0 = Poseidon(seed, salt),
// h_i = Poseidon(h_{i-1}, salt + i). salt is public, seed private, out = h_{N-1} public.
// With --O2 each hash is about 240 constraints.
template PoseidonChain(N) {
    signal input seed;
    signal input salt;
    signal output out;

    component h[N];
    for (var i = 0; i < N; i++) {
        h[i] = Poseidon(2);
        h[i].inputs[0] <== i == 0 ? seed : h[i - 1].out;
        h[i].inputs[1] <== salt + i;
    }
    out <== h[N - 1].out;
}
