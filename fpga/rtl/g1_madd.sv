// Fully pipelined G1 mixed adder (BN254, a = 0): bucket (X1, Y1, ZZ1, ZZZ1) in XYZZ coordinates
// plus an affine point (x2, y2), one addition per cycle, latency LAT = 4·zk_pkg::MUL_LAT + 3 (71)
// cycles, ten multipliers (madd-2008-s).
//
// The last stage picks by the cases found on the way:
//   p_inf            : the point is the identity        -> the bucket unchanged
//   ZZ1 = 0          : the bucket is the identity       -> (x2, y2, 1, 1)
//   U2 = X1, S2 = Y1 : the point equals the bucket      -> the bucket unchanged, out_dbl set
//   U2 = X1, S2 ≠ Y1 : the point is minus the bucket    -> the identity (0, 0, 0, 0)
//   otherwise        : the sum.
// The doubling case is left to the caller (the MSM engine hands it to the host with the point,
// out_px/out_py): a doubling datapath alongside would cost seven more multipliers, 70% more
// DSPs, for a case that random inputs never reach. Coordinates are Fq elements in Montgomery
// form. `tag` travels with each addition.
module g1_madd #(
  parameter int TAGW = 16
) (
  input  logic            clk,
  input  logic            in_valid,
  input  logic [TAGW-1:0] in_tag,
  input  logic [255:0]    x1, y1, zz1, zzz1,  // bucket, XYZZ (identity: zz1 = 0)
  input  logic [255:0]    x2, y2,             // affine point
  input  logic            p_inf,              // the affine point is the identity
  output logic            out_valid,
  output logic [TAGW-1:0] out_tag,
  output logic [255:0]    x3, y3, zz3, zzz3,
  output logic            out_dbl,            // the point equals the bucket: not added
  output logic [255:0]    out_px, out_py      // the point, as given
);
  localparam int M = zk_pkg::MUL_LAT;
  localparam int LAT = 4 * M + 3;
  localparam logic [255:0] Q = zk_pkg::FQ_N;

  // Multiplier enables: `act` (a real addition: neither operand the identity) delayed by k
  // cycles is act_d[k].
  logic act;
  assign act = in_valid && !p_inf && zz1 != '0;
  logic [3*M+2:1] act_q;
  logic [3*M+2:0] act_d;
  always_ff @(posedge clk) act_q <= {act_q[3*M+1:1], act};
  assign act_d = {act_q, act};

  // ---- level 1 (cycle 0): U2 = x2·ZZ1, S2 = y2·ZZZ1 -------------------------------------------
  logic [255:0] u2, s2;
  mont_mul m_u2 (.clk, .en(act), .a(x2), .b(zz1), .p(u2));
  mont_mul m_s2 (.clk, .en(act), .a(y2), .b(zzz1), .p(s2));
  logic [255:0] x1_m, y1_m;
  delay #(256, M) d_x1m (.clk, .d(x1), .q(x1_m));
  delay #(256, M) d_y1m (.clk, .d(y1), .q(y1_m));

  // ---- cycle M: P = U2 − X1, R = S2 − Y1 ------------------------------------------------------
  logic [255:0] p_r, r_r;
  always_ff @(posedge clk) begin
    p_r <= zk_pkg::sub_mod(u2, x1_m, Q);
    r_r <= zk_pkg::sub_mod(s2, y1_m, Q);
  end

  // ---- level 2 (cycle M+1): PP = P², RR = R² ----------------------------------------------------
  logic [255:0] pp, rr;
  mont_mul m_pp (.clk, .en(act_d[M+1]), .a(p_r), .b(p_r), .p(pp));
  mont_mul m_rr (.clk, .en(act_d[M+1]), .a(r_r), .b(r_r), .p(rr));
  logic [255:0] p_2m1, x1_2m1, zz1_2m1;
  delay #(256, M) d_p (.clk, .d(p_r), .q(p_2m1));
  delay #(256, 2 * M + 1) d_x1q (.clk, .d(x1), .q(x1_2m1));
  delay #(256, 2 * M + 1) d_zz1 (.clk, .d(zz1), .q(zz1_2m1));

  // ---- level 3 (cycle 2M+1): PPP = P·PP, Q = X1·PP, ZZ3 = ZZ1·PP --------------------------------
  logic [255:0] ppp, qq, zz3a;
  mont_mul m_ppp (.clk, .en(act_d[2*M+1]), .a(p_2m1), .b(pp), .p(ppp));
  mont_mul m_q   (.clk, .en(act_d[2*M+1]), .a(x1_2m1), .b(pp), .p(qq));
  mont_mul m_zz3 (.clk, .en(act_d[2*M+1]), .a(zz1_2m1), .b(pp), .p(zz3a));

  // ---- cycle 3M+1: X3 = RR − PPP − 2Q -----------------------------------------------------------
  logic [255:0] rr_3m1, x3_r, qmx3_r, ppp_r;
  delay #(256, M) d_rr (.clk, .d(rr), .q(rr_3m1));
  logic [255:0] x3_c;
  always_comb x3_c = zk_pkg::sub_mod(zk_pkg::sub_mod(rr_3m1, ppp, Q), zk_pkg::add_mod(qq, qq, Q), Q);
  always_ff @(posedge clk) begin
    x3_r   <= x3_c;
    qmx3_r <= zk_pkg::sub_mod(qq, x3_c, Q);
    ppp_r  <= ppp;
  end

  // ---- level 4 (cycle 3M+2): ZZZ3 = ZZZ1·PPP, Y3 = R·(Q − X3) − Y1·PPP --------------------------
  logic [255:0] zzz1_3m2, y1_3m2, r_3m2;
  delay #(256, 3 * M + 2) d_zzz1 (.clk, .d(zzz1), .q(zzz1_3m2));
  delay #(256, 3 * M + 2) d_y1q (.clk, .d(y1), .q(y1_3m2));
  delay #(256, 2 * M + 1) d_r (.clk, .d(r_r), .q(r_3m2));
  logic [255:0] zzz3a, y1ppp, rqx;
  mont_mul m_zzz3 (.clk, .en(act_d[3*M+2]), .a(zzz1_3m2), .b(ppp_r), .p(zzz3a));
  mont_mul m_y1p  (.clk, .en(act_d[3*M+2]), .a(y1_3m2), .b(ppp_r), .p(y1ppp));
  mont_mul m_rqx  (.clk, .en(act_d[3*M+2]), .a(r_3m2), .b(qmx3_r), .p(rqx));

  // ---- cycle 4M+2: select -----------------------------------------------------------------------
  localparam int E = 4 * M + 2;
  logic [255:0] x3_e, zz3_e, x2_e, y2_e, x1_e, y1_e, zz1_e, zzz1_e;
  delay #(256, M) d_x3e (.clk, .d(x3_r), .q(x3_e));
  delay #(256, M + 1) d_zz3e (.clk, .d(zz3a), .q(zz3_e));
  delay #(256, E) d_x2e (.clk, .d(x2), .q(x2_e));
  delay #(256, E) d_y2e (.clk, .d(y2), .q(y2_e));
  delay #(256, E) d_x1e (.clk, .d(x1), .q(x1_e));
  delay #(256, E) d_y1e (.clk, .d(y1), .q(y1_e));
  delay #(256, E) d_zz1e (.clk, .d(zz1), .q(zz1_e));
  delay #(256, E) d_zzz1e (.clk, .d(zzz1), .q(zzz1_e));

  logic pzero_e, rzero_e;
  delay #(2, 3 * M + 1) d_zero (.clk, .d({p_r == '0, r_r == '0}), .q({pzero_e, rzero_e}));
  logic pinf_e, binf_e, valid_e;
  logic [TAGW-1:0] tag_e;
  delay #(3 + TAGW, E) d_ctl (.clk, .d({p_inf, zz1 == '0, in_valid, in_tag}), .q({pinf_e, binf_e, valid_e, tag_e}));

  always_ff @(posedge clk) begin
    out_valid <= valid_e;
    out_tag   <= tag_e;
    out_dbl   <= valid_e && !pinf_e && !binf_e && pzero_e && rzero_e;
    out_px    <= x2_e;
    out_py    <= y2_e;
    if (pinf_e || (!binf_e && pzero_e && rzero_e)) begin
      {x3, y3, zz3, zzz3} <= {x1_e, y1_e, zz1_e, zzz1_e};
    end else if (binf_e) begin
      {x3, y3, zz3, zzz3} <= {x2_e, y2_e, zk_pkg::FQ_ONE, zk_pkg::FQ_ONE};
    end else if (pzero_e) begin
      {x3, y3, zz3, zzz3} <= '0;
    end else begin
      {x3, y3, zz3, zzz3} <= {x3_e, zk_pkg::sub_mod(rqx, y1ppp, Q), zz3_e, zzz3a};
    end
  end
endmodule
