pragma circom 2.1.0;

// The smallest useful circuit: three constraints, two private inputs, one public output.
// out = (a·b)²·(a + b) + a
template Multiplier() {
    signal input a;
    signal input b;
    signal output out;

    signal ab;
    ab <== a * b;
    signal ab2;
    ab2 <== ab * ab;
    out <== ab2 * (a + b) + a;
}

component main = Multiplier();
