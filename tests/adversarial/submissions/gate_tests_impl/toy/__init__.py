"""Adversarial submission: keeps its real code in tests/impl.py (outside what the gate measures) and re-exports it from the package (honest code: 10, gate flagged)"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from impl import add, fib, mul  # noqa: E402
