// SPDX-License-Identifier: MIT
// Composite select kernels for AVX2 (8 floats / 16 halves per vector): the selector bytes are
// widened, compared with zero and drive a blendv. Compiled with -mavx2 -mfma; called only when
// cpu.cc reports AVX2. A select has no arithmetic, so results equal the scalar path bit for bit.
// Nothing from the standard library is instantiated here (see quickshift_simd.h for why).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "perturb/composite.h"

namespace limeshap {
namespace {

// Elements to write one by one before `out` reaches a 32-byte boundary (streaming stores need it).
inline size_t HeadCount(const void* out, size_t elementSize, size_t n) {
  const size_t mis = reinterpret_cast<uintptr_t>(out) & 31;
  if (mis == 0) return 0;
  const size_t head = (32 - mis) / elementSize;  // out is element-aligned (typed arrays are)
  return head < n ? head : n;
}

// Lanes whose selector byte is 0 (take b) are all ones.
inline __m256 HiddenF32(const uint8_t* sel) {
  const __m256i s = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sel)));
  return _mm256_castsi256_ps(_mm256_cmpeq_epi32(s, _mm256_setzero_si256()));
}
inline __m256i HiddenU16(const uint8_t* sel) {
  const __m256i s = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sel)));
  return _mm256_cmpeq_epi16(s, _mm256_setzero_si256());
}

}  // namespace

void CompositeSelectF32Avx2(float* out, const float* a, const float* b, const uint8_t* sel, size_t n, bool stream) {
  size_t i = 0;
  if (stream) {
    for (const size_t head = HeadCount(out, sizeof(float), n); i < head; ++i) out[i] = sel[i] ? a[i] : b[i];
    for (; i + 16 <= n; i += 16) {
      const __m256 r0 = _mm256_blendv_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), HiddenF32(sel + i));
      const __m256 r1 =
          _mm256_blendv_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), HiddenF32(sel + i + 8));
      _mm256_stream_ps(out + i, r0);
      _mm256_stream_ps(out + i + 8, r1);
    }
    _mm_sfence();
  } else {
    for (; i + 16 <= n; i += 16) {
      const __m256 r0 = _mm256_blendv_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), HiddenF32(sel + i));
      const __m256 r1 =
          _mm256_blendv_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), HiddenF32(sel + i + 8));
      _mm256_storeu_ps(out + i, r0);
      _mm256_storeu_ps(out + i + 8, r1);
    }
  }
  for (; i < n; ++i) out[i] = sel[i] ? a[i] : b[i];
}

void CompositeSelectU16Avx2(uint16_t* out, const uint16_t* a, const uint16_t* b, const uint8_t* sel, size_t n,
                            bool stream) {
  size_t i = 0;
  if (stream) {
    for (const size_t head = HeadCount(out, sizeof(uint16_t), n); i < head; ++i) out[i] = sel[i] ? a[i] : b[i];
    for (; i + 16 <= n; i += 16) {
      const __m256i r =
          _mm256_blendv_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i)),
                             _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)), HiddenU16(sel + i));
      _mm256_stream_si256(reinterpret_cast<__m256i*>(out + i), r);
    }
    _mm_sfence();
  } else {
    for (; i + 16 <= n; i += 16) {
      const __m256i r =
          _mm256_blendv_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i)),
                             _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)), HiddenU16(sel + i));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), r);
    }
  }
  for (; i < n; ++i) out[i] = sel[i] ? a[i] : b[i];
}

}  // namespace limeshap
