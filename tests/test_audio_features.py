"""Tests of tasks/audio_features.py on signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from tasks import audio_features as af


def test_preemphasis_and_framing() -> None:
    x = np.array([1.0, 2.0, 4.0, 8.0])
    np.testing.assert_allclose(af.preemphasis(x), [1.0, 2 - 0.97, 4 - 1.94, 8 - 3.88])
    assert af.n_frames(399) == 0 and af.n_frames(400) == 1 and af.n_frames(8000) == 48
    frames = af.frame_signal(np.arange(1000.0), 400, 160)
    assert frames.shape == (4, 400)  # 1 + (1000 - 400) // 160
    assert frames[2, 0] == 320 and frames[3, -1] == 480 + 399


def test_deltas_on_a_known_input() -> None:
    t = np.arange(6.0)
    f = np.stack([t**2, 3 * t], axis=1)  # (6, 2)
    d = af.deltas(f)
    # central differences (f[t+1] - f[t-1]) / 2 = 2t inside; one-sided at the ends
    np.testing.assert_allclose(d[:, 0], [1.0, 2.0, 4.0, 6.0, 8.0, 9.0])
    np.testing.assert_allclose(d[:, 1], 3.0)
    np.testing.assert_allclose(af.deltas(d)[:, 1], 0.0)
    assert af.deltas(np.ones((1, 3))).tolist() == [[0.0, 0.0, 0.0]]


def test_filterbank_and_dct() -> None:
    fb = af.mel_filterbank(40, 2048, 16000)
    assert fb.shape == (40, 1025) and fb.min() >= 0 and np.all(fb.max(axis=1) > 0.9)
    d = af.dct_matrix(40, 40)
    np.testing.assert_allclose(d @ d.T, np.eye(40), atol=1e-12)  # orthonormal
    # a 1 kHz tone excites most the filter whose centre is nearest 1 kHz
    tone = np.sin(2 * np.pi * 1000 * np.arange(400) / 16000) * np.hamming(400)
    energies = fb @ (np.abs(np.fft.rfft(tone, 2048)) ** 2)
    mel = lambda f: 2595 * np.log10(1 + f / 700)  # noqa: E731
    centres = 700 * (10 ** (np.linspace(0, mel(8000), 42)[1:-1] / 2595) - 1)
    assert int(np.argmax(energies)) == int(np.argmin(np.abs(centres - 1000)))


@pytest.mark.parametrize("n_fft", [512, 2048])
def test_mfcc_shapes_and_energy(n_fft: int) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=8000) * 100
    feats = af.speech_features(x, 16000, n_fft=n_fft)
    assert feats.shape == (48, 39)
    np.testing.assert_allclose(feats[:, 13:26], af.deltas(feats[:, :13]))
    np.testing.assert_allclose(feats[:, 26:], af.deltas(feats[:, 13:26]))
    # the energy term of a constant signal: after pre-emphasis every sample but the first is 0.03c
    c = 1000.0
    static = af.mfcc(np.full(800, c), 16000, n_fft=n_fft)
    expected = np.log(np.sum((0.03 * c * np.hamming(400)) ** 2))
    assert static[1, 0] == pytest.approx(expected, rel=1e-9)
    c0 = af.mfcc(x, 16000, n_fft=n_fft, energy="c0")
    np.testing.assert_allclose(c0[:, 1:], feats[:, 1:13])
    assert not np.allclose(c0[:, 0], feats[:, 0])
    with pytest.raises(ValueError):
        af.mfcc(x, energy="nope")
