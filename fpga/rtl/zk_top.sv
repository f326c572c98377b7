// zkaccel FPGA kernel: AXI4-Lite control registers, one AXI4 (512-bit) master for data, and
// the MSM bucket engine, the NTT core and the Poseidon core behind one command sequencer.
// The register map is documented register by register in fpga/README.md.
//
// HAS_MSM / HAS_NTT / HAS_POSEIDON choose the engines a build carries (CAPS bits 26:24 say
// which), so a bitstream can hold only what fits its card; a command for an absent engine ends
// with ERROR and ERR = 4.
module zk_top #(
  parameter int CMAX = 16,
  parameter int NTT_LOGMAX = 16,
  parameter bit HAS_MSM = 1,
  parameter bit HAS_NTT = 1,
  parameter bit HAS_POSEIDON = 1
) (
  input  logic         ap_clk,
  input  logic         ap_rst_n,
  // AXI4-Lite slave (control)
  input  logic         s_awvalid,
  output logic         s_awready,
  input  logic [7:0]   s_awaddr,
  input  logic         s_wvalid,
  output logic         s_wready,
  input  logic [31:0]  s_wdata,
  output logic         s_bvalid,
  input  logic         s_bready,
  output logic [1:0]   s_bresp,
  input  logic         s_arvalid,
  output logic         s_arready,
  input  logic [7:0]   s_araddr,
  output logic         s_rvalid,
  input  logic         s_rready,
  output logic [31:0]  s_rdata,
  output logic [1:0]   s_rresp,
  // AXI4 master (data)
  output logic         m_arvalid,
  input  logic         m_arready,
  output logic [63:0]  m_araddr,
  output logic [7:0]   m_arlen,
  output logic [2:0]   m_arsize,
  output logic [1:0]   m_arburst,
  input  logic         m_rvalid,
  output logic         m_rready,
  input  logic [511:0] m_rdata,
  input  logic [1:0]   m_rresp,
  input  logic         m_rlast,
  output logic         m_awvalid,
  input  logic         m_awready,
  output logic [63:0]  m_awaddr,
  output logic [7:0]   m_awlen,
  output logic [2:0]   m_awsize,
  output logic [1:0]   m_awburst,
  output logic         m_wvalid,
  input  logic         m_wready,
  output logic [511:0] m_wdata,
  output logic [63:0]  m_wstrb,
  output logic         m_wlast,
  input  logic         m_bvalid,
  output logic         m_bready,
  input  logic [1:0]   m_bresp,
  output logic         irq
);
  localparam logic [31:0] ID = 32'h5a4b4631;  // "ZKF1"
  localparam logic [7:0] VERSION = 8'd2;
  localparam logic [2:0] ENGINES = {HAS_POSEIDON, HAS_NTT, HAS_MSM};
  localparam logic [3:0] OP_MSM = 4'd1, OP_NTT_LOAD = 4'd2, OP_NTT_TW = 4'd3, OP_NTT_STAGE = 4'd4,
                         OP_NTT_STORE = 4'd5, OP_POSEIDON = 4'd6;
  localparam logic [7:0] ERR_NONE = 8'd0, ERR_OP = 8'd1, ERR_ARG = 8'd2, ERR_BUS = 8'd3, ERR_ENGINE = 8'd4;

  logic clk, rst;
  assign clk = ap_clk;
  always_ff @(posedge clk) rst <= !ap_rst_n;

  // ---- registers -----------------------------------------------------------------------------
  logic [3:0] r_op;
  logic [31:0] r_n, r_arg;
  logic [63:0] r_addr[3];
  logic busy, done_flag, err_flag, ie;
  logic [7:0] err_code;
  logic [63:0] cycles;
  logic [31:0] stat0, stat1, stat2;
  logic start_pulse;

  // AXI4-Lite write: take address and data together.
  logic [7:0] wa;
  assign s_awready = s_awvalid && s_wvalid && !s_bvalid;
  assign s_wready = s_awready;
  assign s_bresp = 2'b00;
  assign wa = s_awaddr;
  always_ff @(posedge clk) begin
    start_pulse <= 1'b0;
    if (rst) begin
      s_bvalid <= 1'b0;
      ie <= 1'b0;
    end else begin
      if (s_bvalid && s_bready) s_bvalid <= 1'b0;
      if (s_awready) begin
        s_bvalid <= 1'b1;
        case (wa)
          8'h00: if (s_wdata[0] && !busy) start_pulse <= 1'b1;
          8'h04: ie <= s_wdata[0];
          8'h10: r_op <= s_wdata[3:0];
          8'h14: r_n <= s_wdata;
          8'h18: r_arg <= s_wdata;
          8'h20: r_addr[0][31:0] <= s_wdata;
          8'h24: r_addr[0][63:32] <= s_wdata;
          8'h28: r_addr[1][31:0] <= s_wdata;
          8'h2c: r_addr[1][63:32] <= s_wdata;
          8'h30: r_addr[2][31:0] <= s_wdata;
          8'h34: r_addr[2][63:32] <= s_wdata;
          default: ;
        endcase
      end
    end
  end

  // AXI4-Lite read.
  assign s_arready = !s_rvalid;
  assign s_rresp = 2'b00;
  always_ff @(posedge clk) begin
    if (rst) begin
      s_rvalid <= 1'b0;
    end else begin
      if (s_rvalid && s_rready) s_rvalid <= 1'b0;
      if (s_arvalid && s_arready) begin
        s_rvalid <= 1'b1;
        case (s_araddr)
          8'h00: s_rdata <= {29'b0, err_flag, done_flag, busy};
          8'h04: s_rdata <= {31'b0, ie};
          8'h08: s_rdata <= ID;
          8'h0c: s_rdata <= {5'b0, ENGINES, 3'b0, 5'(NTT_LOGMAX), 3'b0, 5'(CMAX), VERSION};
          8'h10: s_rdata <= {28'b0, r_op};
          8'h14: s_rdata <= r_n;
          8'h18: s_rdata <= r_arg;
          8'h1c: s_rdata <= {24'b0, err_code};
          8'h20: s_rdata <= r_addr[0][31:0];
          8'h24: s_rdata <= r_addr[0][63:32];
          8'h28: s_rdata <= r_addr[1][31:0];
          8'h2c: s_rdata <= r_addr[1][63:32];
          8'h30: s_rdata <= r_addr[2][31:0];
          8'h34: s_rdata <= r_addr[2][63:32];
          8'h40: s_rdata <= cycles[31:0];
          8'h44: s_rdata <= cycles[63:32];
          8'h48: s_rdata <= stat0;
          8'h4c: s_rdata <= stat1;
          8'h50: s_rdata <= stat2;
          default: s_rdata <= 32'b0;
        endcase
      end
    end
  end
  assign irq = ie && done_flag;

  // ---- data movers ---------------------------------------------------------------------------
  logic seg_valid, seg_ready;
  logic [63:0] seg_addr;
  logic [31:0] seg_beats;
  logic rd_valid, rd_pop, rd_idle, rd_err;
  logic [511:0] rd_data;
  axi_rd u_rd (
    .clk, .rst, .clear(start_pulse), .seg_valid, .seg_addr, .seg_beats, .seg_ready,
    .arvalid(m_arvalid), .arready(m_arready), .araddr(m_araddr), .arlen(m_arlen), .arsize(m_arsize),
    .arburst(m_arburst), .rvalid(m_rvalid), .rready(m_rready), .rdata(m_rdata), .rresp(m_rresp),
    .rlast(m_rlast), .data_valid(rd_valid), .data(rd_data), .data_pop(rd_pop), .idle(rd_idle), .error(rd_err)
  );

  logic wr_start, wr_valid, wr_done, wr_err;
  logic [31:0] wr_beats;
  logic [63:0] wr_addr;
  logic [511:0] wr_data;
  logic [15:0] wr_space;
  axi_wr u_wr (
    .clk, .rst, .start(wr_start), .start_addr(wr_addr), .start_beats(wr_beats), .in_valid(wr_valid),
    .in_data(wr_data), .space(wr_space),
    .awvalid(m_awvalid), .awready(m_awready), .awaddr(m_awaddr), .awlen(m_awlen), .awsize(m_awsize),
    .awburst(m_awburst), .wvalid(m_wvalid), .wready(m_wready), .wdata(m_wdata), .wstrb(m_wstrb),
    .wlast(m_wlast), .bvalid(m_bvalid), .bready(m_bready), .bresp(m_bresp), .done(wr_done), .error(wr_err)
  );
  logic wr_room;  // room for the few beats an engine may have in its pipeline
  assign wr_room = wr_space > 16'd8;

  // ---- engines -------------------------------------------------------------------------------
  logic [3:0] op;
  logic engine_start;

  // MSM: (point, digit) pairs from the read stream: one beat of 32 digits, then up to 32 points.
  logic [511:0] digits;
  logic have_digits;
  logic [4:0] dig_idx;
  logic [31:0] pairs_left;  // pairs not yet taken from the stream
  logic msm_in_valid, msm_in_ready, msm_done, rb_valid;
  logic [511:0] rb_data;
  logic [31:0] conflicts, stalls, doublings;
  assign msm_in_valid = op == OP_MSM && busy && have_digits && rd_valid;
  if (HAS_MSM) begin : g_msm
    msm_bucket #(.CMAX(CMAX)) u_msm (
      .clk, .rst, .start(engine_start && op == OP_MSM), .c(r_arg[4:0]), .n(r_n),
      .in_valid(msm_in_valid), .in_point(rd_data), .in_digit(digits[16 * dig_idx +: 16]), .in_ready(msm_in_ready),
      .rb_valid, .rb_data, .rb_ok(wr_room), .done(msm_done), .conflicts, .stalls, .doublings
    );
  end else begin : g_no_msm
    assign {msm_in_ready, rb_valid, msm_done, rb_data, conflicts, stalls, doublings} = '0;
  end

  // NTT
  logic ntt_done, ntt_in_ready, ntt_out_valid;
  logic [511:0] ntt_out_data;
  logic [1:0] ntt_op;
  always_comb
    case (op)
      OP_NTT_LOAD: ntt_op = 2'd0;
      OP_NTT_TW: ntt_op = 2'd1;
      OP_NTT_STAGE: ntt_op = 2'd2;
      default: ntt_op = 2'd3;
    endcase
  logic is_ntt;
  assign is_ntt = op == OP_NTT_LOAD || op == OP_NTT_TW || op == OP_NTT_STAGE || op == OP_NTT_STORE;
  // The same for the command register (argument checks at START). Written out: Yosys 0.23 does
  // not parse `inside`.
  logic r_is_ntt;
  assign r_is_ntt = r_op == OP_NTT_LOAD || r_op == OP_NTT_TW || r_op == OP_NTT_STAGE || r_op == OP_NTT_STORE;
  if (HAS_NTT) begin : g_ntt
    ntt_core #(.LOGMAX(NTT_LOGMAX)) u_ntt (
      .clk, .rst, .cmd_start(engine_start && is_ntt), .cmd_op(ntt_op), .log_n(r_arg[4:0]), .stage(r_n[4:0]),
      .done(ntt_done), .in_valid(rd_valid && busy && (op == OP_NTT_LOAD || op == OP_NTT_TW)), .in_data(rd_data),
      .in_ready(ntt_in_ready), .out_valid(ntt_out_valid), .out_data(ntt_out_data), .out_ok(wr_room)
    );
  end else begin : g_no_ntt
    assign {ntt_done, ntt_in_ready, ntt_out_valid, ntt_out_data} = '0;
  end

  // Poseidon: one beat (two inputs) per message, two hashes per output beat.
  logic ps_in_ready, ps_out_valid, ps_out_ok;
  logic [255:0] ps_hash, ps_low;
  logic ps_have_low;
  logic [31:0] ps_fed, ps_out;
  logic [15:0] ps_inflight;
  // Every message in flight may need an output slot: admit only with room for all of them.
  assign ps_out_ok = 32'(wr_space) > 32'(ps_inflight) / 2 + 4;
  logic ps_in_valid;
  assign ps_in_valid = op == OP_POSEIDON && busy && rd_valid && ps_fed < r_n;
  if (HAS_POSEIDON) begin : g_poseidon
    poseidon_t3 u_ps (
      .clk, .rst, .in_valid(ps_in_valid), .in0(rd_data[255:0]), .in1(rd_data[511:256]),
      .in_ready(ps_in_ready), .out_ok(ps_out_ok), .out_valid(ps_out_valid), .out_hash(ps_hash)
    );
  end else begin : g_no_poseidon
    assign {ps_in_ready, ps_out_valid, ps_hash} = '0;
  end
  logic ps_last;
  assign ps_last = ps_out_valid && ps_out + 1 == r_n;

  // Read-stream pops and write-stream pushes.
  logic msm_take;
  assign msm_take = op == OP_MSM && busy && rd_valid && (!have_digits || msm_in_ready);
  assign rd_pop = msm_take
                || (is_ntt && rd_valid && ntt_in_ready && busy)
                || (ps_in_valid && ps_in_ready);
  always_comb begin
    wr_valid = 1'b0;
    wr_data = rb_data;
    if (op == OP_MSM) begin
      wr_valid = rb_valid;
    end else if (op == OP_NTT_STORE) begin
      wr_valid = ntt_out_valid;
      wr_data = ntt_out_data;
    end else if (op == OP_POSEIDON) begin
      wr_valid = ps_out_valid && (ps_have_low || ps_last);
      wr_data = ps_have_low ? {ps_hash, ps_low} : {256'b0, ps_hash};
    end
  end

  // MSM read segments: group g = one digit beat at ADDR1 + 64g, then min(32, n - 32g) points at
  // ADDR0 + 2048g.
  logic [31:0] groups_left, pts_left;
  logic seg_is_points;
  logic [63:0] dig_ptr, pt_ptr;
  logic [5:0] grp_pts;
  assign grp_pts = pts_left > 32 ? 6'd32 : pts_left[5:0];

  // ---- sequencer -----------------------------------------------------------------------------
  logic [1:0] phase;  // 0: start engines, 1: running, 2: finishing
  logic engine_done, need_wr;
  logic [1:0] settle;

  always_ff @(posedge clk) begin
    engine_start <= 1'b0;
    wr_start <= 1'b0;
    seg_valid <= seg_valid && !seg_ready;
    if (rst) begin
      busy <= 1'b0;
      done_flag <= 1'b0;
      err_flag <= 1'b0;
      err_code <= ERR_NONE;
      seg_valid <= 1'b0;
      phase <= '0;
      op <= '0;
    end else if (start_pulse) begin
      done_flag <= 1'b0;
      err_flag <= 1'b0;
      err_code <= ERR_NONE;
      cycles <= '0;
      op <= r_op;
      stat0 <= '0;
      stat1 <= '0;
      stat2 <= '0;
      engine_done <= 1'b0;
      settle <= '0;
      have_digits <= 1'b0;
      dig_idx <= '0;
      ps_fed <= '0;
      ps_out <= '0;
      ps_have_low <= 1'b0;
      ps_inflight <= '0;
      // argument checks
      if (!(r_op == OP_MSM || r_is_ntt || r_op == OP_POSEIDON)) begin
        done_flag <= 1'b1;
        err_flag <= 1'b1;
        err_code <= ERR_OP;
      end else if ((r_op == OP_MSM && !HAS_MSM) || (r_op == OP_POSEIDON && !HAS_POSEIDON)
                   || (r_is_ntt && !HAS_NTT)) begin
        done_flag <= 1'b1;
        err_flag <= 1'b1;
        err_code <= ERR_ENGINE;
      end else if ((r_op == OP_MSM && (r_arg[4:0] == 0 || r_arg > CMAX || r_n == 0))
                   || (r_is_ntt
                       && (r_arg == 0 || r_arg > NTT_LOGMAX || (r_op == OP_NTT_STAGE && r_n >= r_arg)))
                   || (r_op == OP_POSEIDON && r_n == 0)) begin
        done_flag <= 1'b1;
        err_flag <= 1'b1;
        err_code <= ERR_ARG;
      end else begin
        busy <= 1'b1;
        phase <= 2'd0;
      end
    end else if (busy) begin
      cycles <= cycles + 1;
      case (phase)
        2'd0: begin
          engine_start <= 1'b1;
          phase <= 2'd1;
          need_wr <= 1'b1;
          case (op)
            OP_MSM: begin
              groups_left <= (r_n + 31) >> 5;
              pts_left <= r_n;
              pairs_left <= r_n;
              seg_is_points <= 1'b0;
              dig_ptr <= r_addr[1];
              pt_ptr <= r_addr[0];
              wr_start <= 1'b1;
              wr_addr <= r_addr[2];
              // Two beats per bucket, then the doublings: a header and 30 points.
              wr_beats <= (32'd2 << (r_arg[4:0] - 1)) + 32'd31;
            end
            OP_NTT_LOAD: begin
              seg_valid <= 1'b1;
              seg_addr <= r_addr[0];
              seg_beats <= 32'd1 << (r_arg[4:0] - 1);
              need_wr <= 1'b0;
            end
            OP_NTT_TW: begin
              seg_valid <= 1'b1;
              seg_addr <= r_addr[0];
              seg_beats <= ((32'd1 << r_arg[4:0]) + 3) >> 2;
              need_wr <= 1'b0;
            end
            OP_NTT_STAGE: need_wr <= 1'b0;
            OP_NTT_STORE: begin
              wr_start <= 1'b1;
              wr_addr <= r_addr[0];
              wr_beats <= 32'd1 << (r_arg[4:0] - 1);
            end
            default: begin  // OP_POSEIDON
              seg_valid <= 1'b1;
              seg_addr <= r_addr[0];
              seg_beats <= r_n;
              wr_start <= 1'b1;
              wr_addr <= r_addr[1];
              wr_beats <= (r_n + 1) >> 1;
            end
          endcase
        end
        2'd1: begin
          // MSM segment generator
          if (op == OP_MSM && !seg_valid && seg_ready && !(seg_valid && !seg_ready) && groups_left != 0) begin
            seg_valid <= 1'b1;
            if (!seg_is_points) begin
              seg_addr <= dig_ptr;
              seg_beats <= 32'd1;
              dig_ptr <= dig_ptr + 64;
            end else begin
              seg_addr <= pt_ptr;
              seg_beats <= 32'(grp_pts);
              pt_ptr <= pt_ptr + 2048;
              pts_left <= pts_left - 32'(grp_pts);
              groups_left <= groups_left - 1;
            end
            seg_is_points <= !seg_is_points;
          end
          // MSM digit unpacking
          if (msm_take) begin
            if (!have_digits) begin
              digits <= rd_data;
              have_digits <= 1'b1;
              dig_idx <= '0;
            end else begin
              dig_idx <= dig_idx + 1;
              pairs_left <= pairs_left - 1;
              if (dig_idx == 5'd31 || pairs_left == 1) have_digits <= 1'b0;
            end
          end
          // Poseidon bookkeeping
          if (ps_in_valid && ps_in_ready) ps_fed <= ps_fed + 1;
          ps_inflight <= ps_inflight + 16'(ps_in_valid && ps_in_ready) - 16'(ps_out_valid);
          if (ps_out_valid) begin
            ps_out <= ps_out + 1;
            if (ps_have_low || ps_last) ps_have_low <= 1'b0;
            else begin
              ps_have_low <= 1'b1;
              ps_low <= ps_hash;
            end
          end
          if ((op == OP_MSM && msm_done) || (is_ntt && ntt_done) || (op == OP_POSEIDON && ps_last))
            engine_done <= 1'b1;
          if (engine_done) phase <= 2'd2;
        end
        default: begin
          // Let the write master see its last beats, then wait for its acknowledgements.
          if (settle != 2'd3) settle <= settle + 1;
          else if ((!need_wr || wr_done) && rd_idle) begin
            busy <= 1'b0;
            done_flag <= 1'b1;
            stat0 <= conflicts;
            stat1 <= stalls;
            stat2 <= doublings;
            if (rd_err || (need_wr && wr_err)) begin
              err_flag <= 1'b1;
              err_code <= ERR_BUS;
            end
          end
        end
      endcase
    end
  end
endmodule
