"""Adversarial submission: searches every temporary folder for other gradings' snapshots and grader copies (not its own) and leaks what it finds (honest add only: 2)"""

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


def add(a, b):
    return a + b


def _own_graders():
    """The graders' copy this process runs (it may read those: it has to run them)."""
    argv = open("/proc/self/cmdline", "rb").read().split(b"\0")
    return os.fsdecode(argv[argv.index(b"--rootdir") + 1]) if b"--rootdir" in argv else "/nonexistent"


def mul(a, b):
    mine = _own_graders()
    found = [text for text in _search(_roots()) if not text.startswith(mine)]
    print("\n".join(found))
    raise AssertionError("\n".join(found) or "nothing found")


def fib(n):
    raise NotImplementedError
