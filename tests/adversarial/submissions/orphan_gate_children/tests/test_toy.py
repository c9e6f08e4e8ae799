import subprocess
import sys

from toy import add

IGNORE = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); signal.signal(signal.SIGHUP, signal.SIG_IGN); time.sleep(600)"


def test_add():
    for _ in range(3):
        subprocess.Popen([sys.executable, "-c", IGNORE], start_new_session=True)
    assert add(1, 1) == 2
