"""Command line: `python -m vision.binarize IN OUT [--block-size N] [-C C] [--method mean|gaussian]`."""

from __future__ import annotations

import argparse
import sys

from vision.document import DEFAULT_BLOCK_SIZE, DEFAULT_C, binarize_document


def main(argv: list[str] | None = None) -> int:
    """Binarize one page image; return the exit status (0 ok, 1 bad input, 2 bad usage)."""
    parser = argparse.ArgumentParser(
        prog="python -m vision.binarize", description="Binarize a scanned page with uneven lighting."
    )
    parser.add_argument("path_in", help="the page image to read (PNG, JPEG, ...)")
    parser.add_argument("path_out", help="where to write the black-and-white result (e.g. out.png)")
    parser.add_argument("--block-size", type=int, default=DEFAULT_BLOCK_SIZE, help="odd window size")
    parser.add_argument("-C", type=float, default=DEFAULT_C, help="how much darker than its window ink is")
    parser.add_argument("--method", choices=("mean", "gaussian"), default="gaussian")
    args = parser.parse_args(argv)
    try:
        binarize_document(args.path_in, args.path_out, args.block_size, args.C, args.method)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.path_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
