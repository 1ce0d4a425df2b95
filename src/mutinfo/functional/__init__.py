"""Differentiable torch functions of information quantities, for training objectives.

Every loss in :mod:`mutinfo.losses` calls one of these; tests check both give the
same number. Scores follow one convention: ``scores[i, j] = f(x_i, y_j)`` with the
positive (jointly drawn) pairs on the diagonal.
"""

from __future__ import annotations

# Variational bounds on I(X;Y) from a critic score matrix.
from ._bounds import club as club
from ._bounds import dv as dv
from ._bounds import infonce as infonce
from ._bounds import js as js
from ._bounds import js_fgan as js_fgan
from ._bounds import log_mean_exp_offdiagonal as log_mean_exp_offdiagonal
from ._bounds import mine as mine
from ._bounds import nwj as nwj
from ._bounds import smile as smile
from ._bounds import tuba as tuba

# Discrete MI of joint tables and softmax outputs; IIC.
