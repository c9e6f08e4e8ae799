"""The code that runs inside a grading child, next to learner code: the trust boundary in the layout.

Everything here is loaded into the sandboxed pytest process (the pytest plugin, its channel to the
parent, the feedback it writes, the forbidden-imports guard, the loopback set-up of a fresh network
namespace). It imports only the standard library, pytest, `autograder.protocol` (the one definition of
the messages it exchanges with the parent) and its own modules; never the parent's modules (grading,
runner, sandbox, reports, cli, ...), so nothing of the parent is loaded where learner code can reach
it. A test keeps it so (tests/test_protocol.py). The services' fixture plugins (`autograder.fixtures`)
also run in the child; the plugin loads them by name.
"""
