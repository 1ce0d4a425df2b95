"""Run the `mnist1d` training demo: `python examples/mnist1d.py [--quick] [--epochs N] [--device cpu|cuda] [--out DIR]`.

The same as `mutinfo train mnist1d`; metrics.json and a PNG figure go to --out (default runs/mnist1d).
"""

import sys

from mutinfo.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "mnist1d", *sys.argv[1:]]))
