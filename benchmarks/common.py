"""Shared timing helpers for the benchmarks (wall-clock medians of jitted calls)."""

from __future__ import annotations

import platform
import statistics
import time

import jax


def time_jitted(fn, *args, repeats: int = 7, number: int = 1) -> float:
    """Median seconds per call of an already-jitted ``fn`` (after one warm-up/compile call)."""
    jax.block_until_ready(fn(*args))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            out = fn(*args)
        jax.block_until_ready(out)
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def machine_line() -> str:
    """One line describing the machine and library versions, printed with every table."""
    devices = ", ".join(str(d) for d in jax.devices())
    return f"python {platform.python_version()}, jax {jax.__version__}, devices: {devices}"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
