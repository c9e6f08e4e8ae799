"""Services a lab can ask for in its manifest (`services = [...]`), started once per grading run."""
