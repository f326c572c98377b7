// AXI4 read master, 512-bit data: reads segments (address, beats) given one at a time, in
// INCR bursts of up to 16 beats that never cross a 1 KiB boundary (so never a 4 KiB one), with
// several bursts outstanding, into a FIFO the engines pop. A burst is issued only when the FIFO
// has room for all of its beats, so R is always accepted. Addresses are 64-byte aligned.
module axi_rd #(
  parameter int DEPTH = 64
) (
  input  logic         clk,
  input  logic         rst,
  input  logic         clear,     // clears `error` (a new command)
  // segments
  input  logic         seg_valid,
  input  logic [63:0]  seg_addr,
  input  logic [31:0]  seg_beats,
  output logic         seg_ready,
  // AXI4 read address / data channels
  output logic         arvalid,
  input  logic         arready,
  output logic [63:0]  araddr,
  output logic [7:0]   arlen,
  output logic [2:0]   arsize,
  output logic [1:0]   arburst,
  input  logic         rvalid,
  output logic         rready,
  input  logic [511:0] rdata,
  input  logic [1:0]   rresp,
  input  logic         rlast,
  // data out
  output logic         data_valid,
  output logic [511:0] data,
  input  logic         data_pop,
  output logic         idle,
  output logic         error     // a read answered SLVERR/DECERR
);
  localparam int AW = $clog2(DEPTH);
  assign arsize = 3'd6;  // 64 bytes per beat
  assign arburst = 2'b01;
  assign rready = 1'b1;

  logic [511:0] fifo[DEPTH];
  logic [AW-1:0] head, tail;
  logic [AW:0] count;
  logic [AW+1:0] outstanding;  // beats requested, not yet received
  logic [63:0] addr;
  logic [31:0] left;

  logic [4:0] to_boundary, len;
  always_comb begin
    to_boundary = 5'd16 - {1'b0, addr[9:6]};
    len = (left < 32'(to_boundary)) ? left[4:0] : to_boundary;
  end

  assign seg_ready = left == '0 && !rst;
  assign data_valid = count != '0;
  assign data = fifo[head];
  assign idle = left == '0 && outstanding == '0 && !arvalid;
  logic can_issue;
  assign can_issue = !arvalid && left != '0 && (32'(outstanding) + 32'(count) + 32'(len) <= DEPTH);

  logic got;
  assign got = rvalid && rready;

  always_ff @(posedge clk) begin
    if (rst) begin
      head <= '0;
      tail <= '0;
      count <= '0;
      outstanding <= '0;
      left <= '0;
      arvalid <= 1'b0;
      error <= 1'b0;
    end else begin
      if (seg_valid && seg_ready) begin
        addr <= seg_addr;
        left <= seg_beats;
      end
      if (can_issue) begin
        arvalid <= 1'b1;
        araddr <= addr;
        arlen <= 8'(len - 1);
        addr <= addr + (64'(len) << 6);
        left <= left - 32'(len);
      end else if (arvalid && arready) begin
        arvalid <= 1'b0;
      end
      if (got) begin
        fifo[tail] <= rdata;
        tail <= tail + 1;
      end
      if (clear) error <= 1'b0;
      else if (got && rresp[1]) error <= 1'b1;
      if (data_pop && data_valid) head <= head + 1;
      count <= count + (AW+1)'(got) - (AW+1)'(data_pop && data_valid);
      outstanding <= outstanding + (can_issue ? (AW+2)'(len) : '0) - (AW+2)'(got);
    end
  end
endmodule
