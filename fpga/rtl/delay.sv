// A W-bit shift register of D stages (D = 0: a wire). Aligns operands with pipelined results.
module delay #(
  parameter int W = 1,
  parameter int D = 1
) (
  input  logic         clk,
  input  logic [W-1:0] d,
  output logic [W-1:0] q
);
  if (D == 0) begin : g_wire
    assign q = d;
  end else begin : g_regs
    logic [W-1:0] r[D];
    // A generate loop, not a procedural one: Verilator unrolls procedural loops only up to
    // 64 iterations, and the adder's delay lines are deeper.
    always_ff @(posedge clk) r[0] <= d;
    for (genvar i = 1; i < D; i++) begin : g_stage
      always_ff @(posedge clk) r[i] <= r[i-1];
    end
    assign q = r[D-1];
  end
endmodule
