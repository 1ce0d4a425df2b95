"""Exact neighbour search and range counts in tiled torch kernels (GPU or CPU).

:class:`TorchSearch` has the interface of :class:`mutinfo.estimators.knn.ScipySearch`
(``knn``, ``count_le``, ``count_equal``), so every k-NN estimator runs unchanged
on it. Nothing here holds an N x N matrix: distances are computed for one tile of
query rows against one tile of reference rows at a time (at most ``tile_elements``
numbers), keeping a running top-(k + 1) per query row for the neighbour search and
a running sum for range counts. Rows are sorted by their first coordinate and a tile
of queries only visits the band of rows that can lie within its radius (for the
neighbour search, an upper bound on it found along a Morton curve), so the work is
N times the band, not N^2, whenever neighbourhoods are small. 1-D range counts use a
sort and binary searches with the same ulp-exact bound correction as the CPU path.

Work is done in float64, so distances, neighbour sets and counts equal SciPy's
bit for bit for the max-norm (Euclidean distances may differ in the last bits).
Cost: O(N B d / P) on P parallel lanes for a band of B rows (B = N at worst),
O(N log N) for 1-D counts; memory O(N k + tile_elements).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TorchSearch", "DEFAULT_TILE_ELEMENTS"]

# Largest number of float64 entries in one tile of pairwise differences: 32 MiB on a
# CPU (cache-sized), 1 GiB on a GPU (few, large kernel launches).
DEFAULT_TILE_ELEMENTS = {"cpu": 1 << 22, "cuda": 1 << 27}
# Rows along the Morton curve that give each row's first upper bound on its k-NN distance.
_WINDOW = 32
# Relative widening of a band's bounds, far above float64 rounding (extra rows are harmless).
_MARGIN = 1e-9


@dataclass
class TorchSearch:
    """Brute-force exact k-NN and range counts on a torch device, tile by tile.

    Parameters
    ----------
    device : str
        "cuda", "cuda:N" or "cpu".
    tile_elements : int, optional
        Upper bound on query rows x reference rows x dimensions held at once;
        by default 2^22 on a CPU and 2^27 on a GPU.
    """

    device: Any = "cuda"
    tile_elements: int | None = None

    def __post_init__(self) -> None:
        import torch

        self.torch = torch
        self.device = torch.device(self.device)
        if self.tile_elements is None:
            self.tile_elements = DEFAULT_TILE_ELEMENTS.get(self.device.type, DEFAULT_TILE_ELEMENTS["cpu"])
        if self.device.type == "cuda" and not torch.cuda.is_available():
            from ..._errors import ParameterError

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

    # -- pruning ---------------------------------------------------------------

    def _morton_order(self, pts: Any) -> Any:
        """Row order along a Z-order (Morton) curve of the quantised coordinates."""
        torch = self.torch
        n, d = pts.shape
        bits = max(1, min(21, 62 // d))
        lo = pts.amin(dim=0)
        span = (pts.amax(dim=0) - lo).clamp_min(1e-300)
        cells = ((pts - lo) / span * ((1 << bits) - 1)).round().to(torch.int64)
        code = torch.zeros(n, dtype=torch.int64, device=self.device)
        for bit in range(bits - 1, -1, -1):
            for j in range(d):
                code = (code << 1) | ((cells[:, j] >> bit) & 1)
        return torch.argsort(code)

    def _upper_bounds(self, pts: Any, m: int, metric: str) -> Any:
        """For each row, an upper bound on its m-th smallest distance (itself included).

        The m-th smallest distance to any m distinct rows is such a bound; the rows used
        are a window of neighbours along a Morton curve, which are close in space.
        """
        torch = self.torch
        n = pts.shape[0]
        width = min(n, max(2 * m, _WINDOW))
        order = self._morton_order(pts)
        rank = torch.empty_like(order)
        rank[order] = torch.arange(n, device=self.device)
        start = (rank - width // 2).clamp(0, n - width)
        bound = torch.empty(n, dtype=torch.float64, device=self.device)
        step = max(1, self.tile_elements // (width * pts.shape[1]))
        offsets = torch.arange(width, device=self.device)
        for s in range(0, n, step):
            rows = torch.arange(s, min(n, s + step), device=self.device)
            cand = order[start[rows, None] + offsets[None, :]]
            diff = pts[cand] - pts[rows, None, :]
            dist = diff.abs().amax(dim=-1) if metric == "chebyshev" else diff.pow(2).sum(dim=-1).sqrt()
            bound[rows] = torch.kthvalue(dist, m, dim=1).values
        return bound

    def _band(self, key: Any, lo: float, hi: float) -> tuple[int, int]:
        """Index range of the sorted ``key`` holding every value in [lo, hi] (widened by a rounding margin)."""
        margin = _MARGIN * (1.0 + max(abs(lo), abs(hi)))
        bounds = self.torch.tensor([lo - margin, hi + margin], dtype=self.torch.float64, device=self.device)
        start, stop = self.torch.searchsorted(key, bounds).tolist()
        return int(start), int(stop)

    # -- neighbour search ------------------------------------------------------

    def knn(self, points: np.ndarray, k: int, metric: str = "chebyshev", indices: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Same contract as :meth:`ScipySearch.knn`: the k + 1 nearest points, the point itself included.

        Rows are sorted by their first coordinate. Each row's (k + 1)-th distance is at
        most a bound b_i found among nearby rows on a Morton curve, and a row j with
        |first coordinate difference| > b_i is further than b_i in either metric, so a
        tile of consecutive queries only scans the contiguous band of rows within the
        largest bound of the tile. Exact; the band is where the work goes.
        """
        torch = self.torch
        pts = self._tensor(points)
        n, d = pts.shape
        m = k + 1
        key, perm = torch.sort(pts[:, 0])
        sp = pts[perm].contiguous()
        bound = self._upper_bounds(sp, m, metric)
        bq, br = self._tiles(n, d)
        lo_all = (key - bound).cpu().numpy()
        hi_all = (key + bound).cpu().numpy()
        out_d = torch.empty((n, m), dtype=torch.float64, device=self.device)
        out_i = torch.empty((n, m), dtype=torch.int64, device=self.device)
        for qs in range(0, n, bq):
            qe = min(n, qs + bq)
            q = sp[qs:qe]
            start, stop = self._band(key, float(lo_all[qs:qe].min()), float(hi_all[qs:qe].max()))
            best_d = torch.full((q.shape[0], m), float("inf"), dtype=torch.float64, device=self.device)
            best_i = torch.zeros((q.shape[0], m), dtype=torch.int64, device=self.device)
            for rs in range(start, stop, br):
                ref = sp[rs : min(stop, rs + br)]
                dist = self._distances(q, ref, metric)
                cand_d = torch.cat([best_d, dist], dim=1)
                cand_i = torch.cat([best_i, torch.arange(rs, rs + ref.shape[0], device=self.device).expand(q.shape[0], -1)], dim=1)
                best_d, pos = torch.topk(cand_d, min(m, cand_d.shape[1]), dim=1, largest=False, sorted=True)
                best_i = torch.gather(cand_i, 1, pos)
            out_d[perm[qs:qe]] = best_d
            out_i[perm[qs:qe]] = perm[best_i]
        if not indices:
            return out_d[:, k].cpu().numpy(), None
        return out_d.cpu().numpy(), out_i.cpu().numpy()

    def count_le(self, points: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Same contract as :meth:`ScipySearch.count_le`: points within max-norm distance r_i, itself included.

        1-D: sort and binary search. Otherwise rows are sorted by their first
        coordinate and a tile of queries scans only the band of rows whose first
        coordinate is within the tile's largest radius.
        """
        torch = self.torch
        pts = self._tensor(points)
        rad = self._tensor(r)
        n, d = pts.shape
        if d == 1:
            return self._count_1d(pts[:, 0], rad).cpu().numpy()
        key, perm = torch.sort(pts[:, 0])
        sp = pts[perm].contiguous()
        sr = rad[perm]
        lo_all = (key - sr).cpu().numpy()
        hi_all = (key + sr).cpu().numpy()
        bq, br = self._tiles(n, d)
        counts = torch.zeros(n, dtype=torch.int64, device=self.device)
        for qs in range(0, n, bq):
            qe = min(n, qs + bq)
            q = sp[qs:qe]
            rq = sr[qs:qe, None]
            start, stop = self._band(key, float(lo_all[qs:qe].min()), float(hi_all[qs:qe].max()))
            total = torch.zeros(q.shape[0], dtype=torch.int64, device=self.device)
            for rs in range(start, stop, br):
                total += (self._distances(q, sp[rs : min(stop, rs + br)], "chebyshev") <= rq).sum(dim=1)
            counts[perm[qs:qe]] = total
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
        """Exact bounds, as :func:`mutinfo.estimators.knn._search._fix_upper` / ``_fix_lower``."""
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
