"""Image augmentations in torch for paired views (IIC, contrastive learning), batched and seeded.

Each function takes a batch ``x`` of shape (n, c, h, w) and returns an augmented
batch of the same shape, drawing its random parameters per image from a
``torch.Generator`` (reproducible) on ``x``'s device. No torchvision is needed.
"""

from __future__ import annotations

import math
from typing import Any

from .._validation import check_float

__all__ = ["Augment", "jitter", "random_affine", "random_erase"]


def _uniform(n: int, lo: float, hi: float, generator: Any, like: Any) -> Any:
    import torch

    u = torch.rand(n, generator=generator, device=generator.device if generator is not None else "cpu")
    return (lo + (hi - lo) * u).to(device=like.device, dtype=like.dtype)


def random_affine(x: Any, *, degrees: float = 15.0, translate: float = 0.1, scale: tuple[float, float] = (0.9, 1.1), shear: float = 0.0, generator: Any = None) -> Any:
    """Random rotation, scaling, shear and translation of each image (bilinear, zero padding).

    Parameters
    ----------
    x : tensor of shape (n, c, h, w)
    degrees : float, rotation drawn uniformly in [-degrees, degrees]
    translate : float, shift in [-translate, translate] as a fraction of the image size
    scale : (lo, hi), zoom factor range
    shear : float, horizontal shear angle in [-shear, shear] degrees
    generator : torch.Generator, optional

    Cost O(n c h w).
    """
    import torch
    import torch.nn.functional as nnf

    n = x.shape[0]
    angle = _uniform(n, -degrees, degrees, generator, x) * (math.pi / 180)
    sh = _uniform(n, -shear, shear, generator, x) * (math.pi / 180)
    s = _uniform(n, scale[0], scale[1], generator, x)
    tx = _uniform(n, -2 * translate, 2 * translate, generator, x)  # grid coordinates span [-1, 1]
    ty = _uniform(n, -2 * translate, 2 * translate, generator, x)
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    theta = torch.stack([torch.stack([cos, -sin + torch.tan(sh) * cos, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = nnf.affine_grid(theta, list(x.shape), align_corners=False)
    return nnf.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_erase(x: Any, *, p: float = 0.5, size: float = 0.25, generator: Any = None) -> Any:
    """With probability ``p`` per image, zero a random square of side ``size * min(h, w)`` (Cutout)."""
    import torch

    n, _, h, w = x.shape
    side = max(1, int(round(size * min(h, w))))
    top = (_uniform(n, 0, h - side + 1, generator, x)).floor().long()
    left = (_uniform(n, 0, w - side + 1, generator, x)).floor().long()
    apply = _uniform(n, 0, 1, generator, x) < p
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    inside = (rows >= top.view(n, 1, 1)) & (rows < (top + side).view(n, 1, 1)) & (cols >= left.view(n, 1, 1)) & (cols < (left + side).view(n, 1, 1))
    mask = (inside & apply.view(n, 1, 1)).unsqueeze(1)
    return x.masked_fill(mask, 0.0)


def jitter(x: Any, *, brightness: float = 0.2, contrast: float = 0.2, noise: float = 0.05, generator: Any = None) -> Any:
    """Random contrast and brightness changes and additive Gaussian noise, per image."""
    import torch

    n = x.shape[0]
    c = _uniform(n, 1 - contrast, 1 + contrast, generator, x).view(n, 1, 1, 1)
    b = _uniform(n, -brightness, brightness, generator, x).view(n, 1, 1, 1)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    eps = torch.randn(x.shape, generator=generator, device=generator.device if generator is not None else "cpu").to(x.device, x.dtype)
    return (x - mean) * c + mean + b + noise * eps


class Augment:
    """A seeded pipeline: affine warp, then jitter, then random erasing.

    Parameters
    ----------
    degrees, translate, scale, shear : see :func:`random_affine`
    brightness, contrast, noise : see :func:`jitter`
    erase : float, probability of :func:`random_erase` (0 disables it)
    erase_size : float, side of the erased square relative to the image
    seed : int, seed of the generator

    ``Augment(...)(x)`` returns a new random view of the batch ``x`` of shape (n, c, h, w).
    """

    def __init__(self, *, degrees: float = 15.0, translate: float = 0.1, scale: tuple[float, float] = (0.9, 1.1), shear: float = 0.0,
                 brightness: float = 0.1, contrast: float = 0.2, noise: float = 0.05, erase: float = 0.0, erase_size: float = 0.25,
                 seed: int = 0, device: Any = "cpu") -> None:
        import torch

        self.degrees = check_float("Augment", "degrees", degrees, 0.0, 180.0)
        self.translate = check_float("Augment", "translate", translate, 0.0, 0.5)
        self.scale = (check_float("Augment", "scale", scale[0], 0.0, lo_open=True), check_float("Augment", "scale", scale[1], 0.0, lo_open=True))
        self.shear = check_float("Augment", "shear", shear, 0.0, 60.0)
        self.brightness = check_float("Augment", "brightness", brightness, 0.0)
        self.contrast = check_float("Augment", "contrast", contrast, 0.0, 1.0)
        self.noise = check_float("Augment", "noise", noise, 0.0)
        self.erase = check_float("Augment", "erase", erase, 0.0, 1.0)
        self.erase_size = check_float("Augment", "erase_size", erase_size, 0.0, 1.0, lo_open=True)
        self.generator = torch.Generator(device=device).manual_seed(seed)

    def __call__(self, x: Any) -> Any:
        x = random_affine(x, degrees=self.degrees, translate=self.translate, scale=self.scale, shear=self.shear, generator=self.generator)
        x = jitter(x, brightness=self.brightness, contrast=self.contrast, noise=self.noise, generator=self.generator)
        if self.erase > 0:
            x = random_erase(x, p=self.erase, size=self.erase_size, generator=self.generator)
        return x
