pragma circom 2.1.0;

// Many public inputs (N of them) and three public outputs, so public.json and the
// verification key's IC have many entries. One private input k mixes into every output.
template ManyPublic(N) {
    signal input x[N];
    signal input k;
    signal output weighted;   // k · Σ (i+1)·x[i]
    signal output product;    // Π (x[i] + 1)
    signal output squares;    // Σ x[i]²

    var sum = 0;
    for (var i = 0; i < N; i++) {
        sum += (i + 1) * x[i];
    }
    weighted <== k * sum;

    signal acc[N];
    acc[0] <== x[0] + 1;
    for (var i = 1; i < N; i++) {
        acc[i] <== acc[i - 1] * (x[i] + 1);
    }
    product <== acc[N - 1];

    signal sq[N];
    var total = 0;
    for (var i = 0; i < N; i++) {
        sq[i] <== x[i] * x[i];
        total += sq[i];
    }
    squares <== total;
}

component main {public [x]} = ManyPublic(40);
