"""mastery-labs autograder: discover labs, run hidden graders in isolation, score, report."""

__version__ = "0.1.0"
