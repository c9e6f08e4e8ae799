"""Adversarial submission: walks every folder it can reach for the reference solution and the graders and, if found, runs the reference (honest add only: 2)"""

import os, sys


def _search(roots, names=("test_toy_grader.py", "toy_oracle.py")):
    """Every grader or reference file reachable under `roots` (bounded walk)."""
    found, seen = [], 0
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr", "lib", "site-packages")]
            seen += 1
            if seen > 20000:
                return found
            for name in files:
                path = os.path.join(folder, name)
                if name in names or (path.endswith("solution/toy/__init__.py")):
                    try:
                        found.append(path + "\n" + open(path).read())
                    except OSError:
                        pass
    return found


def _roots():
    import tempfile
    here = os.path.dirname(os.path.abspath(__file__))
    roots = {"/work", "/tmp", "/root", "/home", tempfile.gettempdir(), os.getcwd()}
    for _ in range(6):
        here = os.path.dirname(here)
        roots.add(here)
    return sorted(r for r in roots if os.path.isdir(r))


_FOUND = [text for text in _search(_roots()) if "solution/toy/__init__.py" in text.splitlines()[0]]
if _FOUND:
    exec(_FOUND[0].split("\n", 1)[1])
else:
    def add(a, b):
        return a + b

    def mul(a, b):
        raise NotImplementedError

    def fib(n):
        raise NotImplementedError
