pragma circom 2.1.0;

include "poseidon_chain.circom";

component main {public [salt]} = PoseidonChain(3);
