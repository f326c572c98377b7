// Registered modular adder/subtractor: r = a + b or a - b mod N (sub = 1), one result per
// cycle, latency 1. Operands below N. The datapaths use zk_pkg::add_mod/sub_mod inline; this
// module is the unit the testbench checks those functions through.
module mod_addsub #(
  parameter logic [255:0] N = zk_pkg::FQ_N
) (
  input  logic         clk,
  input  logic         sub,
  input  logic [255:0] a,
  input  logic [255:0] b,
  output logic [255:0] r
);
  always_ff @(posedge clk) r <= sub ? zk_pkg::sub_mod(a, b, N) : zk_pkg::add_mod(a, b, N);
endmodule
