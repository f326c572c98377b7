// On-chip NTT core driven by the host stage by stage. It holds one polynomial of up to
// 2^LOGMAX elements in two ping-pong banks and the twiddles ω^k (k < n/2) in a third RAM.
//
// Commands (cmd_op, started by a one-cycle cmd_start):
//   LOAD    streams n/2 beats (two elements each) in; element i lands at bitrev(i) in bank 0
//   TW      streams ceil(n/4) beats of twiddles ω^0, ω^1, ... in
//   STAGE   one radix-2 stage with half-size m = 2^stage: n/2 butterflies, one per cycle, read
//           from the current bank and written to the other, which becomes current
//   STORE   streams the current bank out in natural order, n/2 beats
// The host supplies ω or ω^-1 twiddles and applies coset shifts and n^-1 itself.
module ntt_core #(
  parameter int LOGMAX = 16
) (
  input  logic         clk,
  input  logic         rst,
  input  logic         cmd_start,
  input  logic [1:0]   cmd_op,
  input  logic [4:0]   log_n,
  input  logic [4:0]   stage,
  output logic         done,
  // beats in (LOAD, TW)
  input  logic         in_valid,
  input  logic [511:0] in_data,
  output logic         in_ready,
  // beats out (STORE); out_ok: the sink has room for two more beats
  output logic         out_valid,
  output logic [511:0] out_data,
  input  logic         out_ok
);
  localparam logic [1:0] OP_LOAD = 2'd0, OP_TW = 2'd1, OP_STAGE = 2'd2, OP_STORE = 2'd3;
  localparam int NMAX = 1 << LOGMAX;
  localparam int BL = zk_pkg::MUL_LAT + 1;

  logic cur;  // bank holding the current data

  logic active;
  logic [1:0] op;
  logic [LOGMAX:0] cnt;      // beats or butterflies issued
  logic [LOGMAX:0] total;    // how many to issue
  logic [LOGMAX:0] written;  // butterflies written back (STAGE)
  logic [4:0] lg, st;

  function automatic logic [LOGMAX-1:0] bitrev(input logic [LOGMAX-1:0] i, input logic [4:0] bits);
    logic [LOGMAX-1:0] r;
    for (int k = 0; k < LOGMAX; k++) r[k] = i[LOGMAX-1-k];
    bitrev = r >> (LOGMAX - bits);
  endfunction

  // ---- butterfly addressing (STAGE) ------------------------------------------------------
  logic [LOGMAX-1:0] k, j, grp, i0, i1, ti, mhalf;
  always_comb begin
    k = cnt[LOGMAX-1:0];
    mhalf = (LOGMAX)'(1) << st;
    j = k & (mhalf - 1);
    grp = k >> st;
    i0 = (grp << (st + 1)) | j;
    i1 = i0 | mhalf;
    ti = j << (lg - 1 - st);
  end

  logic issue_bf;
  assign issue_bf = active && op == OP_STAGE && cnt < total;

  // ---- memories ------------------------------------------------------------------------------
  // Two ping-pong banks and the twiddles, each a true dual-port RAM (block RAM or URAM on a
  // card): in a stage the current bank only reads (i0 on port A, i1 on B) and the other only
  // writes (the butterfly's x on A, y on B); LOAD writes two elements a beat into bank 0, TW two
  // twiddles, STORE reads two elements a beat. Read data arrives one cycle after the address.
  logic load_beat, tw_beat, bank_wr;
  logic [LOGMAX-1:0] la, sa, wa_x, wa_y;
  logic [255:0] q0a, q0b, q1a, q1b, twq;
  logic [LOGMAX-1:0] a0, b0, a1, b1;
  logic en0a, en0b, we0, en1a, en1b, we1;
  logic [255:0] wd0a, wd0b, wd1a, wd1b;
  logic issue_st;
  logic bv;
  logic [2*LOGMAX-1:0] baddr;
  logic [255:0] bx, by;
  assign wa_x = baddr[2*LOGMAX-1:LOGMAX];
  assign wa_y = baddr[LOGMAX-1:0];
  assign bank_wr = active && op == OP_STAGE && bv;
  always_comb begin
    // bank 0: LOAD writes it; a stage reads it when current, writes it otherwise; STORE reads it
    // when current.
    en0a = 1'b0; en0b = 1'b0; we0 = 1'b0; a0 = i0; b0 = i1; wd0a = bx; wd0b = by;
    en1a = 1'b0; en1b = 1'b0; we1 = 1'b0; a1 = i0; b1 = i1; wd1a = bx; wd1b = by;
    if (load_beat) begin
      {en0a, en0b, we0} = 3'b111;
      a0 = bitrev(la, lg);
      b0 = bitrev(la | 1, lg);
      wd0a = in_data[255:0];
      wd0b = in_data[511:256];
    end else if (issue_st || (active && op == OP_STORE)) begin
      a0 = sa; b0 = sa | 1; a1 = sa; b1 = sa | 1;
      {en0a, en0b} = {2{issue_st && !cur}};
      {en1a, en1b} = {2{issue_st && cur}};
    end else if (!cur) begin
      {en0a, en0b} = {2{issue_bf}};
      {en1a, en1b, we1} = {3{bank_wr}};
      a1 = wa_x; b1 = wa_y;
    end else begin
      {en1a, en1b} = {2{issue_bf}};
      {en0a, en0b, we0} = {3{bank_wr}};
      a0 = wa_x; b0 = wa_y;
    end
  end
  ram_tdp #(.W(256), .DEPTH(NMAX)) u_bank0 (
    .clk, .a_en(en0a), .a_we(we0), .a_addr(a0), .a_wd(wd0a), .a_q(q0a),
    .b_en(en0b), .b_we(we0), .b_addr(b0), .b_wd(wd0b), .b_q(q0b)
  );
  ram_tdp #(.W(256), .DEPTH(NMAX)) u_bank1 (
    .clk, .a_en(en1a), .a_we(we1), .a_addr(a1), .a_wd(wd1a), .a_q(q1a),
    .b_en(en1b), .b_we(we1), .b_addr(b1), .b_wd(wd1b), .b_q(q1b)
  );
  ram_tdp #(.W(256), .DEPTH(NMAX / 2)) u_tw (
    .clk, .a_en(tw_beat || issue_bf), .a_we(tw_beat), .a_addr(tw_beat ? la[LOGMAX-2:0] : ti[LOGMAX-2:0]),
    .a_wd(in_data[255:0]), .a_q(twq),
    .b_en(tw_beat), .b_we(tw_beat), .b_addr(la[LOGMAX-2:0] | 1), .b_wd(in_data[511:256]), .b_q()
  );

  // Butterfly inputs: the current bank's two words and the twiddle, one cycle after issue.
  logic [255:0] ra, rb, rw;
  logic rv;
  logic [2*LOGMAX-1:0] raddr;
  assign ra = cur ? q1a : q0a;
  assign rb = cur ? q1b : q0b;
  assign rw = twq;
  always_ff @(posedge clk) begin
    rv <= issue_bf;
    raddr <= {i0, i1};
  end

  ntt_bfly #(.TAGW(2 * LOGMAX)) u_bf (
    .clk, .in_valid(rv), .in_tag(raddr), .a(ra), .b(rb), .w(rw),
    .out_valid(bv), .out_tag(baddr), .x(bx), .y(by)
  );

  // ---- STORE reads: two elements a beat, out one cycle later ----------------------------------
  assign issue_st = active && op == OP_STORE && cnt < total && out_ok;
  assign sa = {cnt[LOGMAX-2:0], 1'b0};
  always_ff @(posedge clk) out_valid <= issue_st;
  assign out_data = cur ? {q1b, q1a} : {q0b, q0a};

  assign in_ready = active && (op == OP_LOAD || op == OP_TW) && cnt < total;
  assign la = {cnt[LOGMAX-2:0], 1'b0};
  assign load_beat = active && op == OP_LOAD && in_valid && in_ready;
  assign tw_beat = active && op == OP_TW && in_valid && in_ready;

  always_ff @(posedge clk) begin
    done <= 1'b0;
    if (rst) begin
      active <= 1'b0;
      cur <= 1'b0;
    end else if (cmd_start) begin
      active <= 1'b1;
      op <= cmd_op;
      lg <= log_n;
      st <= stage;
      cnt <= '0;
      written <= '0;
      case (cmd_op)
        OP_TW: total <= ((LOGMAX+1)'(1) << log_n) + 3 >> 2;
        default: total <= (LOGMAX+1)'(1) << (log_n - 1);
      endcase
      if (cmd_op == OP_LOAD) cur <= 1'b0;
    end else if (active) begin
      case (op)
        OP_LOAD: if (in_valid && in_ready) begin
          cnt <= cnt + 1;
          if (cnt + 1 == total) begin active <= 1'b0; done <= 1'b1; end
        end
        OP_TW: if (in_valid && in_ready) begin
          cnt <= cnt + 1;
          if (cnt + 1 == total) begin active <= 1'b0; done <= 1'b1; end
        end
        OP_STAGE: begin
          if (issue_bf) cnt <= cnt + 1;
          if (bv) begin
            written <= written + 1;
            if (written + 1 == total) begin active <= 1'b0; done <= 1'b1; cur <= ~cur; end
          end
        end
        default: begin  // OP_STORE: done once the last beat has been read out
          if (issue_st) cnt <= cnt + 1;
          if (cnt == total && !issue_st) begin active <= 1'b0; done <= 1'b1; end
        end
      endcase
    end
  end
endmodule
