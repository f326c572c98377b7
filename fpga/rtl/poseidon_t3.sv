// Poseidon permutation core for t = 3 (2 inputs) with circomlib's constants (8 full rounds,
// 57 partial), hashing as circomlib does: state [0, in0, in1], output state[0].
//
// One round unit, pipelined (LAT = 4·zk_pkg::MUL_LAT + 2 = 70 cycles): add round constants, S-box
// x^5 (three multiplications; partial rounds bypass elements 1 and 2), MDS (nine constant
// multiplications and two additions). States loop through it 65 times; up to LAT hashes are in
// flight, so a batch runs at one round per cycle (a hash every 65 cycles). A new message enters
// whenever the slot leaving the pipeline is not looping back and the caller allows it
// (out_ok); results leave in the order messages entered.
module poseidon_t3 (
  input  logic         clk,
  input  logic         rst,
  input  logic         in_valid,
  input  logic [255:0] in0,
  input  logic [255:0] in1,
  output logic         in_ready,
  input  logic         out_ok,   // room for another result once this one leaves
  output logic         out_valid,
  output logic [255:0] out_hash
);
  `include "poseidon_t3_consts.svh"
  localparam int M = zk_pkg::MUL_LAT;
  localparam int ROUNDS = 65;
  localparam int RF_HALF = 4;

  // Loop-back from the end of the pipeline.
  logic lp_valid;
  logic [6:0] lp_round;
  logic [255:0] lp0, lp1, lp2;

  logic take_new, e_valid;
  logic [6:0] e_round;
  logic [255:0] e0, e1, e2;
  assign in_ready = !lp_valid && out_ok && !rst;
  assign take_new = in_valid && in_ready;
  always_comb begin
    if (lp_valid) begin
      e_valid = 1'b1;
      e_round = lp_round;
      {e0, e1, e2} = {lp0, lp1, lp2};
    end else begin
      e_valid = take_new;
      e_round = '0;
      {e0, e1, e2} = {256'b0, in0, in1};
    end
  end

  // ---- add round constants (cycle 0 -> 1) ----------------------------------------------------
  logic [255:0] a0, a1, a2;
  logic a_valid, a_full;
  logic [6:0] a_round;
  always_ff @(posedge clk) begin
    a0 <= zk_pkg::add_mod(e0, poseidon_c(8'(3 * e_round)), zk_pkg::FR_N);
    a1 <= zk_pkg::add_mod(e1, poseidon_c(8'(3 * e_round + 1)), zk_pkg::FR_N);
    a2 <= zk_pkg::add_mod(e2, poseidon_c(8'(3 * e_round + 2)), zk_pkg::FR_N);
    a_valid <= e_valid && !rst;
    a_round <= e_round;
    a_full <= e_round < RF_HALF || e_round >= ROUNDS - RF_HALF;
  end

  // ---- S-box (cycles 1 -> 3M+1) ---------------------------------------------------------------
  logic [255:0] a_in[3];
  logic [255:0] sb[3];
  logic [255:0] byp[3];
  assign a_in[0] = a0;
  assign a_in[1] = a1;
  assign a_in[2] = a2;
  for (genvar i = 0; i < 3; i++) begin : g_sbox
    // Partial rounds leave elements 1 and 2 out of the S-box: their multipliers idle.
    logic en0, en1, en2;
    assign en0 = a_valid && (i == 0 || a_full);
    delay #(1, M) d_en1 (.clk, .d(en0), .q(en1));
    delay #(1, M) d_en2 (.clk, .d(en1), .q(en2));
    logic [255:0] x2, x4, x5, a_2m;
    mont_mul #(.N(zk_pkg::FR_N), .NINV(zk_pkg::FR_NINV)) m2 (.clk, .en(en0), .a(a_in[i]), .b(a_in[i]), .p(x2));
    mont_mul #(.N(zk_pkg::FR_N), .NINV(zk_pkg::FR_NINV)) m4 (.clk, .en(en1), .a(x2), .b(x2), .p(x4));
    delay #(256, 2 * M) d_a (.clk, .d(a_in[i]), .q(a_2m));
    mont_mul #(.N(zk_pkg::FR_N), .NINV(zk_pkg::FR_NINV)) m5 (.clk, .en(en2), .a(x4), .b(a_2m), .p(x5));
    delay #(256, 3 * M) d_b (.clk, .d(a_in[i]), .q(byp[i]));
    assign sb[i] = x5;
  end
  logic s_valid, s_full;
  logic [6:0] s_round;
  delay #(9, 3 * M) d_sctl (.clk, .d({a_valid, a_full, a_round}), .q({s_valid, s_full, s_round}));

  // ---- MDS (cycles 3M+1 -> 4M+1 -> 4M+2) ------------------------------------------------------
  logic [255:0] b[3];
  assign b[0] = sb[0];
  assign b[1] = s_full ? sb[1] : byp[1];
  assign b[2] = s_full ? sb[2] : byp[2];
  logic [255:0] prod[9];
  for (genvar i = 0; i < 3; i++) begin : g_row
    for (genvar j = 0; j < 3; j++) begin : g_col
      mont_mul #(.N(zk_pkg::FR_N), .NINV(zk_pkg::FR_NINV)) mm (.clk, .en(s_valid), .a(poseidon_m(8'(3 * i + j))), .b(b[j]), .p(prod[3 * i + j]));
    end
  end
  logic m_valid;
  logic [6:0] m_round;
  delay #(8, M) d_mctl (.clk, .d({s_valid, s_round}), .q({m_valid, m_round}));

  always_ff @(posedge clk) begin
    lp0 <= zk_pkg::add_mod(zk_pkg::add_mod(prod[0], prod[1], zk_pkg::FR_N), prod[2], zk_pkg::FR_N);
    lp1 <= zk_pkg::add_mod(zk_pkg::add_mod(prod[3], prod[4], zk_pkg::FR_N), prod[5], zk_pkg::FR_N);
    lp2 <= zk_pkg::add_mod(zk_pkg::add_mod(prod[6], prod[7], zk_pkg::FR_N), prod[8], zk_pkg::FR_N);
    lp_valid <= m_valid && m_round != ROUNDS - 1 && !rst;
    lp_round <= m_round + 1;
    out_valid <= m_valid && m_round == ROUNDS - 1 && !rst;
  end
  assign out_hash = lp0;
endmodule
