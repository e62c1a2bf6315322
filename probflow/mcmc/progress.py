"""A tqdm progress bar fed from inside compiled code.

The compiled scan calls :func:`progress_callback` through ``jax.debug.callback`` a few
dozen times per run (a real conditional on the iteration number, which is not batched over
chains, so it costs nothing between updates). The callback finds its bar by an integer id
passed as an array, so the compiled function does not close over the bar and is reused
across runs. The registry holds only open bars, is touched only on the host, and every bar
is closed and removed by :func:`ProgressBar.close` (the driver uses it as a context
manager).
"""

from __future__ import annotations

import itertools
import threading

import numpy as np
from tqdm.auto import tqdm

__all__ = ["ProgressBar", "progress_callback", "NUM_UPDATES"]

NUM_UPDATES = 40
_BARS: dict[int, ProgressBar] = {}
_IDS = itertools.count(1)
_LOCK = threading.Lock()


class ProgressBar:
    """A tqdm bar over ``total`` iterations with a warm-up/sampling label.

    Examples:
        >>> with ProgressBar(total=10, num_warmup=5, disable=True) as bar:
        ...     progress_callback(np.int32(bar.id), np.int32(6), np.int32(0), np.float32(0.5))
        >>> bar.position
        7
    """

    def __init__(self, total: int, num_warmup: int, *, desc: str = "", disable: bool = False):
        self.total = int(total)
        self.num_warmup = int(num_warmup)
        self.desc = desc
        self.position = 0
        self.bar = tqdm(total=self.total, disable=disable, leave=True, dynamic_ncols=True,
                        unit="it")
        with _LOCK:
            self.id = next(_IDS)
            _BARS[self.id] = self

    def update(self, iteration: int, divergences: int, step_size: float) -> None:
        """Move the bar to ``iteration + 1`` completed iterations."""
        done = min(int(iteration) + 1, self.total)
        phase = "warmup" if done <= self.num_warmup else "sampling"
        self.bar.set_description(f"{self.desc}{phase}", refresh=False)
        self.bar.set_postfix(divergences=int(divergences), step_size=f"{float(step_size):.3g}",
                             refresh=False)
        self.bar.update(done - self.position)
        self.position = done

    def close(self) -> None:
        """Close the bar and forget it."""
        self.bar.close()
        with _LOCK:
            _BARS.pop(self.id, None)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress_callback(bar_id, iteration, divergences, step_size) -> None:
    """Host side of the progress update (called through ``jax.debug.callback``)."""
    bar = _BARS.get(int(np.asarray(bar_id)))
    if bar is not None:
        bar.update(int(np.asarray(iteration)), int(np.asarray(divergences)),
                   float(np.asarray(step_size)))
