"""Every benchmark's ``--quick`` mode, two at a time: the check, in the README's test command,
that each benchmark still runs end to end.

A quick mode measures seconds on tiny sizes into a temporary folder; its figures are not for
reading, and here two of them share the machine's cores. Each benchmark's standard output is
printed whole once it has finished, its standard error only if it failed (request_cost.py
logs every request there). Exits 1 if any failed, after the others have finished.

    .venv-bench/bin/python bench/quick.py [--parallel 2]
"""

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent

# The benchmarks with a quick mode, the longest first so that two at a time end together.
QUICK_BENCHMARKS = [
    "http_load.py",
    "scale.py",
    "scale_out.py",
    "jobs.py",
    "hostile_bodies.py",
    "index_build.py",
    "request_cost.py",
]
SHOWN_ERROR_LINES = 40


@dataclass(frozen=True)
class QuickRun:
    """How one benchmark's quick mode ended."""

    benchmark: str
    returncode: int
    seconds: float
    stdout: str
    stderr: str


def main() -> None:
    """Run every quick mode; print each, then a summary; exit 1 if one failed."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parallel", type=int, default=2, help="benchmarks run at once")
    arguments = parser.parse_args()
    with ThreadPoolExecutor(max_workers=arguments.parallel) as pool:
        runs = list(pool.map(run_quick, QUICK_BENCHMARKS))
    print("\nquick modes:")
    for run in runs:
        outcome = "ok" if run.returncode == 0 else f"FAILED (exit status {run.returncode})"
        print(f"  {run.benchmark:<18} {run.seconds:5.0f} s  {outcome}")
    if any(run.returncode != 0 for run in runs):
        sys.exit(1)


def run_quick(benchmark: str) -> QuickRun:
    """Run ``benchmark --quick`` with this interpreter; print its output once it ended."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(BENCH / benchmark), "--quick"],
        capture_output=True,
        text=True,
        check=False,
    )
    run = QuickRun(
        benchmark,
        result.returncode,
        time.perf_counter() - started,
        result.stdout,
        result.stderr,
    )
    shown = [f"\n=== {benchmark} --quick ({run.seconds:.0f} s)", run.stdout.rstrip()]
    if run.returncode != 0:
        errors = run.stderr.rstrip().splitlines()[-SHOWN_ERROR_LINES:]
        shown += [f"--- its standard error, last {SHOWN_ERROR_LINES} lines:", *errors]
    print("\n".join(shown), flush=True)
    return run


if __name__ == "__main__":
    main()
