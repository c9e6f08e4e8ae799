"""The submissions here are hostile code: never let pytest collect or import them in the test process."""

collect_ignore = ["submissions"]
