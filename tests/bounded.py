"""Run hostile-input work in a child process bounded in CPU time and memory.

A quadratic algorithm or a runaway regular expression shows as the child running out of CPU
seconds (SIGXCPU); a memory blow-up as a MemoryError past the address-space limit. CPU time,
unlike wall time, does not grow when other processes load the machine, so the bounds can be
generous and still catch the defects (20,000 findings took 35-116 CPU seconds before the fix).

The memory bound calibrates itself: the child first does the same kind of work on a tiny input
(imports, caches, a validation), then limits its data segment (``RLIMIT_DATA``: the heap and
private memory maps, where every Python object lives) to what it has plus the budget, so the
budget is what the real input may add. Address space (``RLIMIT_AS``) would be a looser bound:
glibc reserves arenas a run may fill without growing it. The growth of the peak resident size
is checked too, by :func:`run_bounded`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import json, resource, sys
warm, work, cpu, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
args = json.loads(sys.stdin.read())
namespace = {"args": args, "result": None}
exec(warm, namespace)
def status(field):
    with open("/proc/self/status") as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0
if budget:
    limit = status("VmData") + budget
    resource.setrlimit(resource.RLIMIT_DATA, (limit, resource.getrlimit(resource.RLIMIT_DATA)[1]))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.getrlimit(resource.RLIMIT_CPU)[1]))
try:
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the peak resident size starts again from here
except OSError:
    pass
resident = status("VmRSS")
exec(work, namespace)
print("RESULT=" + json.dumps(namespace["result"]))
print("GROWTH=" + str(status("VmHWM") - resident))
"""


def run_bounded(
    work: str,
    *,
    warm: str = "",
    args: object = None,
    cpu_seconds: int = 60,
    memory_budget: int = 0,
    timeout: float = 300,
) -> object:
    """Run ``work`` (Python source that sets ``result`` from ``args``) bounded; return ``result``.

    ``warm`` runs first, unbounded (imports and a tiny run of the same work); ``memory_budget``
    is the number of bytes ``work`` may add to the peak ``warm`` reached (0: no memory bound).
    The test fails, saying which bound was hit, when the child does not finish.
    """
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run(  # the result is checked below
        [sys.executable, "-c", _CHILD, warm, work, str(cpu_seconds), str(memory_budget)],
        input=json.dumps(args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT=")]
    if done.returncode != 0 or not lines:
        reason = "ran out of CPU time" if done.returncode in (-24, 152) else f"exited with {done.returncode}"
        if "MemoryError" in done.stderr or "Cannot allocate memory" in done.stderr:
            reason = "ran out of memory"
        raise AssertionError(f"the bounded run {reason}:\n{done.stderr[-3000:]}")
    growth = int(next(line for line in done.stdout.splitlines() if line.startswith("GROWTH="))[7:])
    if memory_budget and growth > memory_budget:
        raise AssertionError(
            f"the run's peak resident size grew by {growth:,} bytes, over the {memory_budget:,} budget"
        )
    return json.loads(lines[-1][len("RESULT=") :])
