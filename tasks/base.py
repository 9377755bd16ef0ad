"""Task base class, batches, and the shared loss / metric / cache / RNG helpers of every task.

Contract: ``docs/contracts.md`` (section *tasks*). Conventions follow Greff et al. 2017
(``reference/greff2017.md``): the loss is summed over the valid time steps of a sequence and
averaged over the sequences of a batch (section 3 of the reference); the NLL metric of the music
task weighs every real time step equally (Boulanger-Lewandowski et al. 2012, reference 6.4);
IAM-OnDB uses CTC with best-path decoding and the character error rate (reference section 2).

A concrete task subclasses :class:`Task`, sets the class attributes (or instance attributes in
``__init__``) and implements :meth:`Task._build_split`. Everything else (splits cache, collate,
loss, default metrics, ``info``) is shared here.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

SPLITS: tuple[str, str, str] = ("train", "valid", "test")
OUTPUT_KINDS = ("softmax", "sigmoid", "linear", "ctc")
TARGET_KINDS = ("per_step", "final")
DIRECTIONS = ("minimize", "maximize")


class DataError(ValueError):
    """Absent, corrupt or inconsistent task data; the message is one line saying how to fix it."""


# --------------------------------------------------------------------------------------------
# Examples and batches
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One sequence of a split.

    ``x``: (T, F) float32 inputs. ``y``: the target, as a numpy array:
    per-step class ids (T,) int64 or per-step vectors (T, K) float32; a final class id () int64
    or a final vector (K,) float32; for CTC the label sequence (L,) int64.
    ``extra``: optional per-example arrays that a task's metric needs (collated like ``y`` when
    they have a time axis of length T, else stacked).
    """

    x: np.ndarray
    y: np.ndarray
    extra: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Batch:
    """A padded batch. ``x`` (B, T, F) float32, ``lengths`` (B,) int64, ``mask`` (B, T) bool.

    ``y``: per_step (B, T) int64 or (B, T, K) float32 (zeros at padding); final (B,) int64 or
    (B, K) float32; ctc (B, L) int64 labels padded with 0, with ``y_lengths`` (B,) int64.
    ``extra``: task-specific tensors (e.g. a recall mask), moved with the batch by :meth:`to`.
    """

    x: torch.Tensor
    lengths: torch.Tensor
    mask: torch.Tensor
    y: torch.Tensor
    y_lengths: torch.Tensor | None = None
    extra: dict[str, torch.Tensor] = field(default_factory=dict)

    def to(self, device: str | torch.device) -> Batch:
        """Return a copy of the batch on ``device`` (lengths included)."""
        return Batch(
            x=self.x.to(device),
            lengths=self.lengths.to(device),
            mask=self.mask.to(device),
            y=self.y.to(device),
            y_lengths=None if self.y_lengths is None else self.y_lengths.to(device),
            extra={k: v.to(device) for k, v in self.extra.items()},
        )

    def __len__(self) -> int:
        return int(self.x.shape[0])


def pad_arrays(arrays: Sequence[np.ndarray], pad_value: float = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pad arrays of shape (T_i, ...) along axis 0 to (B, T_max, ...); return (padded, lengths)."""
    if len(arrays) == 0:
        raise ValueError("pad_arrays: got no arrays; pass at least one example")
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)  # (B,)
    tail = arrays[0].shape[1:]
    for a in arrays:
        if a.shape[1:] != tail:
            raise ValueError(f"pad_arrays: inconsistent trailing shapes {tail} and {a.shape[1:]}")
    out = np.full((len(arrays), int(lengths.max()), *tail), pad_value, dtype=arrays[0].dtype)
    for i, a in enumerate(arrays):
        out[i, : a.shape[0]] = a
    return out, lengths


def length_mask(lengths: torch.Tensor, max_len: int | None = None) -> torch.Tensor:
    """(B,) lengths -> (B, T) bool mask, True at the valid steps t < length."""
    t = int(lengths.max()) if max_len is None else max_len
    steps = torch.arange(t, device=lengths.device)  # (T,)
    return steps.unsqueeze(0) < lengths.unsqueeze(1)  # (B, T)


def collate_examples(examples: Sequence[Example], target_kind: str, output_kind: str) -> Batch:
    """Pad a list of examples into a :class:`Batch` (see the class for shapes)."""
    if len(examples) == 0:
        raise ValueError("collate: got an empty list of examples; pass at least one")
    xs = [np.asarray(e.x, dtype=np.float32) for e in examples]
    if any(x.ndim != 2 or x.shape[0] == 0 for x in xs):
        raise ValueError("collate: every example's x must be a non-empty (T, F) array")
    x, lengths = pad_arrays(xs)  # (B, T, F), (B,)
    lengths_t = torch.from_numpy(lengths)
    mask = length_mask(lengths_t, x.shape[1])  # (B, T)
    y_lengths = None
    if output_kind == "ctc":
        labels = [np.asarray(e.y, dtype=np.int64).reshape(-1) for e in examples]
        y_lengths = torch.tensor([len(lab) for lab in labels], dtype=torch.int64)  # (B,)
        y_np = np.zeros((len(labels), max(1, int(y_lengths.max()))), dtype=np.int64)  # (B, L)
        for i, lab in enumerate(labels):
            y_np[i, : len(lab)] = lab
        y = torch.from_numpy(y_np)
    elif target_kind == "per_step":
        ys = [np.asarray(e.y) for e in examples]
        for e, yy in zip(xs, ys, strict=True):
            if yy.shape[0] != e.shape[0]:
                raise ValueError("collate: per-step target length differs from input length")
        y = torch.from_numpy(pad_arrays(ys)[0])  # (B, T) or (B, T, K)
    else:
        y = torch.from_numpy(np.stack([np.asarray(e.y) for e in examples]))  # (B,) or (B, K)
    if y.dtype == torch.float64:
        y = y.float()
    extra: dict[str, torch.Tensor] = {}
    for key in examples[0].extra:
        vals = [np.asarray(e.extra[key]) for e in examples]
        if all(v.ndim >= 1 and v.shape[0] == xx.shape[0] for v, xx in zip(vals, xs, strict=True)):
            extra[key] = torch.from_numpy(pad_arrays(vals)[0])
        else:
            extra[key] = torch.from_numpy(np.stack(vals))
    return Batch(torch.from_numpy(x), lengths_t, mask, y, y_lengths, extra)


# --------------------------------------------------------------------------------------------
# Masked losses (each returns one value per sequence: (B,), summed over its valid steps)
# --------------------------------------------------------------------------------------------


def last_step(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(B, T, K) outputs -> (B, K): each sequence's output at its last valid step."""
    idx = (lengths.to(outputs.device) - 1).clamp(min=0)  # (B,)
    return outputs[torch.arange(outputs.shape[0], device=outputs.device), idx]  # (B, K)


def masked_cross_entropy(
    logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Softmax cross-entropy per step, (B, T, K) logits and (B, T) class ids -> (B,) sums."""
    ce = F.cross_entropy(logits.transpose(1, 2), targets.long(), reduction="none")  # (B, T)
    return (ce * mask).sum(dim=1)  # (B,)


def masked_binary_cross_entropy(
    logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Sigmoid BCE summed over units (the NLL of a multi-label frame), masked: (B, T, K) -> (B,)."""
    bce = F.binary_cross_entropy_with_logits(logits, targets.to(logits.dtype), reduction="none")
    return (bce.sum(dim=2) * mask).sum(dim=1)  # (B,)


def masked_squared_error(
    predictions: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Squared error summed over units and valid steps: (B, T, K) -> (B,)."""
    se = (predictions - targets.to(predictions.dtype)).pow(2).sum(dim=2)  # (B, T)
    return (se * mask).sum(dim=1)  # (B,)


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Softmax cross-entropy of one output per sequence: (B, K), (B,) -> (B,)."""
    return F.cross_entropy(logits, targets.long(), reduction="none")


def binary_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Sigmoid BCE of one output per sequence, summed over units: (B, K) -> (B,)."""
    bce = F.binary_cross_entropy_with_logits(logits, targets.to(logits.dtype), reduction="none")
    return bce.sum(dim=1)


def squared_error(predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Squared error of one output per sequence, summed over units: (B, K), (B, K) -> (B,)."""
    return (predictions - targets.to(predictions.dtype).reshape(predictions.shape)).pow(2).sum(1)


def ctc_loss_per_sequence(
    logits: torch.Tensor,
    lengths: torch.Tensor,
    labels: torch.Tensor,
    label_lengths: torch.Tensor,
    blank: int = 0,
) -> torch.Tensor:
    """CTC negative log-likelihood of each label sequence: (B, T, K) logits -> (B,).

    Uses ``torch.nn.functional.ctc_loss`` with ``reduction="none"`` (no division by the label
    length), so the value is the sequence's total loss as in Graves et al. 2006. Impossible
    alignments (label longer than the input allows) give ``inf``; they are zeroed here so a single
    short sequence cannot blow up a batch (``zero_infinity``).
    """
    log_probs = F.log_softmax(logits.float(), dim=2).transpose(0, 1)  # (T, B, K)
    return F.ctc_loss(
        log_probs,
        labels,
        lengths.to(torch.int64),
        label_lengths.to(torch.int64),
        blank=blank,
        reduction="none",
        zero_infinity=True,
    )  # (B,)


# --------------------------------------------------------------------------------------------
# Metric helpers (numerator, denominator) so totals can be summed across batches
# --------------------------------------------------------------------------------------------


def count_errors(
    logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor | None
) -> tuple[float, float]:
    """Classification errors by argmax: per-step (B, T, K) with a (B, T) mask, or (B, K)."""
    wrong = logits.argmax(dim=-1) != targets.long()  # (B, T) or (B,)
    if mask is None:
        return float(wrong.sum()), float(wrong.numel())
    return float((wrong & mask).sum()), float(mask.sum())


def nll_per_step_sums(
    logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor, output_kind: str
) -> tuple[float, float]:
    """Total NLL over all valid steps and the number of valid steps (every step weighs the same).

    ``output_kind`` "sigmoid" (multi-label frames, BCE summed over units) or "softmax".
    The per-time-step NLL of a split is ``sum(num) / sum(den)`` over its batches, which is the
    Boulanger-Lewandowski convention (longer sequences count more), not a mean of sequence means.
    """
    if output_kind == "sigmoid":
        per_seq = masked_binary_cross_entropy(logits, targets, mask)
    elif output_kind == "softmax":
        per_seq = masked_cross_entropy(logits, targets, mask)
    else:
        raise ValueError(
            f"nll_per_step_sums: output_kind must be sigmoid or softmax, not {output_kind}"
        )
    return float(per_seq.sum()), float(mask.sum())


def best_path_decode(
    logits: torch.Tensor, lengths: torch.Tensor, blank: int = 0
) -> list[list[int]]:
    """CTC best-path decoding: argmax per valid step, merge repeats, drop blanks: (B, T, K)."""
    best = logits.argmax(dim=2).cpu().numpy()  # (B, T)
    out: list[list[int]] = []
    for row, n in zip(best, lengths.cpu().tolist(), strict=True):
        seq: list[int] = []
        prev = -1
        for s in row[:n].tolist():
            if s != prev and s != blank:
                seq.append(s)
            prev = s
        out.append(seq)
    return out


def edit_distance(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Levenshtein distance (insertions, deletions, substitutions each cost 1)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1]


def ctc_error_sums(
    logits: torch.Tensor,
    lengths: torch.Tensor,
    labels: torch.Tensor,
    label_lengths: torch.Tensor,
    blank: int = 0,
) -> tuple[float, float]:
    """Summed edit distance of best-path decodings to the labels, and the summed label length.

    Their ratio over a split is the character error rate (CER) of Greff et al. (IAM-OnDB).
    """
    decoded = best_path_decode(logits, lengths, blank)
    errors = 0
    for hyp, lab, n in zip(
        decoded, labels.cpu().tolist(), label_lengths.cpu().tolist(), strict=True
    ):
        errors += edit_distance(hyp, lab[:n])
    return float(errors), float(label_lengths.sum())


# --------------------------------------------------------------------------------------------
# Seeds and caches
# --------------------------------------------------------------------------------------------


def check_int(what: str, value: Any, low: int) -> int:
    """Return ``value`` as an int if it is an integer >= ``low``; else a one-line ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{what} must be an int >= {low}, got {value!r}")
    return int(value)


def make_rng(seed: int, *stream: str | int) -> np.random.Generator:
    """A numpy Generator for (seed, stream...), stable across processes and Python versions.

    Streams are strings or ints (e.g. ``make_rng(seed, "adding", "train")``); strings enter via
    CRC32, so the same arguments always give the same numbers and different streams are independent.
    """
    check_int("seed", seed, 0)
    words = [int(seed)]
    for s in stream:
        words.append(zlib.crc32(s.encode()) if isinstance(s, str) else int(s))
    return np.random.default_rng(np.random.SeedSequence(words))


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_sha256(path: str | Path, expected: str, how_to_get: str) -> Path:
    """Check that ``path`` exists and has SHA-256 ``expected``; else raise a one-line DataError."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"data file {p} is missing; {how_to_get}")
    actual = sha256_file(p)
    if actual != expected.lower():
        raise DataError(
            f"data file {p} has sha256 {actual[:12]}..., expected {expected[:12]}...; "
            f"it is corrupt or a different version: {how_to_get}"
        )
    return p


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask, read without changing it where the system allows.

    Linux reports it in ``/proc/self/status``; elsewhere it is set and restored at once under a lock
    (``os.umask`` can only be read by setting it).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Create ``path`` atomically: ``write(tmp)`` fills a temp file beside it, then it is renamed.

    If ``write`` raises, the temp file is removed and ``path`` is untouched, so a cache never holds
    a half-written file. The file gets the mode a plain ``open(path, "w")`` would give it
    (0o666 less the umask), not the temp file's private 0o600, so a shared cache stays readable by
    the other users the umask allows. Returns ``path``.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return p


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + rename)."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def save_arrays_atomic(path: str | Path, arrays: Mapping[str, np.ndarray]) -> str:
    """Save arrays as an uncompressed ``.npz`` atomically; return the file's SHA-256.

    Store the returned digest next to it (e.g. in a JSON manifest) and check it on load with
    :func:`load_arrays_verified`.
    """

    def _write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)

    atomic_write(path, _write)
    return sha256_file(path)


def load_arrays_verified(
    path: str | Path, sha256: str | None, how_to_get: str
) -> dict[str, np.ndarray]:
    """Load an ``.npz`` written by :func:`save_arrays_atomic`, verifying its SHA-256 if given."""
    p = Path(path)
    if sha256 is not None:
        verify_sha256(p, sha256, how_to_get)
    elif not p.is_file():
        raise DataError(f"data file {p} is missing; {how_to_get}")
    try:
        with np.load(p, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError) as exc:
        raise DataError(f"data file {p} is unreadable ({exc}); {how_to_get}") from exc


SIZES_RULE: dict[str, Any] = {
    "type": ["object", "array", "null"],
    "propertyNames": {"enum": list(SPLITS)},
    "additionalProperties": {"type": "integer", "minimum": 1},
    "items": {"type": "integer", "minimum": 1},
    "minItems": 3,
    "maxItems": 3,
}
"""The rule of a ``sizes`` option: a dict of split sizes or a (train, valid, test) triple, >= 1."""


def default_option_rule(name: str, default: Any) -> dict[str, Any]:
    """The JSON-Schema rule of an option judged by its name and default (see
    :meth:`Task.option_rules`): ``seed`` an int >= 0, ``sizes`` split sizes, otherwise the type
    of the default (any value where the default is None)."""
    if name == "seed":
        return {"type": "integer", "minimum": 0}
    if name == "sizes":
        return dict(SIZES_RULE)
    for kind, schema_type in ((bool, "boolean"), (int, "integer"), (float, "number")):
        if isinstance(default, kind):
            return {"type": schema_type}
    if isinstance(default, str):
        return {"type": "string"}
    if isinstance(default, Mapping):
        return {"type": "object"}
    return {}


def resolve_sizes(
    sizes: Mapping[str, int] | Sequence[int] | None, default: Mapping[str, int]
) -> dict[str, int]:
    """Split sizes from a dict (missing keys default) or a (train, valid, test) triple."""
    out = dict(default)
    if sizes is None:
        return out
    if isinstance(sizes, Mapping):
        unknown = set(sizes) - set(SPLITS)
        if unknown:
            raise ValueError(f"sizes: unknown split(s) {sorted(unknown)}; use train, valid, test")
        out.update(sizes)
    else:
        vals = list(sizes)
        if len(vals) != 3:
            raise ValueError(f"sizes must be (train, valid, test) or a dict, got {sizes!r}")
        out = dict(zip(SPLITS, vals, strict=True))
    return {k: check_int(f"sizes[{k!r}]", v, 1) for k, v in out.items()}


# --------------------------------------------------------------------------------------------
# The Task base class
# --------------------------------------------------------------------------------------------


class Task:
    """A sequence task: data splits, collate, loss, metrics and the suggested network shape.

    Subclasses set the attributes below and implement :meth:`_build_split`. The defaults of
    :meth:`loss` and :meth:`score` follow ``output_kind`` and ``target_kind``:

    - loss: softmax -> cross-entropy, sigmoid -> BCE summed over units, linear -> squared error
      summed over units, ctc -> CTC; per_step sums over valid steps, final takes the last valid
      step; then the mean over the sequences of the batch.
    - score: ``loss`` (num = summed loss, den = number of sequences) always; softmax -> ``error``
      (per valid step or per sequence); sigmoid per_step -> ``nll`` per time step; linear -> ``mse``
      (per output value); ctc -> ``cer``.
    """

    name: str = "task"
    description: str = ""
    input_size: int = 0
    output_size: int = 0
    output_kind: str = "softmax"
    target_kind: str = "per_step"
    bidirectional: bool = False
    frontend: str | None = None
    frontend_options: dict[str, Any] | None = None
    #: Each step's input is a flattened image (``frontend_options["frame_shape"]`` gives its
    #: (C, H, W)): only such tasks can take a CNN front end.
    frames: bool = False
    #: The target of step t is the input of a later step (next-step prediction on every step):
    #: a backward direction would read the answer, so bidirectional models are refused.
    predicts_next_step: bool = False
    metric_name: str = "error"
    metric_direction: str = "minimize"
    #: Facts about the data a report must state (which steps are scored, what was verified), one
    #: sentence each; class-level, so they are known without loading the data.
    data_notes: tuple[str, ...] = ()
    blank: int = 0  # CTC blank index (ctc tasks only)

    def __init__(self) -> None:
        self._splits: dict[str, list[Example]] = {}

    @classmethod
    def option_rules(cls) -> dict[str, dict[str, Any]]:
        """A JSON-Schema rule for the value of each keyword option, checked when a study is
        planned, without building the task or loading data. Default: by each option's default
        (:func:`default_option_rule`); subclasses add their bounds."""
        import inspect

        params = inspect.signature(cls.__init__).parameters.values()
        return {
            p.name: default_option_rule(p.name, p.default)
            for p in params
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        }

    # ---- data ------------------------------------------------------------------------------

    def _build_split(self, name: str) -> list[Example]:
        """Build the examples of split ``name`` (deterministic). Implemented by every task."""
        raise NotImplementedError(f"{type(self).__name__} must implement _build_split")

    def split(self, name: str) -> list[Example]:
        """The examples of ``"train"``, ``"valid"`` or ``"test"`` (built once, then cached)."""
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; use one of {', '.join(SPLITS)}")
        if name not in self._splits:
            self._splits[name] = self._build_split(name)
        return self._splits[name]

    def collate(self, examples: Sequence[Example]) -> Batch:
        """Pad examples into a :class:`Batch` with a mask."""
        return collate_examples(examples, self.target_kind, self.output_kind)

    # ---- loss and metrics ------------------------------------------------------------------

    def _check_logits(self, logits: torch.Tensor, batch: Batch) -> None:
        if logits.ndim != 3 or logits.shape[0] != len(batch) or logits.shape[2] != self.output_size:
            raise ValueError(
                f"{self.name}: logits must be (B={len(batch)}, T, {self.output_size}), "
                f"got {tuple(logits.shape)}"
            )

    def sequence_losses(self, logits: torch.Tensor, batch: Batch) -> torch.Tensor:
        """Loss of each sequence of the batch, summed over its valid steps: (B, T, K) -> (B,)."""
        self._check_logits(logits, batch)
        mask = batch.mask.to(logits.device)
        if self.output_kind == "ctc":
            assert batch.y_lengths is not None
            return ctc_loss_per_sequence(
                logits, batch.lengths, batch.y, batch.y_lengths, self.blank
            )
        if self.target_kind == "final":
            out = last_step(logits, batch.lengths)  # (B, K)
            if self.output_kind == "softmax":
                return cross_entropy(out, batch.y)
            if self.output_kind == "sigmoid":
                return binary_cross_entropy(out, batch.y)
            return squared_error(out, batch.y)
        if self.output_kind == "softmax":
            return masked_cross_entropy(logits, batch.y, mask)
        if self.output_kind == "sigmoid":
            return masked_binary_cross_entropy(logits, batch.y, mask)
        y = batch.y if batch.y.ndim == 3 else batch.y.unsqueeze(2)  # (B, T, K)
        return masked_squared_error(logits, y, mask)

    def loss(self, logits: torch.Tensor, batch: Batch) -> torch.Tensor:
        """Scalar training loss: per-sequence sums over valid steps, mean over the batch."""
        return self.sequence_losses(logits, batch).mean()

    @torch.no_grad()
    def score(self, logits: torch.Tensor, batch: Batch) -> dict[str, tuple[float, float]]:
        """Numerator and denominator of every metric on this batch (sum them over a split)."""
        per_seq = self.sequence_losses(logits, batch)
        out: dict[str, tuple[float, float]] = {"loss": (float(per_seq.sum()), float(len(batch)))}
        mask = batch.mask.to(logits.device)
        if self.output_kind == "ctc":
            assert batch.y_lengths is not None
            out["cer"] = ctc_error_sums(logits, batch.lengths, batch.y, batch.y_lengths, self.blank)
        elif self.output_kind == "softmax":
            if self.target_kind == "final":
                out["error"] = count_errors(last_step(logits, batch.lengths), batch.y, None)
            else:
                out["error"] = count_errors(logits, batch.y, mask)
                out["nll"] = (float(per_seq.sum()), float(mask.sum()))
        elif self.output_kind == "sigmoid":
            if self.target_kind == "per_step":
                out["nll"] = (float(per_seq.sum()), float(mask.sum()))
        else:  # linear
            if self.target_kind == "final":
                n_values = float(len(batch) * self.output_size)
            else:
                n_values = float(mask.sum()) * self.output_size
            out["mse"] = (float(per_seq.sum()), n_values)
        return out

    def finalize(self, name: str, numerator: float, denominator: float) -> float:
        """Turn a metric's totals over a split into its value (default numerator / denominator)."""
        if denominator == 0:
            return float("nan")
        return float(numerator) / float(denominator)

    # ---- description -----------------------------------------------------------------------

    def loss_description(self) -> str:
        """One line naming the training loss."""
        kind = {
            "softmax": "softmax cross-entropy",
            "sigmoid": "sigmoid binary cross-entropy summed over units",
            "linear": "squared error summed over outputs",
            "ctc": "CTC negative log-likelihood",
        }[self.output_kind]
        where = "summed over valid steps" if self.target_kind == "per_step" else "at the last step"
        if self.output_kind == "ctc":
            where = "per sequence"
        return f"{kind}, {where}, mean over sequences"

    def info(self) -> dict[str, Any]:
        """Sizes, sequence-length statistics, widths, loss, metric and direction of the task."""
        sizes: dict[str, int] = {}
        lengths: dict[str, dict[str, float]] = {}
        for s in SPLITS:
            ex = self.split(s)
            sizes[s] = len(ex)
            ls = np.array([e.x.shape[0] for e in ex], dtype=np.float64)
            lengths[s] = {
                "min": float(ls.min()) if len(ls) else 0.0,
                "mean": float(ls.mean()) if len(ls) else 0.0,
                "max": float(ls.max()) if len(ls) else 0.0,
                "total": float(ls.sum()),
            }
        return {
            "name": self.name,
            "description": self.description,
            "sizes": sizes,
            "lengths": lengths,
            "input_size": self.input_size,
            "output_size": self.output_size,
            "output_kind": self.output_kind,
            "target_kind": self.target_kind,
            "bidirectional": self.bidirectional,
            "frontend": self.frontend,
            "frontend_options": self.frontend_options,
            "loss": self.loss_description(),
            "metric": self.metric_name,
            "direction": self.metric_direction,
        }


class GeneratedTask(Task):
    """A task whose splits are generated from a seed: each split has its own RNG stream.

    ``make_rng(seed, name, split)`` seeds split ``split``, so a split's data does not depend on
    which other splits were built first, and the three splits are independent draws.
    Subclasses implement :meth:`_generate`.
    """

    default_sizes: dict[str, int] = {"train": 1000, "valid": 256, "test": 256}

    def __init__(self, *, seed: int = 0, sizes: Mapping[str, int] | Sequence[int] | None = None):
        super().__init__()
        make_rng(seed)  # validates the seed
        self.seed = int(seed)
        self.sizes = resolve_sizes(sizes, self.default_sizes)

    def _generate(self, rng: np.random.Generator, n: int, split: str) -> list[Example]:
        """Draw ``n`` examples of split ``split`` from ``rng``."""
        raise NotImplementedError(f"{type(self).__name__} must implement _generate")

    def _build_split(self, name: str) -> list[Example]:
        return self._generate(make_rng(self.seed, self.name, name), self.sizes[name], name)
