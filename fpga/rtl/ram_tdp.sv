// True dual-port RAM: two ports, each reading or writing one word per cycle (read data one
// cycle later; a write also returns the old word). The shape Vivado and Yosys map onto block
// RAM or URAM; on-chip memories with more ports than this do not map and end up as flip-flops.
module ram_tdp #(
  parameter int W = 256,
  parameter int DEPTH = 1024
) (
  input  logic                     clk,
  input  logic                     a_en,
  input  logic                     a_we,
  input  logic [$clog2(DEPTH)-1:0] a_addr,
  input  logic [W-1:0]             a_wd,
  output logic [W-1:0]             a_q,
  input  logic                     b_en,
  input  logic                     b_we,
  input  logic [$clog2(DEPTH)-1:0] b_addr,
  input  logic [W-1:0]             b_wd,
  output logic [W-1:0]             b_q
);
  logic [W-1:0] mem[DEPTH];
  always_ff @(posedge clk)
    if (a_en) begin
      if (a_we) mem[a_addr] <= a_wd;
      a_q <= mem[a_addr];
    end
  always_ff @(posedge clk)
    if (b_en) begin
      if (b_we) mem[b_addr] <= b_wd;
      b_q <= mem[b_addr];
    end
endmodule
