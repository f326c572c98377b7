// Copies between little-endian u64 limbs and Verilator's 32-bit-word wide signals.
#pragma once
#include <cstddef>
#include <cstdint>

template <typename W>
inline void wide_set(W& w, const uint64_t* limbs, size_t nlimbs, size_t word_off = 0) {
  for (size_t i = 0; i < nlimbs; i++) {
    w[word_off + 2 * i] = static_cast<uint32_t>(limbs[i]);
    w[word_off + 2 * i + 1] = static_cast<uint32_t>(limbs[i] >> 32);
  }
}

template <typename W>
inline void wide_get(const W& w, uint64_t* limbs, size_t nlimbs, size_t word_off = 0) {
  for (size_t i = 0; i < nlimbs; i++) {
    limbs[i] = static_cast<uint64_t>(w[word_off + 2 * i]) | (static_cast<uint64_t>(w[word_off + 2 * i + 1]) << 32);
  }
}

template <typename W>
inline void wide_zero(W& w, size_t nwords) {
  for (size_t i = 0; i < nwords; i++) w[i] = 0;
}
