#!/usr/bin/env bash
# The checks that need a CUDA GPU, in one run (CI has none): the gpu-marked tests (device choice
# and bfloat16 autocast; every cell on CUDA against the CPU, stacked and bidirectional, in float32
# and float16 autocast; a trial on CUDA against the same trial on the CPU, and with --amp), one
# `odyssey train --device cuda --amp` from the command line, then every cell's training step
# against cuDNN's nn.LSTM (bench/bench_variants.py --device cuda).
#   bash scripts/gpu_check.sh [OUT_DIR]         # default results/gpu-check
#   PYTHON=python3 bash scripts/gpu_check.sh    # another interpreter (torch, numpy, yaml, pytest)
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
out=${1:-results/gpu-check}
mkdir -p "$out"
"$py" - <<'PY'
import torch
if not torch.cuda.is_available():
    raise SystemExit("error: no CUDA GPU is visible to torch; run this on a machine with one")
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}")
PY
PYTHONUNBUFFERED=1 "$py" -m pytest -m gpu -p no:cacheprovider -rA \
  tests/test_devices.py tests/test_network.py tests/test_trial.py tests/test_bench_variants.py \
  2>&1 | tee "$out/tests.log"
"$py" -m odyssey train --task adding --task-option lag=100 --variant V \
  --hidden-size 64 --learning-rate 1e-3 --max-epochs 3 --batch-size 16 --device cuda --amp \
  --compact >"$out/train-cuda-amp.json" 2>"$out/train-cuda-amp.log"
echo "odyssey train --device cuda --amp: $(head -c 400 "$out/train-cuda-amp.json")"
PYTHONUNBUFFERED=1 "$py" bench/bench_variants.py --device cuda --repeats 5 --out "$out/variants-cuda"
