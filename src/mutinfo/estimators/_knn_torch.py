"""Exact neighbour search and range counts in tiled torch kernels (GPU or CPU).

:class:`TorchSearch` has the interface of :class:`mutinfo.estimators.knn.ScipySearch`
(``knn``, ``count_le``, ``count_equal``), so every k-NN estimator runs unchanged
on it. Nothing here holds an N x N matrix: distances are computed for one tile of
query rows against one tile of reference rows at a time (at most ``tile_elements``
numbers), keeping a running top-(k + 1) per query row for the neighbour search and
a running sum for range counts. 1-D range counts use a sort and binary searches
with the same ulp-exact bound correction as the CPU path.

Work is done in float64, so distances, neighbour sets and counts equal SciPy's
bit for bit for the max-norm (Euclidean distances may differ in the last bits).
Cost: O(N^2 d / P) for the neighbour search on P parallel lanes, O(N log N) for
1-D counts; memory O(N k + tile_elements).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TorchSearch", "DEFAULT_TILE_ELEMENTS"]

# Largest number of float64 entries in one tile of pairwise differences (128 MiB).
DEFAULT_TILE_ELEMENTS = 1 << 24


@dataclass
class TorchSearch:
    """Brute-force exact k-NN and range counts on a torch device, tile by tile.

    Parameters
    ----------
    device : str
        "cuda", "cuda:N" or "cpu".
    tile_elements : int
        Upper bound on query rows x reference rows x dimensions held at once.
    """

    device: Any = "cuda"
    tile_elements: int = DEFAULT_TILE_ELEMENTS

    def __post_init__(self) -> None:
        import torch

        self.torch = torch
        self.device = torch.device(self.device)
        if self.device.type == "cuda" and not torch.cuda.is_available():
            from .._errors import ParameterError

            raise ParameterError("The `device` parameter asks for 'cuda', but torch reports no CUDA device. Got device='cuda'.")

    def _tensor(self, a: np.ndarray) -> Any:
        return self.torch.as_tensor(np.ascontiguousarray(a), dtype=self.torch.float64, device=self.device)

    def _tiles(self, n: int, d: int) -> tuple[int, int]:
        """Query and reference tile lengths with bq * br * d <= tile_elements."""
        br = min(n, max(256, int((self.tile_elements // max(d, 1)) ** 0.5)))
        bq = min(n, max(1, self.tile_elements // max(br * d, 1)))
        return bq, br

    def _distances(self, q: Any, ref: Any, metric: str) -> Any:
        if metric == "chebyshev":
            return (q[:, None, :] - ref[None, :, :]).abs().amax(dim=-1)
        return self.torch.cdist(q, ref, p=2.0, compute_mode="donot_use_mm_for_euclid_dist")

    def knn(self, points: np.ndarray, k: int, metric: str = "chebyshev", indices: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Same contract as :meth:`ScipySearch.knn`: the k + 1 nearest points, the point itself included."""
        torch = self.torch
        pts = self._tensor(points)
        n, d = pts.shape
        m = k + 1
        bq, br = self._tiles(n, d)
        out_d = torch.empty((n, m), dtype=torch.float64, device=self.device)
        out_i = torch.empty((n, m), dtype=torch.int64, device=self.device)
        for qs in range(0, n, bq):
            q = pts[qs : qs + bq]
            best_d = torch.full((q.shape[0], m), float("inf"), dtype=torch.float64, device=self.device)
            best_i = torch.zeros((q.shape[0], m), dtype=torch.int64, device=self.device)
            for rs in range(0, n, br):
                ref = pts[rs : rs + br]
                dist = self._distances(q, ref, metric)
                cand_d = torch.cat([best_d, dist], dim=1)
                cand_i = torch.cat([best_i, torch.arange(rs, rs + ref.shape[0], device=self.device).expand(q.shape[0], -1)], dim=1)
                best_d, pos = torch.topk(cand_d, min(m, cand_d.shape[1]), dim=1, largest=False, sorted=True)
                best_i = torch.gather(cand_i, 1, pos)
            out_d[qs : qs + bq] = best_d
            out_i[qs : qs + bq] = best_i
        if not indices:
            return out_d[:, k].cpu().numpy(), None
        return out_d.cpu().numpy(), out_i.cpu().numpy()

    def count_le(self, points: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Same contract as :meth:`ScipySearch.count_le`: points within max-norm distance r_i, itself included."""
        torch = self.torch
        pts = self._tensor(points)
        rad = self._tensor(r)
        n, d = pts.shape
        if d == 1:
            return self._count_1d(pts[:, 0], rad).cpu().numpy()
        bq, br = self._tiles(n, d)
        counts = torch.zeros(n, dtype=torch.int64, device=self.device)
        for qs in range(0, n, bq):
            q = pts[qs : qs + bq]
            rq = rad[qs : qs + bq, None]
            total = torch.zeros(q.shape[0], dtype=torch.int64, device=self.device)
            for rs in range(0, n, br):
                total += (self._distances(q, pts[rs : rs + br], "chebyshev") <= rq).sum(dim=1)
            counts[qs : qs + bq] = total
        return counts.cpu().numpy()

    def _count_1d(self, col: Any, r: Any) -> Any:
        torch = self.torch
        values, order = torch.sort(col)
        rr = r[order]
        p = torch.searchsorted(values, values + rr, right=True)
        q = torch.searchsorted(values, values - rr, right=False)
        p = self._fix(values, values, rr, p, upper=True)
        q = self._fix(values, values, rr, q, upper=False)
        counts = torch.empty_like(p)
        counts[order] = (p - q).clamp_min(0)
        return counts

    def _fix(self, values: Any, x: Any, r: Any, p: Any, upper: bool) -> Any:
        """Exact bounds, as :func:`mutinfo.estimators.knn._fix_upper` / ``_fix_lower``."""
        torch = self.torch
        n = values.shape[0]
        while True:
            prev = (p - 1).clamp_min(0)
            cur = p.clamp_max(n - 1)
            if upper:
                back = (p > 0) & ((values[prev] - x) > r)
                fwd = (p < n) & ((values[cur] - x) <= r)
            else:
                back = (p > 0) & ((x - values[prev]) <= r)
                fwd = (p < n) & ((x - values[cur]) > r)
            any_back, any_fwd = bool(back.any()), bool(fwd.any())
            if any_back:
                p = torch.where(back, torch.searchsorted(values, values[prev], right=False), p)
            if any_fwd:
                p = torch.where(fwd, torch.searchsorted(values, values[cur], right=True), p)
            if not any_back and not any_fwd:
                return p

    def count_equal(self, points: np.ndarray) -> np.ndarray:
        """For each row, the number of identical rows (itself included)."""
        pts = self._tensor(points)
        _, inverse, counts = self.torch.unique(pts, dim=0, return_inverse=True, return_counts=True)
        return counts[inverse].cpu().numpy()
