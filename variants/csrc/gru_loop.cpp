// The GRU's time loop on the CPU (torch.nn.GRU's equations, variants/gru.py), forward and the
// hand-written BPTT backward of variants/gru_scan.py, with hh = R h' + [0, 0, b_Rn]:
//
//   r = σ(x_r + hh_r)    u = σ(x_u + hh_u)    n = tanh(x_n + r ⊙ hh_n)    h = n + u ⊙ (h' - n)
//
//   δh^t = Δ^t + R^T δhh^{t+1} + u^{t+1} ⊙ δh^{t+1}
//   δn̄ = δh ⊙ (1 - u) ⊙ (1 - n²)    δū = δh ⊙ (h' - n) ⊙ σ'(u)    δr̄ = δn̄ ⊙ hh_n ⊙ σ'(r)
//   δhh = [δr̄, δū, δn̄ ⊙ r]          δx = [δr̄, δū, δn̄]
//
// Per step: one BLAS product and one vectorised pass over each row; no per-step allocation.
// Layout (time-major, row-major): xp, acts (r, u, n) and hh (T, B, 3N); hs (T, B, N).

#include <vector>

#include "loops_common.h"

namespace odyssey {
namespace {

template <typename T>
void gru_forward_rows(int n, T* a, const T* hh, const T* hp, T* h, int b0, int b1) {
  for (int b = b0; b < b1; ++b) {
    T* __restrict r = a + int64_t(b) * 3 * n;
    T* __restrict u = r + n;
    T* __restrict c = r + 2 * n;  // the candidate n
    const T* __restrict hr = hh + int64_t(b) * 3 * n;
    const T* __restrict hu = hr + n;
    const T* __restrict hn = hr + 2 * n;
    const T* __restrict hprev = hp + int64_t(b) * n;
    T* __restrict hb = h + int64_t(b) * n;
    for (int j = 0; j < n; ++j) {
      const T rv = act_sigmoid(r[j] + hr[j]);
      const T uv = act_sigmoid(u[j] + hu[j]);
      const T cv = act_tanh(c[j] + rv * hn[j]);
      r[j] = rv;
      u[j] = uv;
      c[j] = cv;
      hb[j] = cv + uv * (hprev[j] - cv);
    }
  }
}

template <typename T>
void gru_backward_rows(int n, const T* a, const T* hh, const T* hp, const T* dh, T* dhh, T* dx,
                       int b0, int b1) {
  for (int b = b0; b < b1; ++b) {
    const int64_t o = int64_t(b) * 3 * n;
    const T* __restrict r = a + o;
    const T* __restrict u = r + n;
    const T* __restrict c = r + 2 * n;
    const T* __restrict hn = hh + o + 2 * n;
    const T* __restrict hprev = hp + int64_t(b) * n;
    const T* __restrict d = dh + int64_t(b) * n;
    T* __restrict dr = dhh + o;
    T* __restrict du = dr + n;
    T* __restrict dhn = dr + 2 * n;
    T* __restrict xr = dx + o;
    T* __restrict xu = xr + n;
    T* __restrict xn = xr + 2 * n;
    for (int j = 0; j < n; ++j) {
      const T uv = u[j], cv = c[j], rv = r[j];
      const T dn = d[j] * (T(1) - uv) * (T(1) - cv * cv);
      const T duv = d[j] * (hprev[j] - cv) * uv * (T(1) - uv);
      const T drv = dn * hn[j] * rv * (T(1) - rv);
      dr[j] = drv;
      du[j] = duv;
      dhn[j] = dn * rv;
      xr[j] = drv;
      xu[j] = duv;
      xn[j] = dn;
    }
  }
}

template <typename T>
void gru_run_forward(T* acts, const at::Tensor& w_hh, const T* b_rn, T* hh0, bool keep_hh, T* hs,
                     int t_len, int rows, int n) {
  const int64_t step = int64_t(rows) * 3 * n, nstep = int64_t(rows) * n;
  const at::Tensor w_t = w_hh.t().contiguous();  // (N, 3N)
  const T* wt = w_t.data_ptr<T>();
  std::vector<T> zeros(static_cast<size_t>(nstep), T(0));
  for (int t = 0; t < t_len; ++t) {
    T* hh = keep_hh ? hh0 + t * step : hh0;
    for (int b = 0; b < rows; ++b) {  // hh = [0, 0, b_Rn] (+ R h' below)
      T* row = hh + int64_t(b) * 3 * n;
      std::fill(row, row + 2 * n, T(0));
      std::memcpy(row + 2 * n, b_rn, sizeof(T) * size_t(n));
    }
    const T* hp = t > 0 ? hs + (t - 1) * nstep : zeros.data();
    if (t > 0) add_times_wt<T>(hh, 3 * n, hp, n, wt, 3 * n, n, rows);
    T* a = acts + t * step;
    T* h = hs + t * nstep;
    parallel_rows(rows, n, [&](int b0, int b1) { gru_forward_rows<T>(n, a, hh, hp, h, b0, b1); });
  }
}

template <typename T>
void gru_run_backward(const at::Tensor& w_hh, const T* hs, const T* acts, const T* hh,
                      const T* d_hs, T* dhh, T* dx, int t_len, int rows, int n) {
  const int64_t step = int64_t(rows) * 3 * n, nstep = int64_t(rows) * n;
  const T* w = w_hh.data_ptr<T>();
  std::vector<T> zeros(static_cast<size_t>(nstep), T(0));
  std::vector<T> dh(static_cast<size_t>(nstep)), dh_next(static_cast<size_t>(nstep), T(0));
  for (int t = t_len - 1; t >= 0; --t) {
    if (d_hs) {
      std::memcpy(dh.data(), d_hs + t * nstep, sizeof(T) * size_t(nstep));
    } else {
      std::fill(dh.begin(), dh.end(), T(0));
    }
    if (t + 1 < t_len) {
      times_w<T>(dh.data(), n, dhh + (t + 1) * step, 3 * n, w, 3 * n, n, rows, T(1));
      const T* u_next = acts + (t + 1) * step;
      for (int b = 0; b < rows; ++b) {  // + u^{t+1} ⊙ δh^{t+1}
        const T* __restrict u = u_next + int64_t(b) * 3 * n + n;
        T* __restrict d = dh.data() + int64_t(b) * n;
        const T* __restrict dn = dh_next.data() + int64_t(b) * n;
        for (int j = 0; j < n; ++j) d[j] += u[j] * dn[j];
      }
    }
    const T* hp = t > 0 ? hs + (t - 1) * nstep : zeros.data();
    parallel_rows(rows, n, [&](int b0, int b1) {
      gru_backward_rows<T>(n, acts + t * step, hh + t * step, hp, dh.data(), dhh + t * step,
                           dx + t * step, b0, b1);
    });
    std::swap(dh, dh_next);
  }
}

}  // namespace

// Forward: returns hs (T, B, N), acts (T, B, 3N) and hh (T, B, 3N), the last two empty when
// keep=false (evaluation: the activations overwrite xp in place, hh lives for one step only).
std::vector<at::Tensor> gru_forward(at::Tensor xp, at::Tensor w_hh, at::Tensor b_rn, bool keep) {
  check_cpu(xp, "xp", xp);
  check_cpu(w_hh, "w_hh", xp);
  check_cpu(b_rn, "b_rn", xp);
  TORCH_CHECK(xp.dim() == 3 && xp.size(2) % 3 == 0, "compiled loop: xp must be (T, B, 3N)");
  const int64_t t_len = xp.size(0), rows = xp.size(1), n = xp.size(2) / 3;
  TORCH_CHECK(w_hh.size(0) == 3 * n && w_hh.size(1) == n, "compiled loop: w_hh shape");
  at::Tensor acts = keep ? xp.clone() : xp;
  at::Tensor hh = keep ? at::empty_like(xp) : at::empty({rows, 3 * n}, xp.options());
  at::Tensor hs = at::empty({t_len, rows, n}, xp.options());
  AT_DISPATCH_FLOATING_TYPES(xp.scalar_type(), "gru_loop_forward", [&] {
    gru_run_forward<scalar_t>(acts.data_ptr<scalar_t>(), w_hh, b_rn.data_ptr<scalar_t>(),
                              hh.data_ptr<scalar_t>(), keep, hs.data_ptr<scalar_t>(), int(t_len),
                              int(rows), int(n));
  });
  if (!keep) return {hs, at::Tensor(), at::Tensor()};
  return {hs, acts, hh};
}

// Backward: returns δxp (T, B, 3N), δw_hh (3N, N), δb_Rn (N).
std::vector<at::Tensor> gru_backward(at::Tensor w_hh, at::Tensor hs, at::Tensor acts,
                                     at::Tensor hh, c10::optional<at::Tensor> d_hs) {
  for (const auto* x : {&w_hh, &hs, &hh}) check_cpu(*x, "saved tensor", acts);
  if (d_hs) check_cpu(*d_hs, "grad of hs", acts);
  const int64_t t_len = acts.size(0), rows = acts.size(1), n = acts.size(2) / 3;
  at::Tensor dhh = at::empty_like(acts);
  at::Tensor dx = at::empty_like(acts);
  AT_DISPATCH_FLOATING_TYPES(acts.scalar_type(), "gru_loop_backward", [&] {
    gru_run_backward<scalar_t>(w_hh, hs.data_ptr<scalar_t>(), acts.data_ptr<scalar_t>(),
                               hh.data_ptr<scalar_t>(),
                               d_hs ? d_hs->data_ptr<scalar_t>() : nullptr,
                               dhh.data_ptr<scalar_t>(), dx.data_ptr<scalar_t>(), int(t_len),
                               int(rows), int(n));
  });
  // Weight gradients: one product over all steps (step 0 saw h' = 0).
  at::Tensor d_w_hh = dhh.narrow(0, 1, t_len - 1).reshape({-1, 3 * n}).t().mm(
      hs.narrow(0, 0, t_len - 1).reshape({-1, n}));
  at::Tensor d_b_rn = sum_time_batch(dhh.narrow(2, 2 * n, n));
  return {dx, d_w_hh, d_b_rn};
}

}  // namespace odyssey
