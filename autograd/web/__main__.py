"""``python -m autograd.web build OUT_DIR``: write the page as static files."""

from __future__ import annotations

import argparse
import sys

from .assets import AssetError
from .build import build


def _size(folder) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograd.web",
        description="gradlab in the browser: a static page that runs gradlab on Pyodide.")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("build", help="write the page into a folder of static files")
    make.add_argument("out_dir", help="the folder to write (made if missing)")
    args = parser.parse_args(argv)
    try:
        out = build(args.out_dir)
    except (AssetError, OSError) as e:
        print(f"python -m autograd.web build: {e}", file=sys.stderr)
        return 1
    print(f"wrote {out}/ ({_size(out) / 1e6:.1f} MB); serve it with any web server, e.g. "
          f"'python -m http.server -d {out}', and open http://localhost:8000/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
