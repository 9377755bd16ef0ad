"""Functional ANOVA of a random forest as in the paper (Greff et al. 2017, Sec. V-B, Figs. 4-6).

Method (Hutter, Hoos & Leyton-Brown 2014, "An efficient approach for assessing hyperparameter
importance"):

1. A regression random forest of 100 trees (scikit-learn ``RandomForestRegressor`` with its
   defaults: bootstrap, all features at every split, unlimited depth; as the authors' ``hyperimp``
   code) predicts the test metric from the transformed hyperparameters: log10 learning rate,
   log10(1 - momentum), log10 hidden size and the input noise std.
2. Every tree is a piecewise-constant function over the bounded box of the transformed space with
   the uniform measure. Its leaves are boxes; the decomposition is computed exactly per tree from
   those boxes: for a subset u of dimensions, the marginal ``a_u(x_u)`` is the sum over leaves of
   ``value * volume fraction outside u * [x_u inside the leaf's u-box]``. It is constant on the
   grid cells cut by the tree's own split points in u, so the variances of the main effects ``f_d =
   a_d - f_0`` and of the pairwise terms ``f_ab = a_ab - f_a - f_b - f_0`` are exact sums over
   those cells, weighted by their widths. The total variance is exact from the leaf values and
   volumes; "higher order" is the rest (all 3- and 4-way terms).
3. The shares (``V_u / V``) are computed per tree and averaged over trees (trees with zero variance
   are skipped), as in Hutter et al.; their standard deviation across trees is kept. Marginal
   curves are the mean of the per-tree marginals, with a band of one standard deviation across
   trees (the paper's model uncertainty, reference section 5.4).

The box (the uniform measure of the decomposition) is the study's configured search space when it
is given (config ``tasks.<task>.search_space``, e.g. the paper's lr [1e-6, 1e-2], 1 - momentum
[0.01, 1], hidden size [20, 200], noise [0, 1]), widened to the data if needed; without it, the
observed range of the trials, which approaches the configured box as random-search trials
accumulate and never includes regions that no trial explored (the quick study searches narrower
ranges than the paper).
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor


@dataclass(frozen=True)
class Dimension:
    """One transformed hyperparameter: trials-table column, search-space key, label, transform.

    The paper's bounds are those of :data:`odyssey.study.space.PAPER_SPACE`, transformed.
    """

    column: str
    key: str
    label: str

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Map raw values of ``column`` into the fANOVA space (paper Fig. 6 axes)."""
        values = np.asarray(values, dtype=float)
        if self.column == "momentum":
            return np.log10(np.clip(1.0 - values, 1e-12, None))
        if self.key == "input_noise":
            return values
        return np.log10(np.clip(values, 1e-300, None))

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """Map fANOVA-space values back to raw hyperparameter values."""
        values = np.asarray(values, dtype=float)
        if self.column == "momentum":
            return 1.0 - 10.0**values
        if self.key == "input_noise":
            return values
        return 10.0**values


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("learning_rate", "learning_rate", "log10 learning rate"),
    Dimension("momentum", "one_minus_momentum", "log10(1 - momentum)"),
    Dimension("hidden_size", "hidden_size", "log10 hidden size"),
    Dimension("input_noise", "input_noise", "input noise std"),
)
KEYS: tuple[str, ...] = tuple(d.key for d in DIMENSIONS)
PAIRS: tuple[tuple[int, int], ...] = tuple(itertools.combinations(range(len(DIMENSIONS)), 2))


def design_matrix(trials: pd.DataFrame) -> np.ndarray:
    """The (n, 4) matrix of transformed hyperparameters of ``trials``."""
    return np.column_stack([d.transform(trials[d.column].to_numpy()) for d in DIMENSIONS])


def space_bounds(x: np.ndarray, search_space: dict | None = None) -> np.ndarray:
    """(4, 2) bounds in the transformed space (module docstring).

    ``search_space`` uses the config's layout: ``{"learning_rate": {"low": .., "high": ..}, ...}``
    with keys :data:`KEYS` (``one_minus_momentum`` bounds 1 - momentum); keys left out fall back
    to the observed range. A dimension without spread gets a unit-wide box (it is never split).
    """
    x = np.asarray(x, dtype=float)
    bounds = np.full((len(DIMENSIONS), 2), np.nan)
    if len(x):
        bounds[:, 0], bounds[:, 1] = x.min(axis=0), x.max(axis=0)
    for i, dim in enumerate(DIMENSIONS):
        rng = (search_space or {}).get(dim.key)
        if rng and "low" in rng and "high" in rng:
            low, high = float(rng["low"]), float(rng["high"])
            if dim.key != "input_noise":
                low, high = math.log10(max(low, 1e-300)), math.log10(max(high, 1e-300))
            bounds[i, 0] = np.nanmin([low, bounds[i, 0]])
            bounds[i, 1] = np.nanmax([high, bounds[i, 1]])
    bounds = np.nan_to_num(bounds, nan=0.0)
    flat = bounds[:, 1] <= bounds[:, 0]
    bounds[flat, 1] = bounds[flat, 0] + 1.0
    return bounds


@dataclass
class _TreeBoxes:
    """The leaves of one tree as boxes: lows/highs (L, D) clipped to the bounds, values (L,)."""

    lows: np.ndarray
    highs: np.ndarray
    values: np.ndarray


def _leaf_boxes(tree, bounds: np.ndarray) -> _TreeBoxes:
    """Walk a fitted sklearn tree and return its leaves as boxes within ``bounds``."""
    t = tree.tree_
    lows, highs, values = [], [], []
    stack = [(0, bounds[:, 0].copy(), bounds[:, 1].copy())]
    while stack:
        node, lo, hi = stack.pop()
        left, right = t.children_left[node], t.children_right[node]
        if left == right:  # leaf
            lows.append(lo)
            highs.append(hi)
            values.append(float(t.value[node].ravel()[0]))
            continue
        d, thr = int(t.feature[node]), float(t.threshold[node])
        thr_c = min(max(thr, lo[d]), hi[d])
        lo_l, hi_l = lo.copy(), hi.copy()
        hi_l[d] = thr_c
        lo_r, hi_r = lo.copy(), hi.copy()
        lo_r[d] = thr_c
        stack.append((left, lo_l, hi_l))
        stack.append((right, lo_r, hi_r))
    return _TreeBoxes(np.array(lows), np.array(highs), np.array(values))


class ForestAnova:
    """A fitted forest with the exact per-tree functional ANOVA (module docstring)."""

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        *,
        n_trees: int = 100,
        seed: int = 0,
        search_space: dict | None = None,
    ) -> None:
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        if self.x.ndim != 2 or len(self.x) != len(self.y) or len(self.y) < 2:
            raise ValueError("fANOVA needs at least two trials with finite metric values")
        self.bounds = space_bounds(self.x, search_space)
        self.span = self.bounds[:, 1] - self.bounds[:, 0]
        self.forest = RandomForestRegressor(n_estimators=n_trees, random_state=seed, n_jobs=1)
        self.forest.fit(self.x, self.y)
        self.trees = [_leaf_boxes(est, self.bounds) for est in self.forest.estimators_]

    # -- per-tree building blocks -------------------------------------------------------------
    def _widths(self, tb: _TreeBoxes) -> np.ndarray:
        """(L, D) fractions of each dimension's range covered by each leaf."""
        return (tb.highs - tb.lows) / self.span

    def _cells(self, tb: _TreeBoxes, d: int) -> tuple[np.ndarray, np.ndarray]:
        """Midpoints and width fractions of the cells cut by the tree's split points in ``d``."""
        edges = np.unique(np.concatenate([tb.lows[:, d], tb.highs[:, d]]))
        edges = edges[(edges >= self.bounds[d, 0]) & (edges <= self.bounds[d, 1])]
        widths = np.diff(edges) / self.span[d]
        keep = widths > 0
        return ((edges[:-1] + edges[1:]) / 2.0)[keep], widths[keep]

    @staticmethod
    def _inside(tb: _TreeBoxes, d: int, points: np.ndarray) -> np.ndarray:
        """(L, P) indicator: point p lies in leaf l's interval of dimension d."""
        lo = tb.lows[:, d][:, None]
        hi = tb.highs[:, d][:, None]
        return ((points[None, :] >= lo) & (points[None, :] < hi)) | (
            (points[None, :] == hi) & (hi == points.max())
        )

    def _weights_outside(self, widths: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        """(L,) product of width fractions over the dimensions not in ``dims``."""
        others = [k for k in range(widths.shape[1]) if k not in dims]
        return np.prod(widths[:, others], axis=1) if others else np.ones(len(widths))

    def _marginal_1d(self, tb: _TreeBoxes, widths: np.ndarray, d: int, pts: np.ndarray):
        """a_d at ``pts`` for one tree."""
        w = tb.values * self._weights_outside(widths, (d,))
        return w @ self._inside(tb, d, pts)

    def _marginal_2d(self, tb, widths, a: int, b: int, pa: np.ndarray, pb: np.ndarray):
        """a_ab on the grid ``pa x pb`` for one tree, shape (len(pa), len(pb))."""
        w = tb.values * self._weights_outside(widths, (a, b))
        ia = self._inside(tb, a, pa).astype(float)
        ib = self._inside(tb, b, pb).astype(float)
        return (ia * w[:, None]).T @ ib

    # -- decomposition ----------------------------------------------------------------------------
    def shares(self) -> dict:
        """Variance shares of the main effects, the pairs and the rest, mean and std over trees.

        Returns ``{"main": {key: (mean, std)}, "pairs": {"a|b": (mean, std)},
        "higher_order": (mean, std), "trees_used": int}``.
        """
        mains, pairs, rest = [], [], []
        for tb in self.trees:
            widths = self._widths(tb)
            vol = np.prod(widths, axis=1)
            f0 = float(vol @ tb.values)
            total = float(vol @ tb.values**2) - f0**2
            if total <= 1e-12 * max(1.0, f0**2):
                continue
            main_effects, main_var = {}, np.zeros(len(DIMENSIONS))
            for d in range(len(DIMENSIONS)):
                mid, wd = self._cells(tb, d)
                fd = self._marginal_1d(tb, widths, d, mid) - f0
                main_effects[d] = (mid, wd, fd)
                main_var[d] = float(wd @ fd**2)
            pair_var = np.zeros(len(PAIRS))
            for k, (a, b) in enumerate(PAIRS):
                ma, wa, fa = main_effects[a]
                mb, wb, fb = main_effects[b]
                fab = self._marginal_2d(tb, widths, a, b, ma, mb) - fa[:, None] - fb[None, :] - f0
                pair_var[k] = float(wa @ fab**2 @ wb)
            mains.append(main_var / total)
            pairs.append(pair_var / total)
            rest.append(1.0 - main_var.sum() / total - pair_var.sum() / total)
        if not mains:
            zero = (0.0, 0.0)
            return {
                "main": {k: zero for k in KEYS},
                "pairs": {f"{KEYS[a]}|{KEYS[b]}": zero for a, b in PAIRS},
                "higher_order": zero,
                "trees_used": 0,
            }
        mains_a, pairs_a, rest_a = np.array(mains), np.array(pairs), np.array(rest)
        return {
            "main": {
                k: (float(mains_a[:, i].mean()), float(mains_a[:, i].std()))
                for i, k in enumerate(KEYS)
            },
            "pairs": {
                f"{KEYS[a]}|{KEYS[b]}": (float(pairs_a[:, i].mean()), float(pairs_a[:, i].std()))
                for i, (a, b) in enumerate(PAIRS)
            },
            "higher_order": (float(np.clip(rest_a, 0.0, None).mean()), float(rest_a.std())),
            "trees_used": len(mains),
        }

    def marginal_curve(self, d: int, n_points: int = 60) -> pd.DataFrame:
        """Predicted test metric against one hyperparameter (paper Fig. 4): mean and std over trees.

        Columns: x (transformed), value (raw hyperparameter), mean, std.
        """
        pts = np.linspace(self.bounds[d, 0], self.bounds[d, 1], n_points)
        curves = np.array([self._marginal_1d(tb, self._widths(tb), d, pts) for tb in self.trees])
        return pd.DataFrame(
            {
                "x": pts,
                "value": DIMENSIONS[d].inverse(pts),
                "mean": curves.mean(axis=0),
                "std": curves.std(axis=0),
            }
        )

    def pair_surface(self, a: int, b: int, n_points: int = 30) -> dict:
        """Pairwise marginal (paper Fig. 6 left) and its interaction-only part (Fig. 6 right).

        Returns ``{"xa": [...], "xb": [...], "marginal": [[...]], "interaction": [[...]]}`` with
        rows over ``xa`` and columns over ``xb``; both averaged over trees.
        """
        pa = np.linspace(self.bounds[a, 0], self.bounds[a, 1], n_points)
        pb = np.linspace(self.bounds[b, 0], self.bounds[b, 1], n_points)
        marg = np.zeros((n_points, n_points))
        inter = np.zeros((n_points, n_points))
        for tb in self.trees:
            widths = self._widths(tb)
            f0 = float(np.prod(widths, axis=1) @ tb.values)
            m_ab = self._marginal_2d(tb, widths, a, b, pa, pb)
            m_a = self._marginal_1d(tb, widths, a, pa)
            m_b = self._marginal_1d(tb, widths, b, pb)
            marg += m_ab
            inter += m_ab - m_a[:, None] - m_b[None, :] + f0
        n = len(self.trees)
        return {
            "xa": pa.tolist(),
            "xb": pb.tolist(),
            "marginal": (marg / n).tolist(),
            "interaction": (inter / n).tolist(),
        }


def optuna_main_effects(
    x: np.ndarray, y: np.ndarray, *, seed: int = 0, bounds: np.ndarray | None = None
) -> dict[str, float]:
    """Optuna's own fANOVA (``FanovaImportanceEvaluator``, 100 trees) on the same transformed data.

    The trials are handed to an in-memory study with uniform distributions over the same bounded
    box, so both implementations see the same space. Optuna normalises the main effects to sum to 1.
    """
    import optuna
    from optuna.distributions import FloatDistribution
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances

    optuna.logging.set_verbosity(logging.WARNING)
    bounds = space_bounds(x) if bounds is None else bounds
    dists = {
        k: FloatDistribution(float(bounds[i, 0]), float(bounds[i, 1])) for i, k in enumerate(KEYS)
    }
    study = optuna.create_study(direction="minimize")
    study.add_trials(
        [
            optuna.trial.create_trial(
                params={k: float(row[i]) for i, k in enumerate(KEYS)},
                distributions=dists,
                value=float(value),
            )
            for row, value in zip(x, y, strict=True)
        ]
    )
    evaluator = FanovaImportanceEvaluator(n_trees=100, seed=seed)
    result = get_param_importances(study, evaluator=evaluator, normalize=True)
    return {k: float(result.get(k, 0.0)) for k in KEYS}
