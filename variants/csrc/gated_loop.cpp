// The gated cell's time loop on the CPU: forward over all steps and the hand-written BPTT backward
// (Greff et al. 2017, Sec. II-A equations, Sec. II-B deltas), for V and every ablation.
//
// Per step: one BLAS product for the recurrent term (y' R^T, and for FGR the previous gate
// activations through R_xy), then one fused pointwise pass over the batch rows. No per-step
// allocation and no per-step Python: batch size 1 (the paper's protocol) costs one small gemm and
// one short loop per step. The input projection (W x + b of every step) and the weight gradients
// are large matrix products done by the caller (variants/gated_scan.py) or at the end here.
//
// Layout (time-major, row-major): xp and acts (T, B, K N) with the K blocks in spec.blocks order
// (i, f, z, o, or i, f, o, z under FGR); ys, cells, hcs (T, B, N). acts holds the activations:
// z = g(z̄), i, f, o = σ(·). hcs holds h(c) where the output gate needs it (h = tanh, o present).
//
// Activations and BLAS: loops_common.h.

#include <vector>

#include "loops_common.h"

namespace odyssey {
namespace {

// ---- the variant's layout ---------------------------------------------------------------------

// Column blocks (-1: absent), peephole rows (-1: none) and flags, from variants/gated_scan.py.
struct Layout {
  int n, width;         // N, K N
  int z, i, f, o;       // block index of z, i, f, o
  int pi, pf, po;       // row of p_i, p_f, p_o in the peephole matrix
  bool g_tanh, h_tanh;  // g, h = tanh (else identity: NIAF, NOAF)
  bool coupled;         // CIFG: f = 1 - i
  int gate_width;       // FGR: G N columns of gate activations feed G N gate pre-activations

  Layout(const std::vector<int64_t>& v, int64_t width_)
      : n(int(v.at(0))), width(int(width_)), z(int(v.at(1))), i(int(v.at(2))),
        f(int(v.at(3))), o(int(v.at(4))), pi(int(v.at(5))), pf(int(v.at(6))),
        po(int(v.at(7))), g_tanh(v.at(8) != 0), h_tanh(v.at(9) != 0), coupled(v.at(10) != 0),
        gate_width(int(v.at(11))) {}

  // The pointwise pass is compiled once per combination used by the paper's variants (so every
  // branch below folds away and the loop vectorises) and once with run-time flags.
  int mask() const {
    return (i >= 0) | (f >= 0) << 1 | (o >= 0) << 2 | (pi >= 0 || pf >= 0 || po >= 0) << 3 |
           g_tanh << 4 | h_tanh << 5 | coupled << 6;
  }
};

constexpr int kI = 1, kF = 2, kO = 4, kP = 8, kG = 16, kH = 32, kC = 64;
constexpr int kV = kI | kF | kO | kP | kG | kH;  // also FGR: its extra terms are in the gemm

// Flags of the pointwise pass: compile-time when M >= 0, else read from the layout.
template <int M>
struct Flags {
  bool has_i, has_f, has_o, peep, g_tanh, h_tanh, coupled;
  explicit Flags(const Layout& L)
      : has_i(M >= 0 ? (M & kI) != 0 : L.i >= 0),
        has_f(M >= 0 ? (M & kF) != 0 : L.f >= 0),
        has_o(M >= 0 ? (M & kO) != 0 : L.o >= 0),
        peep(M >= 0 ? (M & kP) != 0 : (L.pi >= 0 || L.pf >= 0 || L.po >= 0)),
        g_tanh(M >= 0 ? (M & kG) != 0 : L.g_tanh),
        h_tanh(M >= 0 ? (M & kH) != 0 : L.h_tanh),
        coupled(M >= 0 ? (M & kC) != 0 : L.coupled) {}
};

// Pointers of one step's tensors, shared by both passes.
template <typename T>
struct Step {
  T* a;           // (B, K N) activations (pre-activations on entry to the forward pass)
  T* c;           // (B, N) cells at t
  const T* cp;    // (B, N) cells at t - 1 (zeros at t = 0)
  T* hc;          // (B, N) h(c) where stored, else nullptr
  T* y;           // (B, N) block outputs
  const T* p_i;   // peepholes (N) or a zero row
  const T* p_f;
  const T* p_o;
};

// ---- forward pointwise pass: Eqs. (1)-(6) of the paper on one step, all rows ----------------
// A few short passes over each row, each a branch-free loop that vectorises; the variant's
// branches are taken once per pass, outside the loops.

template <typename T>
inline void sigmoid_inplace(T* x, int n) {
  for (int j = 0; j < n; ++j) x[j] = act_sigmoid(x[j]);
}

template <typename T>
inline void tanh_into(const T* x, T* out, int n) {
  for (int j = 0; j < n; ++j) out[j] = act_tanh(x[j]);
}

template <typename T>
inline void add_product(T* x, const T* p, const T* c, int n) {  // x += p ⊙ c
  for (int j = 0; j < n; ++j) x[j] += p[j] * c[j];
}

template <typename T>
void forward_rows(const Layout& L, const Step<T>& s, int b0, int b1) {
  const int n = L.n;
  const bool has_i = L.i >= 0, has_f = L.f >= 0, has_o = L.o >= 0;
  for (int b = b0; b < b1; ++b) {
    T* a = s.a + int64_t(b) * L.width;
    T* __restrict z = a + L.z * n;
    T* __restrict i = has_i ? a + L.i * n : nullptr;
    T* __restrict f = has_f ? a + L.f * n : nullptr;
    T* __restrict o = has_o ? a + L.o * n : nullptr;
    T* __restrict c = s.c + int64_t(b) * n;
    const T* __restrict cp = s.cp + int64_t(b) * n;
    T* __restrict y = s.y + int64_t(b) * n;
    // Gates that read c^{t-1}: ī += p_i ⊙ c', f̄ += p_f ⊙ c' (c^0 = 0 adds 0 at t = 0).
    if (has_i) {
      if (L.pi >= 0) add_product(i, s.p_i, cp, n);
      sigmoid_inplace(i, n);
    }
    if (has_f) {
      if (L.pf >= 0) add_product(f, s.p_f, cp, n);
      sigmoid_inplace(f, n);
    }
    if (L.g_tanh) tanh_into(z, z, n);
    // c = z ⊙ i + c' ⊙ f, with a missing gate = 1 and CIFG's f = 1 - i.
    if (has_i && has_f) {
      for (int j = 0; j < n; ++j) c[j] = z[j] * i[j] + cp[j] * f[j];
    } else if (has_i && L.coupled) {
      for (int j = 0; j < n; ++j) c[j] = z[j] * i[j] + cp[j] * (T(1) - i[j]);
    } else if (has_i) {
      for (int j = 0; j < n; ++j) c[j] = z[j] * i[j] + cp[j];
    } else if (has_f) {
      for (int j = 0; j < n; ++j) c[j] = z[j] + cp[j] * f[j];
    } else {
      for (int j = 0; j < n; ++j) c[j] = z[j] + cp[j];
    }
    // ō += p_o ⊙ c (the new cell), y = h(c) ⊙ o.
    if (has_o) {
      if (L.po >= 0) add_product(o, s.p_o, c, n);
      sigmoid_inplace(o, n);
      if (L.h_tanh) {
        T* __restrict hc = s.hc + int64_t(b) * n;
        tanh_into(c, hc, n);
        for (int j = 0; j < n; ++j) y[j] = hc[j] * o[j];
      } else {
        for (int j = 0; j < n; ++j) y[j] = c[j] * o[j];
      }
    } else if (L.h_tanh) {
      tanh_into(c, y, n);
    } else {
      for (int j = 0; j < n; ++j) y[j] = c[j];
    }
  }
}

// ---- backward pointwise pass: the BPTT deltas of Sec. II-B on one step, all rows ------------

template <typename T>
struct BackStep {
  const T* a;     // (B, K N) activations at t
  const T* c;     // (B, N) cells at t, and at t - 1 (zeros at t = 0)
  const T* cp;
  const T* hc;    // (B, N) h(c): stored h(c), or y (no o), or c (linear h)
  const T* dy;    // (B, N) δy^t (Δ^t + R^T δpre^{t+1})
  const T* dcin;  // (B, N) gradient arriving at c^t from outside, or nullptr
  const T* dg;    // (B, G N) FGR: δ of the gate activations at t from t + 1, or nullptr
  const T* zeros; // a zero row of at least N (stands in for an absent dcin or dg)
  T* carry;       // (B, N) in: δc^{t+1} f^{t+1} + peephole terms; out: the same for t - 1
  T* dpre;        // (B, K N) out: δ of the pre-activations at t
  const T* p_i;
  const T* p_f;
  const T* p_o;
};

template <typename T, int M>
void backward_rows(const Layout& L, const BackStep<T>& s, int b0, int b1) {
  const Flags<M> F(L);
  const int n = L.n;
  const int gw = L.gate_width;
  for (int b = b0; b < b1; ++b) {
    const T* a = s.a + int64_t(b) * L.width;
    const T* zz = a + L.z * n;
    const T* ii = F.has_i ? a + L.i * n : nullptr;
    const T* ff = F.has_f ? a + L.f * n : nullptr;
    const T* oo = F.has_o ? a + L.o * n : nullptr;
    const int64_t r = int64_t(b) * n;
    const T* cp = s.cp + r;
    const T* hc = s.hc + r;
    const T* dy = s.dy + r;
    const T* dcin = s.dcin ? s.dcin + r : s.zeros;
    const T* dg = s.dg ? s.dg + int64_t(b) * gw : nullptr;
    T* carry = s.carry + r;
    T* d = s.dpre + int64_t(b) * L.width;
    T* dz = d + L.z * n;
    T* di = F.has_i ? d + L.i * n : nullptr;
    T* df = F.has_f ? d + L.f * n : nullptr;
    T* dout = F.has_o ? d + L.o * n : nullptr;
    // FGR's extra delta on each gate activation (column block order = gate order).
    const T* dgi = dg && F.has_i ? dg + L.i * n : s.zeros;
    const T* dgf = dg && F.has_f ? dg + L.f * n : s.zeros;
    const T* dgo = dg && F.has_o ? dg + L.o * n : s.zeros;
#pragma GCC ivdep
    for (int j = 0; j < n; ++j) {
      const T h = hc[j];
      const T hd = F.h_tanh ? T(1) - h * h : T(1);
      T dc = carry[j];
      T dob = T(0);
      if (F.has_o) {
        const T o = oo[j];
        const T go = dy[j] * h + dgo[j];
        dob = go * o * (T(1) - o);
        dout[j] = dob;
        dc += dy[j] * o * hd;
      } else {
        dc += dy[j] * hd;
      }
      dc += dcin[j];
      if (F.peep && F.has_o) dc += s.p_o[j] * dob;
      const T z = zz[j];
      const T gd = F.g_tanh ? T(1) - z * z : T(1);
      T i = T(1), dib = T(0);
      if (F.has_i) {
        i = ii[j];
        const T gi = dc * (F.coupled ? z - cp[j] : z) + dgi[j];
        dib = gi * i * (T(1) - i);
        di[j] = dib;
      }
      dz[j] = dc * i * gd;
      T f = T(1), dfb = T(0);
      if (F.has_f) {
        f = ff[j];
        const T gf = dc * cp[j] + dgf[j];
        dfb = gf * f * (T(1) - f);
        df[j] = dfb;
      } else if (F.coupled) {
        f = T(1) - i;
      }
      T next = dc * f;
      if (F.peep && F.has_i) next += s.p_i[j] * dib;
      if (F.peep && F.has_f) next += s.p_f[j] * dfb;
      carry[j] = next;
    }
  }
}

// ---- dispatch on the variant's flags ----------------------------------------------------------

#define ODYSSEY_MASKS(X)                                                            \
  X(kV) X(kV & ~kI) X(kV & ~kF) X(kV & ~kO) X(kV & ~kG) X(kV & ~kH) X(kV & ~kP) \
      X((kV & ~kF) | kC)

template <typename T>
void backward_step(const Layout& L, const BackStep<T>& s, int b0, int b1) {
  switch (L.mask()) {
#define ODYSSEY_CASE(m) \
  case (m):             \
    return backward_rows<T, (m)>(L, s, b0, b1);
    ODYSSEY_MASKS(ODYSSEY_CASE)
#undef ODYSSEY_CASE
    default:
      return backward_rows<T, -1>(L, s, b0, b1);
  }
}

// ---- the loops --------------------------------------------------------------------------------

template <typename T>
const T* peep_row(const c10::optional<at::Tensor>& peep, int row, const T* zeros) {
  return row >= 0 ? peep->data_ptr<T>() + int64_t(row) * peep->size(1) : zeros;
}

template <typename T>
void run_forward(const Layout& L, at::Tensor& acts, const at::Tensor& w_hh,
                 const c10::optional<at::Tensor>& peep, const c10::optional<at::Tensor>& gmat,
                 at::Tensor& ys, at::Tensor& cells, T* hcs, T* hc_scratch) {
  const int t_len = int(acts.size(0)), rows = int(acts.size(1)), n = L.n, w = L.width;
  const int64_t step = int64_t(rows) * w, nstep = int64_t(rows) * n;
  std::vector<T> zeros(static_cast<size_t>(std::max<int64_t>(nstep, n)), T(0));
  Step<T> s{};
  s.p_i = peep_row<T>(peep, L.pi, zeros.data());
  s.p_f = peep_row<T>(peep, L.pf, zeros.data());
  s.p_o = peep_row<T>(peep, L.po, zeros.data());
  T* a0 = acts.data_ptr<T>();
  T* c0 = cells.data_ptr<T>();
  T* y0 = ys.data_ptr<T>();
  const at::Tensor w_t = w_hh.t().contiguous();  // (N, K N)
  const at::Tensor g_t = gmat ? gmat->t().contiguous() : at::Tensor();  // (G N, G N)
  const T* r = w_t.data_ptr<T>();
  const T* g = gmat ? g_t.data_ptr<T>() : nullptr;
  const bool keep_hc = L.h_tanh && L.o >= 0;
  for (int t = 0; t < t_len; ++t) {
    s.a = a0 + t * step;
    if (t > 0) {
      add_times_wt<T>(s.a, w, y0 + (t - 1) * nstep, n, r, w, n, rows);  // + R y'
      if (g) add_times_wt<T>(s.a, w, s.a - step, w, g, L.gate_width, L.gate_width, rows);
    }
    s.c = c0 + t * nstep;
    s.cp = t > 0 ? s.c - nstep : zeros.data();
    s.y = y0 + t * nstep;
    s.hc = keep_hc ? (hcs ? hcs + t * nstep : hc_scratch) : nullptr;
    // c^0 = 0: the peepholes add 0 at t = 0
    parallel_rows(rows, n, [&](int b0, int b1) { forward_rows<T>(L, s, b0, b1); });
  }
}

template <typename T>
void run_backward(const Layout& L, const at::Tensor& w_hh, const c10::optional<at::Tensor>& peep,
                  const c10::optional<at::Tensor>& gmat, const at::Tensor& ys,
                  const at::Tensor& cells, const c10::optional<at::Tensor>& hcs,
                  const at::Tensor& acts, const c10::optional<at::Tensor>& d_ys,
                  const c10::optional<at::Tensor>& d_cells, at::Tensor& dpre) {
  const int t_len = int(acts.size(0)), rows = int(acts.size(1)), n = L.n, w = L.width;
  const int gw = L.gate_width;
  const int64_t step = int64_t(rows) * w, nstep = int64_t(rows) * n;
  std::vector<T> zeros(static_cast<size_t>(std::max<int64_t>(nstep, n)), T(0));
  std::vector<T> dy(static_cast<size_t>(nstep));
  std::vector<T> carry(static_cast<size_t>(nstep), T(0));
  std::vector<T> dg(static_cast<size_t>(rows) * gw);
  BackStep<T> s{};
  s.p_i = peep_row<T>(peep, L.pi, zeros.data());
  s.p_f = peep_row<T>(peep, L.pf, zeros.data());
  s.p_o = peep_row<T>(peep, L.po, zeros.data());
  s.carry = carry.data();
  s.dy = dy.data();
  s.zeros = zeros.data();
  const T* a0 = acts.data_ptr<T>();
  const T* c0 = cells.data_ptr<T>();
  // h(c): stored where h = tanh and o exists; else y (no o: y = h(c)) or c (h linear).
  const T* h0 = hcs ? hcs->data_ptr<T>() : (L.h_tanh ? ys.data_ptr<T>() : c0);
  const T* dy0 = d_ys ? d_ys->data_ptr<T>() : nullptr;
  const T* dc0 = d_cells ? d_cells->data_ptr<T>() : nullptr;
  T* d0 = dpre.data_ptr<T>();
  const T* r = w_hh.data_ptr<T>();
  const T* g = gmat ? gmat->data_ptr<T>() : nullptr;
  for (int t = t_len - 1; t >= 0; --t) {
    if (dy0) {
      std::memcpy(dy.data(), dy0 + t * nstep, sizeof(T) * size_t(nstep));
    } else {
      std::fill(dy.begin(), dy.end(), T(0));
    }
    s.dg = nullptr;
    if (t + 1 < t_len) {
      const T* dnext = d0 + (t + 1) * step;
      times_w<T>(dy.data(), n, dnext, w, r, w, n, rows, T(1));  // + R^T δpre^{t+1}
      if (g) {
        times_w<T>(dg.data(), gw, dnext, w, g, gw, gw, rows, T(0));
        s.dg = dg.data();
      }
    }
    s.a = a0 + t * step;
    s.c = c0 + t * nstep;
    s.cp = t > 0 ? s.c - nstep : zeros.data();
    s.hc = h0 + t * nstep;
    s.dcin = dc0 ? dc0 + t * nstep : nullptr;
    s.dpre = d0 + t * step;
    parallel_rows(rows, n, [&](int b0, int b1) { backward_step<T>(L, s, b0, b1); });
  }
}


// Forward: returns ys, cells (T, B, N), hcs (T, B, N) or an empty tensor, acts (T, B, K N).
// keep=false (evaluation): the activations overwrite xp in place and h(c) is not stored.
}  // namespace

std::vector<at::Tensor> gated_forward(at::Tensor xp, at::Tensor w_hh, c10::optional<at::Tensor> peep,
                                c10::optional<at::Tensor> gmat, std::vector<int64_t> layout,
                                bool keep) {
  check_cpu(xp, "xp", xp);
  check_cpu(w_hh, "w_hh", xp);
  if (peep) check_cpu(*peep, "peephole", xp);
  if (gmat) check_cpu(*gmat, "gate_hh", xp);
  TORCH_CHECK(xp.dim() == 3, "gated_loop: xp must be (T, B, K N)");
  const Layout L(layout, xp.size(2));
  TORCH_CHECK(w_hh.size(0) == L.width && w_hh.size(1) == L.n, "gated_loop: w_hh shape");
  const int64_t t_len = xp.size(0), rows = xp.size(1);
  at::Tensor acts = keep ? xp.clone() : xp;
  at::Tensor ys = at::empty({t_len, rows, L.n}, xp.options());
  at::Tensor cells = at::empty({t_len, rows, L.n}, xp.options());
  const bool keep_hc = keep && L.h_tanh && L.o >= 0;
  at::Tensor hcs = keep_hc ? at::empty({t_len, rows, L.n}, xp.options()) : at::Tensor();
  at::Tensor scratch = at::empty({rows, L.n}, xp.options());
  AT_DISPATCH_FLOATING_TYPES(xp.scalar_type(), "gated_loop_forward", [&] {
    run_forward<scalar_t>(L, acts, w_hh, peep, gmat, ys, cells,
                          keep_hc ? hcs.data_ptr<scalar_t>() : nullptr,
                          scratch.data_ptr<scalar_t>());
  });
  return {ys, cells, hcs, acts};
}

// Backward: returns δpre (T, B, K N) (= δxp), δw_hh (K N, N), δpeephole (P, N), δgate_hh.
std::vector<at::Tensor> gated_backward(at::Tensor w_hh, c10::optional<at::Tensor> peep,
                                 c10::optional<at::Tensor> gmat, at::Tensor ys, at::Tensor cells,
                                 c10::optional<at::Tensor> hcs, at::Tensor acts,
                                 c10::optional<at::Tensor> d_ys,
                                 c10::optional<at::Tensor> d_cells,
                                 std::vector<int64_t> layout) {
  for (const auto* x : {&w_hh, &ys, &cells}) check_cpu(*x, "saved tensor", acts);
  if (d_ys) check_cpu(*d_ys, "grad of ys", acts);
  if (d_cells) check_cpu(*d_cells, "grad of cells", acts);
  const Layout L(layout, acts.size(2));
  const int64_t t_len = acts.size(0), rows = acts.size(1), n = L.n, w = L.width;
  at::Tensor dpre = at::empty_like(acts);
  AT_DISPATCH_FLOATING_TYPES(acts.scalar_type(), "gated_loop_backward", [&] {
    run_backward<scalar_t>(L, w_hh, peep, gmat, ys, cells, hcs, acts, d_ys, d_cells, dpre);
  });
  // Weight gradients: one product over all steps (step 0 saw y' = 0 and no gate activations).
  at::Tensor d_later = dpre.narrow(0, 1, t_len - 1).reshape({-1, w});  // ((T-1) B, K N)
  at::Tensor d_w_hh = d_later.t().mm(ys.narrow(0, 0, t_len - 1).reshape({-1, n}));
  at::Tensor d_gmat;
  if (gmat) {
    const int64_t gw = L.gate_width;
    d_gmat = d_later.narrow(1, 0, gw).t().mm(
        acts.narrow(0, 0, t_len - 1).reshape({-1, w}).narrow(1, 0, gw));
  }
  at::Tensor d_peep;
  if (peep) {
    // ∂/∂p_i, p_f: δī, δf̄ times c^{t-1}; ∂/∂p_o: δō times c^t (summed over steps and rows).
    at::Tensor c_prev = at::cat({at::zeros_like(cells.narrow(0, 0, 1)),
                                 cells.narrow(0, 0, t_len - 1)}, 0);
    d_peep = at::zeros_like(*peep);
    const int64_t pr[3] = {L.pi, L.pf, L.po};
    const int64_t blk[3] = {L.i, L.f, L.o};
    for (int g = 0; g < 3; ++g) {
      if (pr[g] < 0) continue;
      const at::Tensor& seen = g == 2 ? cells : c_prev;
      d_peep[pr[g]].copy_(sum_time_batch(dpre.narrow(2, blk[g] * n, n) * seen));
    }
  }
  return {dpre, d_w_hh, d_peep, d_gmat};
}

}  // namespace odyssey
