// The Python module of the compiled time loops (built by variants/native.py).

#include <vector>

#include "loops_common.h"

namespace odyssey {
std::vector<at::Tensor> gated_forward(at::Tensor xp, at::Tensor w_hh,
                                      c10::optional<at::Tensor> peep,
                                      c10::optional<at::Tensor> gmat,
                                      std::vector<int64_t> layout, bool keep);
std::vector<at::Tensor> gated_backward(at::Tensor w_hh, c10::optional<at::Tensor> peep,
                                       c10::optional<at::Tensor> gmat, at::Tensor ys,
                                       at::Tensor cells, c10::optional<at::Tensor> hcs,
                                       at::Tensor acts, c10::optional<at::Tensor> d_ys,
                                       c10::optional<at::Tensor> d_cells,
                                       std::vector<int64_t> layout);
std::vector<at::Tensor> gru_forward(at::Tensor xp, at::Tensor w_hh, at::Tensor b_rn, bool keep);
std::vector<at::Tensor> gru_backward(at::Tensor w_hh, at::Tensor hs, at::Tensor acts,
                                     at::Tensor hh, c10::optional<at::Tensor> d_hs);
}  // namespace odyssey

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "LSTM Odyssey: compiled CPU time loops of the recurrent cells, with hand-written BPTT";
  m.def("gated_forward", &odyssey::gated_forward,
        "gated cell loop: (xp, w_hh, peephole, gate_hh, layout, keep) -> ys, cells, hcs, acts");
  m.def("gated_backward", &odyssey::gated_backward,
        "gated cell BPTT -> d xp, d w_hh, d peephole, d gate_hh");
  m.def("gru_forward", &odyssey::gru_forward, "GRU loop: (xp, w_hh, b_rn, keep) -> hs, acts, hh");
  m.def("gru_backward", &odyssey::gru_backward, "GRU BPTT -> d xp, d w_hh, d b_rn");
}
