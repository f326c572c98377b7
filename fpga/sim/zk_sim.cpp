// C API over the Verilator model of zk_top: AXI4-Lite register access, a device memory that
// answers the kernel's AXI4 master (fixed read latency, one beat per cycle each way), and a
// clock that runs until the kernel raises its interrupt. The Rust `fpga:sim` transport loads
// this library at run time.
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "Vzk_top.h"
#include "verilated.h"
#include "wide.h"

namespace {
constexpr uint64_t kMemLimit = uint64_t(1) << 36;  // 64 GiB of address space, backed on demand
constexpr uint64_t kReadLatency = 32;              // cycles from AR to the first R beat

struct Burst {
  uint64_t addr;
  uint32_t beats;
  uint64_t ready_at;
  bool error;
};

struct Sim {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vzk_top> top;
  std::vector<uint8_t> mem;
  std::deque<Burst> reads, writes;
  std::deque<bool> bresps;  // pending B responses (true: error)
  uint64_t cycles = 0;

  Sim() : ctx(new VerilatedContext), top(new Vzk_top(ctx.get(), "zk")) {
    auto* t = top.get();
    t->ap_rst_n = 0;
    for (int i = 0; i < 64; i++) tick();
    t->ap_rst_n = 1;
    for (int i = 0; i < 4; i++) tick();
  }

  bool in_range(uint64_t addr, uint64_t bytes) const { return addr + bytes <= kMemLimit && addr + bytes >= addr; }

  void ensure(uint64_t end) {
    if (end > mem.size()) mem.resize(end, 0);
  }

  // One clock cycle: drive the memory side, settle, record handshakes, rising edge.
  void tick() {
    auto* t = top.get();
    t->m_arready = 1;
    t->m_awready = 1;
    t->m_wready = 1;
    bool rvalid = !reads.empty() && reads.front().ready_at <= cycles;
    t->m_rvalid = rvalid;
    t->m_rlast = 0;
    t->m_rresp = 0;
    if (rvalid) {
      Burst& b = reads.front();
      t->m_rlast = b.beats == 1;
      t->m_rresp = b.error ? 2 : 0;
      if (!b.error && b.addr + 64 <= mem.size()) {
        for (int w = 0; w < 16; w++) {
          uint32_t v;
          std::memcpy(&v, &mem[b.addr + 4 * w], 4);
          t->m_rdata[w] = v;
        }
      } else {
        wide_zero(t->m_rdata, 16);
      }
    }
    t->m_bvalid = !bresps.empty();
    t->m_bresp = !bresps.empty() && bresps.front() ? 2 : 0;

    t->ap_clk = 0;
    t->eval();

    if (t->m_arvalid && t->m_arready) {
      uint32_t beats = uint32_t(t->m_arlen) + 1;
      reads.push_back({t->m_araddr, beats, cycles + kReadLatency, !in_range(t->m_araddr, 64ull * beats)});
    }
    if (rvalid && t->m_rready) {
      Burst& b = reads.front();
      b.addr += 64;
      if (--b.beats == 0) reads.pop_front();
    }
    if (t->m_awvalid && t->m_awready) {
      uint32_t beats = uint32_t(t->m_awlen) + 1;
      writes.push_back({t->m_awaddr, beats, 0, !in_range(t->m_awaddr, 64ull * beats)});
    }
    if (t->m_wvalid && t->m_wready && !writes.empty()) {
      Burst& b = writes.front();
      if (!b.error) {
        ensure(b.addr + 64);
        for (int w = 0; w < 16; w++) {
          uint32_t v = t->m_wdata[w];
          std::memcpy(&mem[b.addr + 4 * w], &v, 4);
        }
      }
      b.addr += 64;
      if (--b.beats == 0 || t->m_wlast) {
        bresps.push_back(b.error || b.beats != 0 || !t->m_wlast);
        writes.pop_front();
      }
    }
    if (t->m_bvalid && t->m_bready) bresps.pop_front();

    t->ap_clk = 1;
    t->eval();
    cycles++;
  }
};
}  // namespace

extern "C" {

uint32_t zkf_abi_version() { return 1; }

void* zkf_new() { return new Sim(); }

void zkf_free(void* p) { delete static_cast<Sim*>(p); }

uint64_t zkf_cycles(void* p) { return static_cast<Sim*>(p)->cycles; }

// Returns 0, or -1 when the slave did not answer within 100 cycles.
int zkf_reg_write(void* p, uint32_t addr, uint32_t value) {
  Sim& s = *static_cast<Sim*>(p);
  auto* t = s.top.get();
  t->s_awvalid = 1;
  t->s_wvalid = 1;
  t->s_awaddr = addr;
  t->s_wdata = value;
  t->s_bready = 1;
  bool sent = false, acked = false;
  for (int i = 0; i < 100 && !acked; i++) {
    t->ap_clk = 0;
    t->eval();
    bool aw = t->s_awvalid && t->s_awready;
    bool b = t->s_bvalid && t->s_bready;
    s.tick();
    if (aw) {
      sent = true;
      t->s_awvalid = 0;
      t->s_wvalid = 0;
    }
    if (b && sent) acked = true;
  }
  t->s_awvalid = 0;
  t->s_wvalid = 0;
  t->s_bready = 0;
  return acked ? 0 : -1;
}

// Returns 0 and stores the value, or -1 when the slave did not answer.
int zkf_reg_read(void* p, uint32_t addr, uint32_t* value) {
  Sim& s = *static_cast<Sim*>(p);
  auto* t = s.top.get();
  t->s_arvalid = 1;
  t->s_araddr = addr;
  t->s_rready = 1;
  bool sent = false, got = false;
  for (int i = 0; i < 100 && !got; i++) {
    t->ap_clk = 0;
    t->eval();
    bool ar = t->s_arvalid && t->s_arready;
    if (t->s_rvalid && sent) {
      *value = t->s_rdata;
      got = true;
    }
    s.tick();
    if (ar) {
      sent = true;
      t->s_arvalid = 0;
    }
  }
  t->s_arvalid = 0;
  t->s_rready = 0;
  return got ? 0 : -1;
}

// Host access to device memory. Returns 0, or -1 outside the modelled address space.
int zkf_mem_write(void* p, uint64_t addr, const uint8_t* data, size_t len) {
  Sim& s = *static_cast<Sim*>(p);
  if (!s.in_range(addr, len)) return -1;
  s.ensure(addr + len);
  std::memcpy(&s.mem[addr], data, len);
  return 0;
}

int zkf_mem_read(void* p, uint64_t addr, uint8_t* data, size_t len) {
  Sim& s = *static_cast<Sim*>(p);
  if (!s.in_range(addr, len)) return -1;
  for (size_t i = 0; i < len; i++) data[i] = addr + i < s.mem.size() ? s.mem[addr + i] : 0;
  return 0;
}

// Runs the clock until the kernel's interrupt rises (IER must be set) or `max_cycles` pass.
// Returns the cycles run, or -1 on timeout.
int64_t zkf_run(void* p, uint64_t max_cycles) {
  Sim& s = *static_cast<Sim*>(p);
  for (uint64_t i = 0; i < max_cycles; i++) {
    s.tick();
    if (s.top->irq) return int64_t(i + 1);
  }
  return -1;
}
}
