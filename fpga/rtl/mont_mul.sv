// Pipelined Montgomery multiplier: p = a·b·2^-256 mod N, one product per cycle, latency
// zk_pkg::MUL_LAT (17) cycles. Operands and result are below N (< 2^254).
//
// Digit-serial Montgomery (CIOS) unrolled in space over eight W = 32-bit digits of b: digit i
// takes two register stages,
//   A_i: u = t + a·b_i,                     m = (t + a·b_i mod 2^W)·N' mod 2^W
//   B_i: t = (u + m·N) / 2^W                (exact; t < 2N stays an invariant)
// and a last stage subtracts N once.
//
// Every product is written out as 26×17-bit tiles, each exactly one DSP48E2 multiplier (27×18
// signed, operands zero-extended), summed in fabric adders: per digit 20 tiles for a·b_i, 20
// for m·N and 3 + 3 for the low-half products giving m. Yosys's own splitting of a wide `*`
// cuts both operands into 17-bit pieces and spent 560 DSPs on this multiplier with 64-bit
// digits; the tiles bring it to 336. 32-bit digits balance DSPs against depth: 16-bit digits
// would save 16 DSPs and double the pipeline registers and the latency.
//
// `en` marks a valid operand pair and travels with it as the stages' clock enable: stages
// holding no valid product keep their registers (saving power on a card, and time in the
// simulation, which then skips their arithmetic: the products are computed inside the enabled
// register updates for that reason). `p` is meaningful MUL_LAT cycles after a cycle with `en`
// high.
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
  localparam int W = zk_pkg::MUL_DIGIT;
  localparam int D = 256 / W;
  localparam logic [W-1:0] NINV_W = NINV[W-1:0];  // -N^-1 mod 2^W
  localparam int TA = 26;  // tile: TA × TB bits, one DSP48E2
  localparam int TB = 17;
  localparam int KA = (256 + TA - 1) / TA;
  localparam int KW = (W + TA - 1) / TA;
  localparam int KB = (W + TB - 1) / TB;

  // x·y for a 256-bit x and a W-bit y, tile by tile.
  function automatic logic [255+W:0] mul_wide(input logic [255:0] x, input logic [W-1:0] y);
    logic [KA*TA-1:0] xx;
    logic [KB*TB-1:0] yy;
    logic [TA+TB-1:0] t;
    xx = (KA * TA)'(x);
    yy = (KB * TB)'(y);
    mul_wide = '0;
    for (int k = 0; k < KA; k++)
      for (int j = 0; j < KB; j++) begin
        t = xx[TA*k +: TA] * yy[TB*j +: TB];
        mul_wide = mul_wide + ((256 + W)'(t) << (TA * k + TB * j));
      end
  endfunction

  // x·y mod 2^W for W-bit x and y: only the tiles below bit W.
  function automatic logic [W-1:0] mul_low(input logic [W-1:0] x, input logic [W-1:0] y);
    logic [KW*TA-1:0] xx;
    logic [KB*TB-1:0] yy;
    logic [TA+TB-1:0] t;
    xx = (KW * TA)'(x);
    yy = (KB * TB)'(y);
    mul_low = '0;
    for (int k = 0; k < KW; k++)
      for (int j = 0; j < KB; j++)
        if (TA * k + TB * j < W) begin
          t = xx[TA*k +: TA] * yy[TB*j +: TB];
          mul_low = mul_low + W'(64'(t) << (TA * k + TB * j));
        end
  endfunction

  // Stage registers: after B_(i-1) (t, a, b) and after A_i (u, m, a, b), each with a valid bit.
  logic [255:0]   t_q[D+1];
  logic [255:0]   a_q[D+1];
  logic [255:0]   b_q[D+1];
  logic           vb_q[D+1];
  logic [255+W:0] u_q[D];
  logic [W-1:0]   m_q[D];
  logic [255:0]   au_q[D];
  logic [255:0]   bu_q[D];
  logic           va_q[D];
  logic [255:0]   p_q;

  always_comb begin
    t_q[0] = '0;
    a_q[0] = a;
    b_q[0] = b;
    vb_q[0] = en;
  end

  for (genvar i = 0; i < D; i++) begin : g_digit
    logic [W-1:0] bi;
    assign bi = b_q[i][W*i +: W];
    always_ff @(posedge clk) begin
      va_q[i] <= vb_q[i];
      if (vb_q[i]) begin
        u_q[i]  <= {{W{1'b0}}, t_q[i]} + mul_wide(a_q[i], bi);
        m_q[i]  <= mul_low(t_q[i][W-1:0] + mul_low(a_q[i][W-1:0], bi), NINV_W);
        au_q[i] <= a_q[i];
        bu_q[i] <= b_q[i];
      end
    end
    always_ff @(posedge clk) begin
      vb_q[i+1] <= va_q[i];
      if (va_q[i]) begin
        t_q[i+1] <= (u_q[i] + mul_wide(N, m_q[i])) >> W;
        a_q[i+1] <= au_q[i];
        b_q[i+1] <= bu_q[i];
      end
    end
  end

  always_ff @(posedge clk) if (vb_q[D]) p_q <= (t_q[D] >= N) ? t_q[D] - N : t_q[D];
  assign p = p_q;
endmodule
