"""Data sets: synthetic distributions with known mutual information and small real data."""

from __future__ import annotations

from .twelve_bit import twelve_bit as twelve_bit
