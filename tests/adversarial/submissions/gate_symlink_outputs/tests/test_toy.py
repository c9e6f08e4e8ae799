
import os
import sys


def _outputs():
    """The coverage data file and junit.xml the gate's child writes, from its own command line."""
    argv = open("/proc/self/cmdline", "rb").read().split(b"\0")
    junit = next(a[len(b"--junitxml="):] for a in argv if a.startswith(b"--junitxml="))
    return os.path.join(os.path.dirname(junit), b"coverage.data"), junit


def test_links():
    data, junit = _outputs()
    for path, target in ((data, b"/etc/passwd"), (junit, b"/proc/self/environ")):
        if os.path.lexists(path):
            os.unlink(path)
        os.symlink(target, path)
    os.symlink(os.path.dirname(os.path.dirname(os.path.abspath(__file__))).encode(),
               os.path.join(os.path.dirname(junit), b"follow-me"))
    os._exit(0)
