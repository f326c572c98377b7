// Unit-test harness: every RTL unit side by side with its own ports, so one Verilator model
// runs all the unit testbenches (fpga/sim/tb_units.cpp drives it). Each unit gets a valid
// flag travelling with its data so the driver can check one result per cycle.
module tb_units (
  input  logic         clk,
  // mont_mul, Fq and Fr on the same operands
  input  logic         mul_valid,
  input  logic [255:0] mul_a, mul_b,
  output logic         mul_out_valid,
  output logic [255:0] mul_fq, mul_fr,
  // mod_addsub, Fq and Fr
  input  logic         as_valid, as_sub,
  input  logic [255:0] as_a, as_b,
  output logic         as_out_valid,
  output logic [255:0] as_fq, as_fr,
  // g1_madd
  input  logic         pa_valid, pa_inf,
  input  logic [15:0]  pa_tag,
  input  logic [255:0] pa_x1, pa_y1, pa_zz1, pa_zzz1, pa_x2, pa_y2,
  output logic         pa_out_valid,
  output logic [15:0]  pa_out_tag,
  output logic [255:0] pa_x3, pa_y3, pa_zz3, pa_zzz3,
  output logic         pa_dbl,
  output logic [255:0] pa_px, pa_py,
  // ntt_bfly
  input  logic         bf_valid,
  input  logic [255:0] bf_a, bf_b, bf_w,
  output logic         bf_out_valid,
  output logic [255:0] bf_x, bf_y,
  // poseidon_t3
  input  logic         ps_rst, ps_valid,
  input  logic [255:0] ps_in0, ps_in1,
  output logic         ps_ready, ps_out_valid,
  output logic [255:0] ps_hash
);
  mont_mul #(.N(zk_pkg::FQ_N), .NINV(zk_pkg::FQ_NINV)) u_mq (.clk, .en(mul_valid), .a(mul_a), .b(mul_b), .p(mul_fq));
  mont_mul #(.N(zk_pkg::FR_N), .NINV(zk_pkg::FR_NINV)) u_mr (.clk, .en(mul_valid), .a(mul_a), .b(mul_b), .p(mul_fr));
  delay #(1, zk_pkg::MUL_LAT) d_mul (.clk, .d(mul_valid), .q(mul_out_valid));

  mod_addsub #(.N(zk_pkg::FQ_N)) u_aq (.clk, .sub(as_sub), .a(as_a), .b(as_b), .r(as_fq));
  mod_addsub #(.N(zk_pkg::FR_N)) u_ar (.clk, .sub(as_sub), .a(as_a), .b(as_b), .r(as_fr));
  delay #(1, 1) d_as (.clk, .d(as_valid), .q(as_out_valid));

  g1_madd #(.TAGW(16)) u_pa (
    .clk, .in_valid(pa_valid), .in_tag(pa_tag), .x1(pa_x1), .y1(pa_y1), .zz1(pa_zz1), .zzz1(pa_zzz1),
    .x2(pa_x2), .y2(pa_y2), .p_inf(pa_inf), .out_valid(pa_out_valid), .out_tag(pa_out_tag),
    .x3(pa_x3), .y3(pa_y3), .zz3(pa_zz3), .zzz3(pa_zzz3), .out_dbl(pa_dbl), .out_px(pa_px), .out_py(pa_py)
  );

  ntt_bfly u_bf (
    .clk, .in_valid(bf_valid), .in_tag(1'b0), .a(bf_a), .b(bf_b), .w(bf_w),
    .out_valid(bf_out_valid), .out_tag(), .x(bf_x), .y(bf_y)
  );

  poseidon_t3 u_ps (
    .clk, .rst(ps_rst), .in_valid(ps_valid), .in0(ps_in0), .in1(ps_in1), .in_ready(ps_ready),
    .out_ok(1'b1), .out_valid(ps_out_valid), .out_hash(ps_hash)
  );
endmodule
