"""k-nearest-neighbour estimators (being split into modules; see :mod:`.estimators`)."""

from .estimators import *  # noqa: F401,F403
from .estimators import __all__, __doc__  # noqa: F401
from .estimators import _kth_distance, check_no_extreme_values  # noqa: F401
