pragma circom 2.1.0;

include "sha256_blocks.circom";

// SHA-256 of 2,048 bytes (33 blocks): about 970k constraints, a 2^20 domain. The end-to-end
// GPU circuit of scripts/gpu-run.sh; its key comes from `zkaccel setup-insecure`.
component main = Sha256Blocks(16384);
