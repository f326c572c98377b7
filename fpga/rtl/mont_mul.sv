// Pipelined Montgomery multiplier: p = a·b·2^-256 mod N, one product per cycle, latency
// zk_pkg::MUL_LAT (9) cycles. Operands and result are below N (< 2^254).
//
// Digit-serial Montgomery (CIOS) unrolled in space over four 64-bit digits of b: digit i takes
// two register stages,
//   A_i: u = t + a·b_i,           m = (u mod 2^64)·N' mod 2^64
//   B_i: t = (u + m·N) / 2^64     (exact; t < 2N stays an invariant)
// and a last stage subtracts N once. Partial products are 256×64 bits, narrow enough to map
// onto DSP cascades; a deeper split only adds latency, never changes throughput.
//
// `en` marks a valid operand pair and travels with it as the stages' clock enable: stages
// holding no valid product keep their registers (saving power on a card, and time in the
// simulation, which then skips their arithmetic). `p` is meaningful MUL_LAT cycles after
// a cycle with `en` high.
module mont_mul #(
  parameter logic [255:0] N = zk_pkg::FQ_N,
  parameter logic [63:0]  NINV = zk_pkg::FQ_NINV
) (
  input  logic         clk,
  input  logic         en,
  input  logic [255:0] a,
  input  logic [255:0] b,
  output logic [255:0] p
);
  // One C++ model shared by all instances keeps the Verilator build small.
  /* verilator no_inline_module */
  localparam int D = 4;

  // Stage registers: after B_(i-1) (t, a, b) and after A_i (u, m, a, b), each with a valid bit.
  logic [255:0] t_q[D+1];
  logic [255:0] a_q[D+1];
  logic [255:0] b_q[D+1];
  logic         vb_q[D+1];
  logic [319:0] u_q[D];
  logic [63:0]  m_q[D];
  logic [255:0] au_q[D];
  logic [255:0] bu_q[D];
  logic         va_q[D];
  logic [255:0] p_q;

  always_comb begin
    t_q[0] = '0;
    a_q[0] = a;
    b_q[0] = b;
    vb_q[0] = en;
  end

  for (genvar i = 0; i < D; i++) begin : g_digit
    always_ff @(posedge clk) begin
      va_q[i] <= vb_q[i];
      if (vb_q[i]) begin
        u_q[i]  <= {64'b0, t_q[i]} + {64'b0, a_q[i]} * {256'b0, b_q[i][64*i +: 64]};
        m_q[i]  <= (t_q[i][63:0] + a_q[i][63:0] * b_q[i][64*i +: 64]) * NINV;
        au_q[i] <= a_q[i];
        bu_q[i] <= b_q[i];
      end
    end
    logic [319:0] s;
    always_comb s = u_q[i] + {64'b0, N} * {256'b0, m_q[i]};
    always_ff @(posedge clk) begin
      vb_q[i+1] <= va_q[i];
      if (va_q[i]) begin
        t_q[i+1] <= s[319:64];
        a_q[i+1] <= au_q[i];
        b_q[i+1] <= bu_q[i];
      end
    end
  end

  always_ff @(posedge clk) if (vb_q[D]) p_q <= (t_q[D] >= N) ? t_q[D] - N : t_q[D];
  assign p = p_q;
endmodule
