"""Run the `vib-fashion` training demo: `python examples/vib_fashion.py [--quick] [--epochs N] [--device cpu|cuda] [--out DIR]`.

The same as `mutinfo train vib-fashion`; metrics.json and a PNG figure go to --out (default runs/vib-fashion).
"""

import sys

from mutinfo.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "vib-fashion", *sys.argv[1:]]))
