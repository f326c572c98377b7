// C API over the unit-test harness (tb_units.sv): each function streams its inputs into one
// unit, one per cycle, collects the results as their valid flags rise and returns the cycles
// from the first input to the last result, inclusive (n + latency when the unit accepts one
// input per cycle). Field elements are four little-endian u64 limbs.
#include <cstdint>
#include <cstring>
#include <memory>

#include "Vtb_units.h"
#include "verilated.h"
#include "wide.h"

namespace {
struct Tb {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vtb_units> top;
  Tb() : ctx(new VerilatedContext), top(new Vtb_units(ctx.get(), "tb")) {
    top->clk = 0;
    top->ps_rst = 1;
    for (int i = 0; i < 64; i++) edge();
    top->ps_rst = 0;
  }
  // Inputs set by the caller are seen this cycle; call after sampling outputs.
  void eval_low() {
    top->clk = 0;
    top->eval();
  }
  void edge() {
    eval_low();
    top->clk = 1;
    top->eval();
  }
};

// Runs `n` inputs through a unit: `feed(i)` sets input i (or idle when i >= n), `valid()` says a
// result is out this cycle and `take(j)` stores result j.
template <typename Feed, typename Valid, typename Take>
uint64_t stream(Tb& tb, size_t n, Feed feed, Valid valid, Take take, uint64_t max_cycles) {
  size_t got = 0;
  uint64_t cycle = 0;
  size_t fed = 0;
  while (got < n && cycle < max_cycles) {
    fed += feed(fed) ? 1 : 0;
    tb.eval_low();
    if (valid()) take(got++);
    tb.top->clk = 1;
    tb.top->eval();
    cycle++;
  }
  feed(SIZE_MAX);
  tb.edge();
  return got == n ? cycle : 0;
}
}  // namespace

extern "C" {

uint32_t zkt_abi_version() { return 2; }

void* zkt_new() { return new Tb(); }

void zkt_free(void* p) { delete static_cast<Tb*>(p); }

uint64_t zkt_mul(void* p, const uint64_t* a, const uint64_t* b, size_t n, uint64_t* fq, uint64_t* fr) {
  Tb& tb = *static_cast<Tb*>(p);
  auto* t = tb.top.get();
  return stream(
      tb, n,
      [&](size_t i) {
        t->mul_valid = i < n;
        if (i >= n) return false;
        wide_set(t->mul_a, a + 4 * i, 4);
        wide_set(t->mul_b, b + 4 * i, 4);
        return true;
      },
      [&] { return t->mul_out_valid != 0; },
      [&](size_t j) {
        wide_get(t->mul_fq, fq + 4 * j, 4);
        wide_get(t->mul_fr, fr + 4 * j, 4);
      },
      n + 1000);
}

uint64_t zkt_addsub(void* p, int sub, const uint64_t* a, const uint64_t* b, size_t n, uint64_t* fq, uint64_t* fr) {
  Tb& tb = *static_cast<Tb*>(p);
  auto* t = tb.top.get();
  t->as_sub = sub != 0;
  return stream(
      tb, n,
      [&](size_t i) {
        t->as_valid = i < n;
        if (i >= n) return false;
        wide_set(t->as_a, a + 4 * i, 4);
        wide_set(t->as_b, b + 4 * i, 4);
        return true;
      },
      [&] { return t->as_out_valid != 0; },
      [&](size_t j) {
        wide_get(t->as_fq, fq + 4 * j, 4);
        wide_get(t->as_fr, fr + 4 * j, 4);
      },
      n + 1000);
}

// bucket: 16 limbs per addition (X, Y, ZZ, ZZZ); point: 8 limbs (x, y); out: 24 limbs (X, Y, ZZ,
// ZZZ, then the point as the adder passes it on); dbl: 1 where the adder left a doubling out.
uint64_t zkt_g1add(void* p, const uint64_t* bucket, const uint64_t* point, const uint8_t* p_inf, size_t n,
                   uint64_t* out, uint8_t* dbl) {
  Tb& tb = *static_cast<Tb*>(p);
  auto* t = tb.top.get();
  size_t bad_tags = 0;
  uint64_t cycles = stream(
      tb, n,
      [&](size_t i) {
        t->pa_valid = i < n;
        if (i >= n) return false;
        const uint64_t* bk = bucket + 16 * i;
        wide_set(t->pa_x1, bk, 4);
        wide_set(t->pa_y1, bk + 4, 4);
        wide_set(t->pa_zz1, bk + 8, 4);
        wide_set(t->pa_zzz1, bk + 12, 4);
        wide_set(t->pa_x2, point + 8 * i, 4);
        wide_set(t->pa_y2, point + 8 * i + 4, 4);
        t->pa_inf = p_inf[i] != 0;
        t->pa_tag = static_cast<uint16_t>(i);
        return true;
      },
      [&] { return t->pa_out_valid != 0; },
      [&](size_t j) {
        wide_get(t->pa_x3, out + 24 * j, 4);
        wide_get(t->pa_y3, out + 24 * j + 4, 4);
        wide_get(t->pa_zz3, out + 24 * j + 8, 4);
        wide_get(t->pa_zzz3, out + 24 * j + 12, 4);
        wide_get(t->pa_px, out + 24 * j + 16, 4);
        wide_get(t->pa_py, out + 24 * j + 20, 4);
        dbl[j] = t->pa_dbl;
        if (t->pa_out_tag != static_cast<uint16_t>(j)) bad_tags++;
      },
      n + 1000);
  return bad_tags == 0 ? cycles : 0;
}

uint64_t zkt_bfly(void* p, const uint64_t* a, const uint64_t* b, const uint64_t* w, size_t n, uint64_t* x,
                  uint64_t* y) {
  Tb& tb = *static_cast<Tb*>(p);
  auto* t = tb.top.get();
  return stream(
      tb, n,
      [&](size_t i) {
        t->bf_valid = i < n;
        if (i >= n) return false;
        wide_set(t->bf_a, a + 4 * i, 4);
        wide_set(t->bf_b, b + 4 * i, 4);
        wide_set(t->bf_w, w + 4 * i, 4);
        return true;
      },
      [&] { return t->bf_out_valid != 0; },
      [&](size_t j) {
        wide_get(t->bf_x, x + 4 * j, 4);
        wide_get(t->bf_y, y + 4 * j, 4);
      },
      n + 1000);
}

// in: 8 limbs per message (two inputs); out: 4 limbs per hash. Messages enter when the core
// has a free slot, so this returns the cycles for the whole batch.
uint64_t zkt_poseidon(void* p, const uint64_t* in, size_t n, uint64_t* out) {
  Tb& tb = *static_cast<Tb*>(p);
  auto* t = tb.top.get();
  size_t fed = 0, got = 0;
  uint64_t cycle = 0;
  const uint64_t max_cycles = 100 * n + 10000;
  while (got < n && cycle < max_cycles) {
    t->ps_valid = fed < n;
    if (fed < n) {
      wide_set(t->ps_in0, in + 8 * fed, 4);
      wide_set(t->ps_in1, in + 8 * fed + 4, 4);
    }
    tb.eval_low();
    bool accepted = fed < n && t->ps_ready;
    if (t->ps_out_valid) wide_get(t->ps_hash, out + 4 * got++, 4);
    t->clk = 1;
    t->eval();
    if (accepted) fed++;
    cycle++;
  }
  t->ps_valid = 0;
  tb.edge();
  return got == n ? cycle : 0;
}
}
