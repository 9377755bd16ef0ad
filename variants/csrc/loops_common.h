// Shared by the compiled time loops: BLAS on row-major matrices and the activations.
//
// Numerics: float32 uses branch-free exp/tanh polynomials (Cephes expf/tanhf, about 1-2 ulp) so
// that the pointwise loops vectorise without -ffast-math; float64 uses the C library's exp/tanh.
// NaN and ±inf propagate as in torch (a diverging trial stays visibly diverged).
#pragma once

#include <ATen/Parallel.h>
#include <torch/extension.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

extern "C" {
// Fortran BLAS, exported by libtorch_cpu (MKL on x86-64 builds; it follows torch's thread count).
void sgemm_(const char* ta, const char* tb, const int* m, const int* n, const int* k,
            const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
            const float* beta, float* c, const int* ldc);
void dgemm_(const char* ta, const char* tb, const int* m, const int* n, const int* k,
            const double* alpha, const double* a, const int* lda, const double* b,
            const int* ldb, const double* beta, double* c, const int* ldc);
}

namespace odyssey {

// ---- BLAS on row-major matrices ------------------------------------------------------------

inline void blas(char ta, char tb, int m, int n, int k, const float* a, int lda, const float* b,
                 int ldb, float beta, float* c, int ldc) {
  const float one = 1.0f;
  sgemm_(&ta, &tb, &m, &n, &k, &one, a, &lda, b, &ldb, &beta, c, &ldc);
}

inline void blas(char ta, char tb, int m, int n, int k, const double* a, int lda,
                 const double* b, int ldb, double beta, double* c, int ldc) {
  const double one = 1.0;
  dgemm_(&ta, &tb, &m, &n, &k, &one, a, &lda, b, &ldb, &beta, c, &ldc);
}

// C (rows x r, ld ldc) += Y (rows x k, ld ldy) Wt, Wt (k x r) row-major: the recurrent term with
// W^T copied once per call, so that every per-step product is a plain ('N', 'N') call.
template <typename T>
inline void add_times_wt(T* c, int ldc, const T* y, int ldy, const T* wt, int r, int k,
                         int rows) {
  blas('N', 'N', r, rows, k, wt, r, y, ldy, T(1), c, ldc);
}

// C (rows x k, ld ldc) = beta C + D (rows x r, ld ldd) W, W (r x k) row-major: its transpose.
template <typename T>
inline void times_w(T* c, int ldc, const T* d, int ldd, const T* w, int r, int k, int rows,
                    T beta) {
  blas('N', 'N', k, rows, r, w, k, d, ldd, beta, c, ldc);
}

// ---- threads ---------------------------------------------------------------------------------

// Rows of one step are independent: split them over torch's intra-op threads (so a worker's
// threads_per_worker is respected) when the step is large enough to pay for the fork and join,
// about 2048 elements per thread. Small steps (batch size 1) run inline on the calling thread.
template <typename F>
inline void parallel_rows(int rows, int n, const F& f) {
  const int64_t grain = std::max<int64_t>(1, (2048 + n - 1) / n);
  if (rows <= grain) {
    f(0, rows);
    return;
  }
  at::parallel_for(0, rows, grain, [&](int64_t b0, int64_t b1) { f(int(b0), int(b1)); });
}

// ---- activations ------------------------------------------------------------------------------

inline float exp_f(float x) {
  // Clamp so that 2^n stays a normal float; NaN passes both comparisons unchanged.
  x = x > 88.0f ? 88.0f : x;
  x = x < -87.0f ? -87.0f : x;
  // n = round(x / ln 2) by the 1.5 * 2^23 trick (no floorf call, so the loop vectorises).
  const float fx = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(fx) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float sigmoid_f(float x) { return 1.0f / (1.0f + exp_f(-x)); }

inline float tanh_f(float x) {
  const float ax = __builtin_fabsf(x);
  const float s = x * x;
  float small = -5.70498872745e-3f;
  small = small * s + 2.06390887954e-2f;
  small = small * s - 5.37397155531e-2f;
  small = small * s + 1.33314422036e-1f;
  small = small * s - 3.33332819422e-1f;
  small = small * s * x + x;
  const float big = __builtin_copysignf(1.0f - 2.0f / (exp_f(2.0f * ax) + 1.0f), x);
  return ax < 0.625f ? small : big;
}

inline float act_sigmoid(float x) { return sigmoid_f(x); }
inline float act_tanh(float x) { return tanh_f(x); }
inline double act_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double act_tanh(double x) { return std::tanh(x); }

// One-line errors for tensors the loops cannot take (the Python side normally prevents them).
// Sum over time and batch (dims 0 and 1) of a (T, B, n) tensor. A named IntArrayRef, since a
// braced list is ambiguous between dims and names in some torch versions' headers (2.11).
inline at::Tensor sum_time_batch(const at::Tensor& x) {
  static const int64_t dims[2] = {0, 1};
  return x.sum(at::IntArrayRef(dims, 2));
}

inline void check_cpu(const at::Tensor& x, const char* name, const at::Tensor& like) {
  TORCH_CHECK(x.device().is_cpu(), "compiled loop: ", name, " must be on the CPU");
  TORCH_CHECK(x.scalar_type() == like.scalar_type(), "compiled loop: ", name, " has dtype ",
              x.scalar_type(), ", expected ", like.scalar_type());
  TORCH_CHECK(x.is_contiguous(), "compiled loop: ", name, " must be contiguous");
}

}  // namespace odyssey
