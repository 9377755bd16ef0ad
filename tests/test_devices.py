"""Tests of odyssey.training.devices: device strings, SLURM GPUs, threads, autocast."""

from __future__ import annotations

import pytest
import torch

from odyssey.training import devices

HAS_CUDA = torch.cuda.is_available()


def test_cpu_and_auto_without_gpu() -> None:
    assert devices.select_device("cpu") == "cpu"
    assert devices.select_device(" CPU ") == "cpu"
    if not HAS_CUDA:
        assert devices.select_device("auto", worker_index=3) == "cpu"


@pytest.mark.skipif(HAS_CUDA, reason="checks the message shown when no GPU is visible")
def test_cuda_without_gpu_fails_in_one_line() -> None:
    with pytest.raises(ValueError, match="no CUDA GPU is visible; use device: cpu"):
        devices.select_device("cuda:0")


def test_bad_device_names_fail_in_one_line() -> None:
    for bad in ("gpu", "cuda:x", "tpu:0"):
        with pytest.raises(ValueError, match="is not one of auto, cpu, cuda or cuda:N"):
            devices.select_device(bad)


def test_slurm_allocation_becomes_cuda_visible_devices() -> None:
    env = {"SLURM_JOB_GPUS": "2,3"}
    assert devices.apply_slurm_gpus(env) == "2,3"
    assert env["CUDA_VISIBLE_DEVICES"] == "2,3"
    env = {"SLURM_STEP_GPUS": "1", "SLURM_JOB_GPUS": "0,1", "CUDA_VISIBLE_DEVICES": "5"}
    assert devices.apply_slurm_gpus(env) == "5"  # an explicit setting wins
    assert devices.apply_slurm_gpus({}) is None


def test_threads_and_cpu_autocast_is_a_no_op() -> None:
    before = torch.get_num_threads()
    try:
        devices.set_threads(1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    with pytest.raises(ValueError, match="threads must be at least 1"):
        devices.set_threads(0)
    with devices.autocast("cpu", True):
        assert (torch.ones(2) @ torch.ones(2)).dtype == torch.float32


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU")
def test_cuda_device_round_robin_and_bf16_autocast() -> None:
    count = torch.cuda.device_count()
    assert devices.select_device("auto", worker_index=count + 1) == f"cuda:{1 % count}"
    assert devices.select_device("cuda:0") == "cuda:0"
    with devices.autocast("cuda:0", True):
        a = torch.ones(4, 4, device="cuda:0")
        assert (a @ a).dtype == torch.bfloat16


def test_a_gpu_trial_runs_deterministic_float32_not_tf32() -> None:
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    before = (cudnn.deterministic, cudnn.benchmark, cudnn.allow_tf32, matmul.allow_tf32)
    try:
        cudnn.allow_tf32 = matmul.allow_tf32 = True
        devices.configure_determinism("cpu")  # the CPU has no such switches: nothing changes
        assert cudnn.allow_tf32 and matmul.allow_tf32
        devices.configure_determinism("cuda:0")  # setting the flags needs no GPU
        assert cudnn.deterministic and not cudnn.benchmark
        assert not cudnn.allow_tf32 and not matmul.allow_tf32
    finally:
        cudnn.deterministic, cudnn.benchmark, cudnn.allow_tf32, matmul.allow_tf32 = before
