"""`python -m autograder` is the `labs` command."""

import sys

from autograder.cli import main

sys.exit(main())
