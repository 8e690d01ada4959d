// SPDX-License-Identifier: MIT
// Composite select kernels for AVX-512 (16 floats / 32 halves per vector): the selector bytes become
// a mask register (vptestmb) and drive a mask blend. Compiled with -mavx512f/bw/vl; called only when
// cpu.cc reports AVX-512. A select has no arithmetic, so results equal the scalar path bit for bit.
// Nothing from the standard library is instantiated here (see quickshift_simd.h for why).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "perturb/composite.h"

namespace limeshap {
namespace {

// Elements to write one by one before `out` reaches a 64-byte boundary (streaming stores need it).
inline size_t HeadCount(const void* out, size_t elementSize, size_t n) {
  const size_t mis = reinterpret_cast<uintptr_t>(out) & 63;
  if (mis == 0) return 0;
  const size_t head = (64 - mis) / elementSize;  // out is element-aligned (typed arrays are)
  return head < n ? head : n;
}

}  // namespace

namespace {

// The float32 select loop, with streaming (non-temporal, aligned) or ordinary stores.
template <bool kStream>
inline size_t SelectF32Blocks(float* out, const float* a, const float* b, const uint8_t* sel, size_t i, size_t n) {
  auto store = [out](size_t at, __m512 v) {
    if constexpr (kStream) {
      _mm512_stream_ps(out + at, v);
    } else {
      _mm512_storeu_ps(out + at, v);
    }
  };
  for (; i + 32 <= n; i += 32) {
    const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sel + i));
    const __mmask32 k = _mm256_test_epi8_mask(s, s);
    store(i, _mm512_mask_blend_ps(static_cast<__mmask16>(k), _mm512_loadu_ps(b + i), _mm512_loadu_ps(a + i)));
    store(i + 16, _mm512_mask_blend_ps(static_cast<__mmask16>(k >> 16), _mm512_loadu_ps(b + i + 16),
                                       _mm512_loadu_ps(a + i + 16)));
  }
  for (; i + 16 <= n; i += 16) {
    const __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(sel + i));
    const __mmask16 k = _mm_test_epi8_mask(s, s);
    store(i, _mm512_mask_blend_ps(k, _mm512_loadu_ps(b + i), _mm512_loadu_ps(a + i)));
  }
  return i;
}

}  // namespace

void CompositeSelectF32Avx512(float* out, const float* a, const float* b, const uint8_t* sel, size_t n, bool stream) {
  size_t i = 0;
  if (stream) {
    // Streaming stores need 64-byte alignment: the head is done one element at a time.
    for (const size_t head = HeadCount(out, sizeof(float), n); i < head; ++i) out[i] = sel[i] ? a[i] : b[i];
    i = SelectF32Blocks<true>(out, a, b, sel, i, n);
    _mm_sfence();
  } else {
    i = SelectF32Blocks<false>(out, a, b, sel, i, n);
  }
  for (; i < n; ++i) out[i] = sel[i] ? a[i] : b[i];
}

void CompositeSelectU16Avx512(uint16_t* out, const uint16_t* a, const uint16_t* b, const uint8_t* sel, size_t n,
                              bool stream) {
  size_t i = 0;
  if (stream) {
    for (const size_t head = HeadCount(out, sizeof(uint16_t), n); i < head; ++i) out[i] = sel[i] ? a[i] : b[i];
    for (; i + 32 <= n; i += 32) {
      const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sel + i));
      const __mmask32 k = _mm256_test_epi8_mask(s, s);
      const __m512i r = _mm512_mask_blend_epi16(k, _mm512_loadu_si512(b + i), _mm512_loadu_si512(a + i));
      _mm512_stream_si512(reinterpret_cast<__m512i*>(out + i), r);
    }
    _mm_sfence();
  } else {
    for (; i + 32 <= n; i += 32) {
      const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sel + i));
      const __mmask32 k = _mm256_test_epi8_mask(s, s);
      const __m512i r = _mm512_mask_blend_epi16(k, _mm512_loadu_si512(b + i), _mm512_loadu_si512(a + i));
      _mm512_storeu_si512(out + i, r);
    }
  }
  for (; i < n; ++i) out[i] = sel[i] ? a[i] : b[i];
}

}  // namespace limeshap
