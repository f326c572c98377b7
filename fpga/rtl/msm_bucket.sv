// MSM bucket accumulation for one window. Streams (affine point, signed digit) pairs in, adds
// each point (negated for a negative digit) into bucket |digit|-1 with one g1_madd addition per
// cycle, keeps the 2^(c-1) XYZZ buckets in on-chip RAM, then streams the buckets out (X‖Y, then
// ZZ‖ZZZ: two beats each) and clears them for the next window, then the deferred doublings
// (below). The host reduces the buckets.
//
// Hazard: a bucket with an addition in flight is busy until its result is written back (the
// in-flight buckets are a shift register beside the adder, searched for both candidates each
// cycle). A pair aimed at a busy bucket goes to a conflict queue; the queue's head is issued first as soon
// as its bucket is free. The input stalls only when the queue is full and the pair conflicts.
// Digit 0 (and the identity point, which the host gives digit 0) is consumed without an addition.
//
// Doublings: when a point equals its bucket the adder leaves the bucket unchanged and flags it
// (g1_madd has no doubling datapath). The engine records up to XQ_DEPTH such (bucket, point)
// pairs and sends them after the buckets: one header beat (bits 15:0 the count of doublings,
// bit 16 set if more than XQ_DEPTH happened, bits 32+16j+:16 the bucket of record j), then
// XQ_DEPTH beats of points (y‖x, as added: negated for a negative digit). The host adds each
// point to its bucket; after an overflow it recomputes the window itself.
module msm_bucket #(
  parameter int CMAX = 16,     // largest window: 2^(CMAX-1) buckets
  parameter int CQ_DEPTH = 32, // conflict queue entries
  parameter int XQ_DEPTH = 30  // doublings recorded per window (≤ 30: their buckets fill a beat)
) (
  input  logic         clk,
  input  logic         rst,
  input  logic         start,
  input  logic [4:0]   c,
  input  logic [31:0]  n,
  input  logic         in_valid,
  input  logic [511:0] in_point,  // y‖x, Montgomery form
  input  logic [15:0]  in_digit,  // signed, |digit| ≤ 2^(c-1)
  output logic         in_ready,
  output logic         rb_valid,
  output logic [511:0] rb_data,
  input  logic         rb_ok,     // the sink has room for two more beats
  output logic         done,
  output logic [31:0]  conflicts,  // pairs sent to the conflict queue
  output logic [31:0]  stalls,     // cycles the input waited on a full queue
  output logic [31:0]  doublings   // additions left to the host (recorded or not)
);
  localparam int BW = CMAX - 1;
  localparam int NB = 1 << BW;
  localparam int CQW = $clog2(CQ_DEPTH);

  // {ZZZ, ZZ, Y, X}. One read and one write port, so it maps onto URAM288 (32 Mbit at c = 16).
  // URAM powers up zero on a card; the simulation starts from zero explicitly. Read-back clears
  // each bucket for the next window.
  logic [1023:0] ram[NB];
`ifndef SYNTHESIS
  initial for (int i = 0; i < NB; i++) ram[i] = '0;
`endif

  typedef enum logic [2:0] {IDLE, ACC, RB_READ, RB_B0, RB_B1, XB_HEAD, XB_POINTS} state_t;
  state_t state;
  logic [31:0] consumed;
  logic [15:0] inflight;
  logic [BW:0] nb, rb_idx;

  // ---- conflict queue ---------------------------------------------------------------------
  logic [511:0] cq_pt[CQ_DEPTH];
  logic [BW-1:0] cq_bk[CQ_DEPTH];
  logic cq_sg[CQ_DEPTH];
  logic [CQW:0] cq_count;
  logic [CQW-1:0] cq_head, cq_tail;
  logic cq_full, cq_empty;
  assign cq_full = cq_count == (CQW+1)'(CQ_DEPTH);
  assign cq_empty = cq_count == '0;

  // ---- issue decision -----------------------------------------------------------------------
  logic in_sign, in_zero;
  logic [15:0] in_mag;
  logic [BW-1:0] in_bk;
  always_comb begin
    in_sign = in_digit[15];
    in_mag = in_sign ? -in_digit : in_digit;
    in_zero = in_digit == '0;
    in_bk = BW'(in_mag - 1);
  end
  logic acc, more_in, sel_cq, sel_in, push_cq, busy_cq, busy_in;
  assign acc = state == ACC;
  assign more_in = acc && in_valid && consumed < n;
  assign sel_cq = acc && !cq_empty && !busy_cq;
  assign sel_in = !sel_cq && more_in && !in_zero && !busy_in;
  assign push_cq = !sel_cq && more_in && !in_zero && busy_in && !cq_full;
  assign in_ready = more_in && (in_zero || sel_in || push_cq);

  logic issue;
  logic [BW-1:0] iss_bk;
  assign issue = sel_cq || sel_in;
  assign iss_bk = sel_cq ? cq_bk[cq_head] : in_bk;

  // ---- in-flight additions ------------------------------------------------------------------
  // A bucket is busy from the cycle after its addition issues until the cycle its result is
  // written back: the issue register plus the adder's latency, IFL cycles. The issued buckets
  // move along a shift register of that length, and both candidates (the queue's head and the
  // input) are compared with every entry: 2·IFL comparators of BW bits, instead of a busy bit
  // per bucket (2^(CMAX-1) flip-flops with two read and two write ports).
  localparam int IFL = 4 * zk_pkg::MUL_LAT + 3 + 1;
  logic          ifl_v[IFL];
  logic [BW-1:0] ifl_bk[IFL];
  logic [IFL-1:0] hit_cq, hit_in;
  for (genvar k = 0; k < IFL; k++) begin : g_ifl
    if (k == 0) begin : g_head
      always_ff @(posedge clk) begin
        ifl_v[0] <= issue && !rst;
        ifl_bk[0] <= iss_bk;
      end
    end else begin : g_next
      always_ff @(posedge clk) begin
        ifl_v[k] <= ifl_v[k-1] && !rst;
        ifl_bk[k] <= ifl_bk[k-1];
      end
    end
    assign hit_cq[k] = ifl_v[k] && ifl_bk[k] == cq_bk[cq_head];
    assign hit_in[k] = ifl_v[k] && ifl_bk[k] == in_bk;
  end
  assign busy_cq = |hit_cq;
  assign busy_in = |hit_in;

  // ---- RAM read + adder ---------------------------------------------------------------------
  logic [1023:0] rd_q;
  logic [BW-1:0] rd_addr;
  logic rd_en;
  assign rd_en = issue || (state == RB_READ && rb_ok) || (state == RB_B1 && rb_idx + 1 < nb && rb_ok);
  assign rd_addr = issue ? iss_bk : (state == RB_B1 ? BW'(rb_idx + 1) : BW'(rb_idx));
  always_ff @(posedge clk) if (rd_en) rd_q <= ram[rd_addr];

  logic a_valid, a_sign;
  logic [BW-1:0] a_bk;
  logic [511:0] a_pt;
  always_ff @(posedge clk) begin
    a_valid <= issue && !rst;
    a_bk <= iss_bk;
    a_pt <= sel_cq ? cq_pt[cq_head] : in_point;
    a_sign <= sel_cq ? cq_sg[cq_head] : in_sign;
  end

  logic w_valid, w_dbl;
  logic [BW-1:0] w_bk;
  logic [255:0] wx, wy, wzz, wzzz, w_px, w_py;
  g1_madd #(.TAGW(BW)) u_add (
    .clk, .in_valid(a_valid), .in_tag(a_bk),
    .x1(rd_q[255:0]), .y1(rd_q[511:256]), .zz1(rd_q[767:512]), .zzz1(rd_q[1023:768]),
    .x2(a_pt[255:0]), .y2(a_sign ? zk_pkg::neg_mod(a_pt[511:256], zk_pkg::FQ_N) : a_pt[511:256]), .p_inf(1'b0),
    .out_valid(w_valid), .out_tag(w_bk), .x3(wx), .y3(wy), .zz3(wzz), .zzz3(wzzz),
    .out_dbl(w_dbl), .out_px(w_px), .out_py(w_py)
  );

  // ---- deferred doublings -----------------------------------------------------------------------
  localparam int XQW = $clog2(XQ_DEPTH + 1);
  logic [511:0] xq_pt[XQ_DEPTH];
  logic [15:0] xq_bk[XQ_DEPTH];
  logic [XQW-1:0] xq_count, xb_idx;
  logic xq_over;
  logic [511:0] xb_head;
  always_comb begin
    xb_head = '0;
    xb_head[15:0] = 16'(xq_count);
    xb_head[16] = xq_over;
    for (int j = 0; j < XQ_DEPTH; j++) xb_head[32 + 16 * j +: 16] = xq_bk[j];
  end

  // ---- RAM write: adder results, or zero behind the read-back (never both: the read-back
  // starts after the last write-back) ------------------------------------------------------------
  logic wr_en;
  logic [BW-1:0] wr_addr;
  assign wr_en = !rst && (w_valid || state == RB_B1);
  assign wr_addr = w_valid ? w_bk : BW'(rb_idx);
  always_ff @(posedge clk) if (wr_en) ram[wr_addr] <= w_valid ? {wzzz, wzz, wy, wx} : '0;

  // ---- state ---------------------------------------------------------------------------------
  always_ff @(posedge clk) begin
    done <= 1'b0;
    rb_valid <= 1'b0;
    if (rst) begin
      state <= IDLE;
      cq_count <= '0;
      cq_head <= '0;
      cq_tail <= '0;
      inflight <= '0;
    end else begin
      inflight <= inflight + 16'(issue) - 16'(w_valid);
      if (push_cq) begin
        cq_pt[cq_tail] <= in_point;
        cq_bk[cq_tail] <= in_bk;
        cq_sg[cq_tail] <= in_sign;
        cq_tail <= cq_tail + 1;
      end
      if (sel_cq) cq_head <= cq_head + 1;
      cq_count <= cq_count + (CQW+1)'(push_cq) - (CQW+1)'(sel_cq);
      if (in_valid && in_ready) consumed <= consumed + 1;
      if (push_cq) conflicts <= conflicts + 1;
      if (w_valid && w_dbl) begin
        doublings <= doublings + 1;
        if (xq_count == XQW'(XQ_DEPTH)) begin
          xq_over <= 1'b1;
        end else begin
          xq_pt[xq_count] <= {w_py, w_px};
          xq_bk[xq_count] <= 16'(w_bk);
          xq_count <= xq_count + 1;
        end
      end
      if (more_in && !in_ready) stalls <= stalls + 1;

      case (state)
        IDLE: if (start) begin
          state <= ACC;
          consumed <= '0;
          conflicts <= '0;
          stalls <= '0;
          doublings <= '0;
          xq_count <= '0;
          xq_over <= 1'b0;
          for (int j = 0; j < XQ_DEPTH; j++) xq_bk[j] <= '0;
          nb <= (BW+1)'(1) << (c - 1);
        end
        ACC: if (consumed == n && cq_empty && inflight == '0 && !w_valid && !a_valid) begin
          state <= RB_READ;
          rb_idx <= '0;
        end
        RB_READ: if (rb_ok) state <= RB_B0;
        RB_B0: begin
          rb_valid <= 1'b1;
          rb_data <= rd_q[511:0];
          state <= RB_B1;
        end
        RB_B1: begin
          rb_valid <= 1'b1;
          rb_data <= rd_q[1023:512];
          rb_idx <= rb_idx + 1;
          if (rb_idx + 1 == nb) begin
            state <= XB_HEAD;
          end else begin
            state <= rb_ok ? RB_B0 : RB_READ;
          end
        end
        XB_HEAD: if (rb_ok) begin
          rb_valid <= 1'b1;
          rb_data <= xb_head;
          xb_idx <= '0;
          state <= XB_POINTS;
        end
        XB_POINTS: if (rb_ok) begin
          rb_valid <= 1'b1;
          rb_data <= xq_pt[xb_idx];
          xb_idx <= xb_idx + 1;
          if (xb_idx == XQW'(XQ_DEPTH - 1)) begin
            state <= IDLE;
            done <= 1'b1;
          end
        end
        default: state <= IDLE;
      endcase
    end
  end
endmodule
