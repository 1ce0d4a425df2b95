"""Training demos, each runnable as ``mutinfo train NAME`` (see :mod:`mutinfo.cli._train`).

Every demo module has ``run(out_dir, *, device, epochs, quick, seed, progress) -> dict``,
writes ``metrics.json`` and a PNG figure into ``out_dir``, and returns its metrics.
"""
