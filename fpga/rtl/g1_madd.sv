// Fully pipelined G1 mixed adder (BN254, a = 0): bucket (X1, Y1, ZZ1, ZZZ1) in XYZZ coordinates
// plus an affine point (x2, y2), one addition per cycle, latency LAT = 4·zk_pkg::MUL_LAT + 3 (39) cycles.
//
// The addition (madd-2008-s) and the doubling of the affine point (mdbl-2008-s-1) run side by
// side, and the last stage picks by the cases found on the way:
//   p_inf            : the point is the identity        -> the bucket unchanged
//   ZZ1 = 0          : the bucket is the identity       -> (x2, y2, 1, 1)
//   U2 = X1, S2 = Y1 : the point equals the bucket      -> 2·(x2, y2)
//   U2 = X1, S2 ≠ Y1 : the point is minus the bucket    -> the identity (0, 0, 0, 0)
//   otherwise        : the sum.
// Coordinates are Fq elements in Montgomery form. `tag` travels with each addition.
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
  output logic [255:0]    x3, y3, zz3, zzz3
);
  localparam int M = zk_pkg::MUL_LAT;
  localparam int LAT = 4 * M + 3;
  localparam logic [255:0] Q = zk_pkg::FQ_N;

  // Multiplier enables: `act` (a real addition: neither operand the identity) delayed by k
  // cycles is act_d[k]; `dbl` (the doubling case, known at cycle M+1) delayed likewise.
  logic act;
  assign act = in_valid && !p_inf && zz1 != '0;
  logic [3*M+2:1] act_q;
  logic [3*M+2:0] act_d;
  logic [M+1:0] dbl_d;
  always_ff @(posedge clk) act_q <= {act_q[3*M+1:1], act};
  assign act_d = {act_q, act};

  // ---- level 1 (cycle 0) ------------------------------------------------------------------
  logic [255:0] u2, s2, v, xx;
  mont_mul m_u2 (.clk, .en(act), .a(x2), .b(zz1), .p(u2));
  mont_mul m_s2 (.clk, .en(act), .a(y2), .b(zzz1), .p(s2));
  mont_mul m_v  (.clk, .en(act), .a(zk_pkg::add_mod(y2, y2, Q)), .b(zk_pkg::add_mod(y2, y2, Q)), .p(v));
  mont_mul m_xx (.clk, .en(act), .a(x2), .b(x2), .p(xx));

  logic [255:0] x1_m, y1_m, y2u_m1, x2_m1;
  delay #(256, M) d_x1m (.clk, .d(x1), .q(x1_m));
  delay #(256, M) d_y1m (.clk, .d(y1), .q(y1_m));
  delay #(256, M + 1) d_u (.clk, .d(zk_pkg::add_mod(y2, y2, Q)), .q(y2u_m1));
  delay #(256, M + 1) d_x2 (.clk, .d(x2), .q(x2_m1));

  // ---- cycle M: P, R, 3·XX -----------------------------------------------------------------
  logic [255:0] p_r, r_r, m3_r, v_r;
  always_ff @(posedge clk) begin
    p_r  <= zk_pkg::sub_mod(u2, x1_m, Q);
    r_r  <= zk_pkg::sub_mod(s2, y1_m, Q);
    m3_r <= zk_pkg::add_mod(zk_pkg::add_mod(xx, xx, Q), xx, Q);
    v_r  <= v;
  end

  // ---- level 2 (cycle M+1) ------------------------------------------------------------------
  logic [255:0] pp, rr, w, s, mm;
  logic dbl;
  assign dbl = act_d[M+1] && p_r == '0 && r_r == '0;
  always_ff @(posedge clk) dbl_d <= {dbl_d[M:0], dbl};
  mont_mul m_pp (.clk, .en(act_d[M+1]), .a(p_r), .b(p_r), .p(pp));
  mont_mul m_rr (.clk, .en(act_d[M+1]), .a(r_r), .b(r_r), .p(rr));
  mont_mul m_w  (.clk, .en(dbl), .a(y2u_m1), .b(v_r), .p(w));
  mont_mul m_s  (.clk, .en(dbl), .a(x2_m1), .b(v_r), .p(s));
  mont_mul m_mm (.clk, .en(dbl), .a(m3_r), .b(m3_r), .p(mm));

  logic [255:0] p_2m1, x1_2m1, zz1_2m1;
  delay #(256, M) d_p (.clk, .d(p_r), .q(p_2m1));
  delay #(256, 2 * M + 1) d_x1q (.clk, .d(x1), .q(x1_2m1));
  delay #(256, 2 * M + 1) d_zz1 (.clk, .d(zz1), .q(zz1_2m1));

  // ---- level 3 (cycle 2M+1) -------------------------------------------------------------------
  logic [255:0] ppp, qq, zz3a;
  mont_mul m_ppp (.clk, .en(act_d[2*M+1]), .a(p_2m1), .b(pp), .p(ppp));
  mont_mul m_q   (.clk, .en(act_d[2*M+1]), .a(x1_2m1), .b(pp), .p(qq));
  mont_mul m_zz3 (.clk, .en(act_d[2*M+1]), .a(zz1_2m1), .b(pp), .p(zz3a));

  // Doubling: X3d = MM - 2S at 2M+1, registered.
  logic [255:0] x3d_r, smx3d_r, w_r;
  always_ff @(posedge clk) begin
    x3d_r   <= zk_pkg::sub_mod(mm, zk_pkg::add_mod(s, s, Q), Q);
    smx3d_r <= zk_pkg::sub_mod(s, zk_pkg::sub_mod(mm, zk_pkg::add_mod(s, s, Q), Q), Q);
    w_r     <= w;
  end
  logic [255:0] m3_2m2, y2_2m2;
  delay #(256, M + 1) d_m3 (.clk, .d(m3_r), .q(m3_2m2));
  delay #(256, 2 * M + 2) d_y2a (.clk, .d(y2), .q(y2_2m2));
  logic [255:0] y3da, y3db;
  // dbl_d[k] is the doubling flag k+1 cycles after M+1.
  mont_mul m_y3da (.clk, .en(dbl_d[M]), .a(m3_2m2), .b(smx3d_r), .p(y3da));
  mont_mul m_y3db (.clk, .en(dbl_d[M]), .a(w_r), .b(y2_2m2), .p(y3db));

  // ---- cycle 3M+1: X3 ---------------------------------------------------------------------------
  logic [255:0] rr_3m1, x3_r, qmx3_r, ppp_r;
  delay #(256, M) d_rr (.clk, .d(rr), .q(rr_3m1));
  logic [255:0] x3_c;
  always_comb x3_c = zk_pkg::sub_mod(zk_pkg::sub_mod(rr_3m1, ppp, Q), zk_pkg::add_mod(qq, qq, Q), Q);
  always_ff @(posedge clk) begin
    x3_r   <= x3_c;
    qmx3_r <= zk_pkg::sub_mod(qq, x3_c, Q);
    ppp_r  <= ppp;
  end

  // ---- level 4 (cycle 3M+2) -------------------------------------------------------------------
  logic [255:0] zzz1_3m2, y1_3m2, r_3m2;
  delay #(256, 3 * M + 2) d_zzz1 (.clk, .d(zzz1), .q(zzz1_3m2));
  delay #(256, 3 * M + 2) d_y1q (.clk, .d(y1), .q(y1_3m2));
  delay #(256, 2 * M + 1) d_r (.clk, .d(r_r), .q(r_3m2));
  logic [255:0] zzz3a, y1ppp, rqx;
  mont_mul m_zzz3 (.clk, .en(act_d[3*M+2]), .a(zzz1_3m2), .b(ppp_r), .p(zzz3a));
  mont_mul m_y1p  (.clk, .en(act_d[3*M+2]), .a(y1_3m2), .b(ppp_r), .p(y1ppp));
  mont_mul m_rqx  (.clk, .en(act_d[3*M+2]), .a(r_3m2), .b(qmx3_r), .p(rqx));

  logic [255:0] y3d_r;
  always_ff @(posedge clk) y3d_r <= zk_pkg::sub_mod(y3da, y3db, Q);

  // ---- cycle 4M+2: select --------------------------------------------------------------------------
  localparam int E = 4 * M + 2;
  logic [255:0] x3_e, zz3_e, x3d_e, y3d_e, vd_e, wd_e, x2_e, y2_e, x1_e, y1_e, zz1_e, zzz1_e;
  delay #(256, M) d_x3e (.clk, .d(x3_r), .q(x3_e));
  delay #(256, M + 1) d_zz3e (.clk, .d(zz3a), .q(zz3_e));
  delay #(256, 2 * M) d_x3de (.clk, .d(x3d_r), .q(x3d_e));
  delay #(256, M - 1) d_y3de (.clk, .d(y3d_r), .q(y3d_e));
  delay #(256, 3 * M + 1) d_ve (.clk, .d(v_r), .q(vd_e));
  delay #(256, 2 * M) d_we (.clk, .d(w_r), .q(wd_e));
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
    if (pinf_e) begin
      {x3, y3, zz3, zzz3} <= {x1_e, y1_e, zz1_e, zzz1_e};
    end else if (binf_e) begin
      {x3, y3, zz3, zzz3} <= {x2_e, y2_e, zk_pkg::FQ_ONE, zk_pkg::FQ_ONE};
    end else if (pzero_e && rzero_e) begin
      {x3, y3, zz3, zzz3} <= {x3d_e, y3d_e, vd_e, wd_e};
    end else if (pzero_e) begin
      {x3, y3, zz3, zzz3} <= '0;
    end else begin
      {x3, y3, zz3, zzz3} <= {x3_e, zk_pkg::sub_mod(rqx, y1ppp, Q), zz3_e, zzz3a};
    end
  end
endmodule
