#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image; the zip is unpacked in
# /autograder/source. It creates the environment `run_autograder` grades with: Python 3.11+, the
# autograder and the lab's requirements, every version pinned by constraints.txt.
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${LABS_AUTOGRADER_ROOT:-/autograder}"
PYTHON="$(command -v python3.12 || command -v python3.11 || true)"
if [ -z "$PYTHON" ]; then
  apt-get update
  apt-get install -y python3.11 python3.11-venv
  PYTHON="$(command -v python3.11)"
fi
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --upgrade pip
"$ROOT/venv/bin/python" -m pip install --quiet -c "$SOURCE/constraints.txt" -e "$SOURCE" @REQUIREMENTS@
