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

  logic [255:0] bank0[NMAX];
  logic [255:0] bank1[NMAX];
  logic [255:0] tw[NMAX/2];
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

  // Synchronous reads, one cycle.
  logic [255:0] ra, rb, rw;
  logic rv;
  logic [2*LOGMAX-1:0] raddr;
  always_ff @(posedge clk) begin
    ra <= cur ? bank1[i0] : bank0[i0];
    rb <= cur ? bank1[i1] : bank0[i1];
    rw <= tw[ti];
    rv <= issue_bf;
    raddr <= {i0, i1};
  end

  logic bv;
  logic [2*LOGMAX-1:0] baddr;
  logic [255:0] bx, by;
  ntt_bfly #(.TAGW(2 * LOGMAX)) u_bf (
    .clk, .in_valid(rv), .in_tag(raddr), .a(ra), .b(rb), .w(rw),
    .out_valid(bv), .out_tag(baddr), .x(bx), .y(by)
  );

  // ---- STORE reads ---------------------------------------------------------------------------
  logic issue_st;
  assign issue_st = active && op == OP_STORE && cnt < total && out_ok;
  logic [LOGMAX-1:0] sa;
  assign sa = {cnt[LOGMAX-2:0], 1'b0};
  always_ff @(posedge clk) begin
    out_valid <= issue_st;
    out_data  <= cur ? {bank1[sa | 1], bank1[sa]} : {bank0[sa | 1], bank0[sa]};
  end

  assign in_ready = active && (op == OP_LOAD || op == OP_TW) && cnt < total;
  logic [LOGMAX-1:0] la;
  assign la = {cnt[LOGMAX-2:0], 1'b0};

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
          bank0[bitrev(la, lg)] <= in_data[255:0];
          bank0[bitrev(la | 1, lg)] <= in_data[511:256];
          cnt <= cnt + 1;
          if (cnt + 1 == total) begin active <= 1'b0; done <= 1'b1; end
        end
        OP_TW: if (in_valid && in_ready) begin
          tw[la] <= in_data[255:0];
          tw[la | 1] <= in_data[511:256];
          cnt <= cnt + 1;
          if (cnt + 1 == total) begin active <= 1'b0; done <= 1'b1; end
        end
        OP_STAGE: begin
          if (issue_bf) cnt <= cnt + 1;
          if (bv) begin
            if (cur) begin
              bank0[baddr[2*LOGMAX-1:LOGMAX]] <= bx;
              bank0[baddr[LOGMAX-1:0]] <= by;
            end else begin
              bank1[baddr[2*LOGMAX-1:LOGMAX]] <= bx;
              bank1[baddr[LOGMAX-1:0]] <= by;
            end
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
