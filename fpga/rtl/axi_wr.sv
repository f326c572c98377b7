// AXI4 write master, 512-bit data: writes one segment (address, beats) per command from a FIFO
// the engines push into, in INCR bursts of up to 16 beats within 1 KiB, the address of a burst
// issued once its beats are in the FIFO. `done` once every burst is acknowledged on B.
// Producers push only while `space` says there is room.
module axi_wr #(
  parameter int DEPTH = 64
) (
  input  logic         clk,
  input  logic         rst,
  input  logic         start,
  input  logic [63:0]  start_addr,
  input  logic [31:0]  start_beats,
  input  logic         in_valid,
  input  logic [511:0] in_data,
  output logic [15:0]  space,
  // AXI4 write address / data / response channels
  output logic         awvalid,
  input  logic         awready,
  output logic [63:0]  awaddr,
  output logic [7:0]   awlen,
  output logic [2:0]   awsize,
  output logic [1:0]   awburst,
  output logic         wvalid,
  input  logic         wready,
  output logic [511:0] wdata,
  output logic [63:0]  wstrb,
  output logic         wlast,
  input  logic         bvalid,
  output logic         bready,
  input  logic [1:0]   bresp,
  output logic         done,
  output logic         error      // a write answered SLVERR/DECERR since the last start
);
  localparam int AW = $clog2(DEPTH);
  assign awsize = 3'd6;
  assign awburst = 2'b01;
  assign wstrb = '1;
  assign bready = 1'b1;

  logic [511:0] fifo[DEPTH];
  logic [AW-1:0] head, tail;
  logic [AW:0] count;
  logic [AW:0] assigned;      // FIFO beats covered by issued bursts, not yet sent
  logic [63:0] addr;
  logic [31:0] left;          // beats not yet covered by a burst
  logic [31:0] bursts_open;   // issued, not yet acknowledged
  // lengths of issued bursts whose data is not fully sent
  logic [4:0] lens[8];
  logic [2:0] lh, lt;
  logic [3:0] lcount;
  logic [4:0] wsent;

  assign space = 16'(DEPTH) - 16'(count);
  logic [4:0] to_boundary, len;
  always_comb begin
    to_boundary = 5'd16 - {1'b0, addr[9:6]};
    len = (left < 32'(to_boundary)) ? left[4:0] : to_boundary;
  end
  logic can_issue;
  assign can_issue = !awvalid && left != '0 && lcount < 4'd8 && (32'(count) - 32'(assigned) >= 32'(len));

  assign wvalid = lcount != '0 && count != '0;
  assign wdata = fifo[head];
  assign wlast = wsent + 1 == lens[lh];
  logic wfire;
  assign wfire = wvalid && wready;
  assign done = left == '0 && !awvalid && lcount == '0 && bursts_open == '0;

  always_ff @(posedge clk) begin
    if (rst) begin
      head <= '0;
      tail <= '0;
      count <= '0;
      assigned <= '0;
      left <= '0;
      awvalid <= 1'b0;
      lh <= '0;
      lt <= '0;
      lcount <= '0;
      wsent <= '0;
      bursts_open <= '0;
      error <= 1'b0;
    end else begin
      if (start) begin
        addr <= start_addr;
        left <= start_beats;
      end
      if (in_valid) begin
        fifo[tail] <= in_data;
        tail <= tail + 1;
      end
      count <= count + (AW+1)'(in_valid) - (AW+1)'(wfire);
      if (can_issue) begin
        awvalid <= 1'b1;
        awaddr <= addr;
        awlen <= 8'(len - 1);
        addr <= addr + (64'(len) << 6);
        left <= left - 32'(len);
        lens[lt] <= len;
        lt <= lt + 1;
      end else if (awvalid && awready) begin
        awvalid <= 1'b0;
      end
      assigned <= assigned + (can_issue ? (AW+1)'(len) : '0) - (AW+1)'(wfire);
      if (wfire) head <= head + 1;
      if (wfire && wlast) begin
        wsent <= '0;
        lh <= lh + 1;
      end else if (wfire) begin
        wsent <= wsent + 1;
      end
      lcount <= lcount + 4'(can_issue) - 4'(wfire && wlast);
      bursts_open <= bursts_open + 32'(can_issue) - 32'(bvalid);
      if (start) error <= 1'b0;
      else if (bvalid && bresp[1]) error <= 1'b1;
    end
  end
endmodule
