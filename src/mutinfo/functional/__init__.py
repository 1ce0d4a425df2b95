"""Differentiable torch functions of information quantities, for training objectives.

Every loss in :mod:`mutinfo.losses` calls one of these; tests check both give the
same number. Scores follow one convention: ``scores[i, j] = f(x_i, y_j)`` with the
positive (jointly drawn) pairs on the diagonal.
"""

from __future__ import annotations

# Variational bounds on I(X;Y) from a critic score matrix.

# Discrete MI of joint tables and softmax outputs; IIC.
