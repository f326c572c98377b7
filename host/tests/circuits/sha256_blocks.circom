pragma circom 2.1.0;

include "circomlib/circuits/sha256/sha256.circom";
include "circomlib/circuits/bitify.circom";

// SHA-256 of an N-bit message, the digest packed into two 128-bit public outputs. A witness of
// bits, as most circom circuits' are: many zeros and ones, few large values. About 29.4k
// constraints per 512-bit block (N bits take floor((N + 64) / 512) + 1 blocks).
template Sha256Blocks(N) {
    signal input message[N];
    signal output digest[2];

    component hash = Sha256(N);
    for (var i = 0; i < N; i++) {
        hash.in[i] <== message[i];
    }
    component halves[2];
    for (var h = 0; h < 2; h++) {
        halves[h] = Bits2Num(128);
        for (var i = 0; i < 128; i++) {
            halves[h].in[i] <== hash.out[h * 128 + 127 - i];
        }
        digest[h] <== halves[h].out;
    }
}
