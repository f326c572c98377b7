pragma circom 2.1.0;

include "poseidon_chain.circom";

// About 48k constraints: a 2^16 domain. The Groth16 benchmark circuit.
component main {public [salt]} = PoseidonChain(200);
