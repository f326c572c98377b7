// Shared constants and combinational field helpers of the zkaccel FPGA design.
//
// Field elements are 256-bit little-endian words holding values in Montgomery form with
// R = 2^256, exactly arkworks' internal representation, so the host uploads its limbs as is.
package zk_pkg;
  // BN254 base field (coordinates of G1 points).
  localparam logic [255:0] FQ_N = 256'h30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;
  localparam logic [63:0] FQ_NINV = 64'h87d20782e4866389;  // -N^-1 mod 2^64
  localparam logic [255:0] FQ_ONE = 256'h0e0a77c19a07df2f666ea36f7879462c0a78eb28f5c70b3dd35d438dc58f0d9d;  // R mod N

  // BN254 scalar field (NTT and Poseidon).
  localparam logic [255:0] FR_N = 256'h30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
  localparam logic [63:0] FR_NINV = 64'hc2e1f593efffffff;

  // mont_mul's digit width in bits (divides 256) and its latency in cycles: two register stages
  // per digit and one final subtraction.
  localparam int MUL_DIGIT = 32;
  localparam int MUL_LAT = 2 * (256 / MUL_DIGIT) + 1;

  // (a + b) mod n for a, b < n < 2^255.
  function automatic logic [255:0] add_mod(input logic [255:0] a, input logic [255:0] b, input logic [255:0] n);
    logic [256:0] s;
    logic [256:0] d;
    s = {1'b0, a} + {1'b0, b};
    d = s - {1'b0, n};
    add_mod = d[256] ? s[255:0] : d[255:0];
  endfunction

  // (a - b) mod n for a, b < n.
  function automatic logic [255:0] sub_mod(input logic [255:0] a, input logic [255:0] b, input logic [255:0] n);
    logic [256:0] d;
    d = {1'b0, a} - {1'b0, b};
    sub_mod = d[256] ? d[255:0] + n : d[255:0];
  endfunction

  // -a mod n for a < n.
  function automatic logic [255:0] neg_mod(input logic [255:0] a, input logic [255:0] n);
    neg_mod = (a == '0) ? '0 : n - a;
  endfunction
endpackage
