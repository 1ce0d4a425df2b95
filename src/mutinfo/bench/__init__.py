"""The benchmark suites behind ``mutinfo bench``.

:mod:`mutinfo.bench.accuracy`
    Every registered estimator against distributions with known MI (``mutinfo bench accuracy``).
:mod:`mutinfo.bench.bmi`
    ``method="auto"``, each family and benchmark-mi's own estimators on the 40 tasks of the
    Beyond-Normal benchmark (Czyz et al. 2023; ``mutinfo bench bmi``).

Neither module is imported by ``import mutinfo``.
"""
