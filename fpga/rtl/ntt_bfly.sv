// Radix-2 NTT butterfly over Fr: (a, b, w) -> (a + w·b, a - w·b), one butterfly per cycle,
// latency LAT = zk_pkg::MUL_LAT + 1 (18) cycles. Values in Montgomery form.
module ntt_bfly #(
  parameter int TAGW = 1
) (
  input  logic            clk,
  input  logic            in_valid,
  input  logic [TAGW-1:0] in_tag,
  input  logic [255:0]    a, b, w,
  output logic            out_valid,
  output logic [TAGW-1:0] out_tag,
  output logic [255:0]    x, y
);
  localparam int M = zk_pkg::MUL_LAT;
  logic [255:0] t, a_m;
  mont_mul #(.N(zk_pkg::FR_N), .NINV(zk_pkg::FR_NINV)) m_t (.clk, .en(in_valid), .a(w), .b(b), .p(t));
  delay #(256, M) d_a (.clk, .d(a), .q(a_m));
  logic v_m;
  logic [TAGW-1:0] tag_m;
  delay #(1 + TAGW, M) d_v (.clk, .d({in_valid, in_tag}), .q({v_m, tag_m}));
  always_ff @(posedge clk) begin
    out_valid <= v_m;
    out_tag   <= tag_m;
    x <= zk_pkg::add_mod(a_m, t, zk_pkg::FR_N);
    y <= zk_pkg::sub_mod(a_m, t, zk_pkg::FR_N);
  end
endmodule
