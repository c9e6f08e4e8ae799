"""How many seeded five-node simulations of 10 s virtual time a RaftNode sustains per minute.

    python benchmark.py                      # the reference (solution/)
    python benchmark.py --target workspace   # your raft/node.py
    python benchmark.py --runs 50

Each run is the same workload: five nodes on a lossy network (10% drops, duplicates, long delays), a client
proposing a command every 50 ms to whichever node leads, and a random node crashing and restarting every
2 s, for 10 s of virtual time, with every safety check of the simulator on. The baseline runs the identical
workload with nodes that never send anything, which is the bare cost of the simulator and its checkers;
the ratio says how much the Raft logic itself costs on top.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
VIRTUAL_MS = 10_000


class SilentNode:
    """A node that never does anything: the simulator's own cost."""

    role, current_term, commit_index, log = "follower", 0, 0, ()

    def __init__(self, *args: Any) -> None:
        pass

    def on_timer(self, now: int) -> None:
        pass

    def on_message(self, message: Any, now: int) -> None:
        pass

    def propose(self, command: Any) -> None:
        return None


def workload(sim: Any) -> None:
    """Proposals every 50 ms, a crash and a restart every 2 s, until 10 s of virtual time have passed."""
    rng = random.Random(sim.seed)
    down: int | None = None
    while sim.now < VIRTUAL_MS:
        if sim.now % 2000 == 1000:
            if down is not None:
                sim.restart(down)
            down = rng.randrange(sim.n)
            sim.crash(down)
        sim.propose(sim.new_command())
        sim.run_for(50)


def measure(sim_module: Any, factory: Any, runs: int) -> tuple[float, int]:
    """Seconds per run (best of three passes over the seeds) and messages sent in total."""
    best, messages = float("inf"), 0
    for _ in range(3):
        started, messages = time.perf_counter(), 0
        for seed in range(runs):
            sim = sim_module.Simulator(5, seed, net=sim_module.UNRELIABLE, node_factory=factory, trace=False)
            workload(sim)
            messages += sim.stats.sent
        best = min(best, (time.perf_counter() - started) / runs)
    return best, messages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--target", default="solution", help="solution (default), workspace, or a folder path"
    )
    parser.add_argument("--runs", type=int, default=30, help="seeded runs per measurement (default 30)")
    args = parser.parse_args()
    target = {"solution": HERE / "solution", "workspace": HERE}.get(args.target, Path(args.target))
    sys.path.insert(0, str(target.resolve()))
    import raft

    given = HERE / "given" / "raft"
    if given.is_dir():  # the canonical simulator, as grading lays it over the package
        raft.__path__.insert(0, str(given))
    import raft.sim as sim_module
    from raft.node import RaftNode

    base, _ = measure(sim_module, SilentNode, args.runs)
    try:
        raft, messages = measure(sim_module, RaftNode, args.runs)
    except sim_module.SimulationFailure as failure:
        print(f"the RaftNode of {target} failed the workload: {failure}")
        return 1
    print(
        f"workload: 5 nodes, {VIRTUAL_MS / 1000:.0f} s virtual time, lossy network, crash/restart every 2 s"
    )
    print(f"baseline (silent nodes): {base * 1000:7.1f} ms per run  {60 / base:8.0f} runs/min")
    print(
        f"RaftNode ({args.target}):  {raft * 1000:7.1f} ms per run  {60 / raft:8.0f} runs/min"
        f"  ({messages / args.runs:.0f} messages per run)"
    )
    print(
        f"ratio: a Raft run costs {raft / base:.1f}x the bare simulator; goal >= 200 runs/min: "
        f"{'met' if 60 / raft >= 200 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
