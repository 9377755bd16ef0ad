"""MFCC features of the TIMIT setup of Greff et al. (2017), reference section 2.

Per utterance (16 kHz): pre-emphasis y[n] = x[n] - 0.97 x[n-1] over the whole signal; frames of
400 samples (25 ms) every 160 samples (10 ms), only frames that fit entirely into the signal
(``1 + (N - 400) // 160`` frames); Hamming window; power spectrum of an ``n_fft``-point FFT
(default 2048, as in the authors' code; 512 also common); 40 triangular mel filters (HTK mel
scale 2595 log10(1 + f / 700), 0 Hz to the Nyquist frequency); natural log (floored at 1e-10);
orthonormal DCT-II; coefficients 1..12 plus an energy term = 13 static features; then the first
and second time derivatives by ``numpy.gradient`` along time (central differences, one-sided at the
ends, as in the authors' pylstm code) = 39 features.

Energy term (option ``energy``): ``"log"`` (default; the paper's "12 MFCC + energy") is the log of
the sum of squares of the windowed, pre-emphasised frame; ``"c0"`` uses the 0-th cepstral
coefficient instead (what the authors' MFCC code kept).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "deltas",
    "dct_matrix",
    "frame_signal",
    "mel_filterbank",
    "mfcc",
    "n_frames",
    "preemphasis",
    "speech_features",
]

LOG_FLOOR = 1e-10


def preemphasis(signal: np.ndarray, coef: float = 0.97) -> np.ndarray:
    """y[0] = x[0], y[n] = x[n] - coef * x[n - 1]: (N,) -> (N,)."""
    x = np.asarray(signal, dtype=np.float64)
    out = x.copy()
    out[1:] -= coef * x[:-1]
    return out


def n_frames(n_samples: int, frame_len: int = 400, shift: int = 160) -> int:
    """Number of whole frames of ``frame_len`` samples every ``shift`` samples."""
    return 0 if n_samples < frame_len else 1 + (n_samples - frame_len) // shift


def frame_signal(signal: np.ndarray, frame_len: int = 400, shift: int = 160) -> np.ndarray:
    """(N,) -> (n_frames, frame_len): frame i covers samples [i * shift, i * shift + frame_len)."""
    n = n_frames(len(signal), frame_len, shift)
    idx = np.arange(frame_len)[None, :] + shift * np.arange(n)[:, None]  # (n, frame_len)
    return np.asarray(signal, dtype=np.float64)[idx]


def _hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)


def mel_filterbank(n_mels: int = 40, n_fft: int = 2048, sample_rate: int = 16000) -> np.ndarray:
    """Triangular filters equally spaced on the mel scale, 0 Hz .. sample_rate / 2.

    Returns (n_mels, n_fft // 2 + 1) weights; filter m rises from centre m-1 to centre m and falls
    to centre m+1 (peak 1), evaluated at the FFT bin frequencies.
    """
    edges = _mel_to_hz(np.linspace(0.0, _hz_to_mel(sample_rate / 2.0), n_mels + 2))  # (M+2,)
    freqs = np.arange(n_fft // 2 + 1) * sample_rate / n_fft  # (K,)
    lo, centre, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]  # (M, 1) each
    rising = (freqs[None, :] - lo) / (centre - lo)  # (M, K)
    falling = (hi - freqs[None, :]) / (hi - centre)  # (M, K)
    return np.clip(np.minimum(rising, falling), 0.0, None)


def dct_matrix(n_out: int, n_in: int) -> np.ndarray:
    """Orthonormal DCT-II rows 0..n_out-1 for inputs of length n_in: (n_out, n_in)."""
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    d = np.sqrt(2.0 / n_in) * np.cos(np.pi * k * (2 * n + 1) / (2 * n_in))
    d[0] /= np.sqrt(2.0)
    return d


def mfcc(
    signal: np.ndarray,
    sample_rate: int = 16000,
    *,
    frame_len: int = 400,
    shift: int = 160,
    n_fft: int = 2048,
    n_mels: int = 40,
    n_ceps: int = 12,
    preemph: float = 0.97,
    energy: str = "log",
) -> np.ndarray:
    """Static features (n_frames, n_ceps + 1): [energy term, c1..c_n_ceps] (see module doc)."""
    if energy not in ("log", "c0"):
        raise ValueError(f"energy must be 'log' or 'c0', got {energy!r}")
    if n_fft < frame_len:
        raise ValueError(f"n_fft ({n_fft}) must be at least frame_len ({frame_len})")
    frames = frame_signal(preemphasis(signal, preemph), frame_len, shift)  # (F, L)
    frames = frames * np.hamming(frame_len)[None, :]  # (F, L)
    power = np.abs(np.fft.rfft(frames, n=n_fft, axis=1)) ** 2  # (F, n_fft/2+1)
    mel = power @ mel_filterbank(n_mels, n_fft, sample_rate).T  # (F, M)
    ceps = np.log(np.maximum(mel, LOG_FLOOR)) @ dct_matrix(n_ceps + 1, n_mels).T  # (F, n_ceps+1)
    if energy == "log":
        ceps[:, 0] = np.log(np.maximum((frames**2).sum(axis=1), LOG_FLOOR))  # (F,)
    return ceps


def deltas(features: np.ndarray) -> np.ndarray:
    """Time derivative by ``numpy.gradient`` along axis 0: (T, D) -> (T, D); zeros if T < 2."""
    f = np.asarray(features, dtype=np.float64)
    if f.shape[0] < 2:
        return np.zeros_like(f)
    return np.gradient(f, axis=0)


def speech_features(signal: np.ndarray, sample_rate: int = 16000, **options: object) -> np.ndarray:
    """13 static features + deltas + delta-deltas: (N,) samples -> (n_frames, 39) float64."""
    static = mfcc(signal, sample_rate, **options)  # (F, 13)
    d1 = deltas(static)
    return np.concatenate([static, d1, deltas(d1)], axis=1)  # (F, 39)
