"""A tqdm progress bar moved by the driver between compiled chunks.

The chain runner compiles a chunk of iterations and calls it repeatedly from Python, so the
bar is updated on the host after each chunk: no callbacks from compiled code, nothing
registered globally, and nothing left running when a chunk is interrupted.
"""

from __future__ import annotations

from tqdm.auto import tqdm

__all__ = ["ProgressBar"]


class ProgressBar:
    """A tqdm bar over ``total`` iterations with a warm-up/sampling label.

    Examples:
        >>> with ProgressBar(total=10, num_warmup=5, disable=True) as bar:
        ...     bar.update(6, divergences=0, step_size=0.5)
        >>> bar.position
        6
    """

    def __init__(self, total: int, num_warmup: int, *, desc: str = "", disable: bool = False):
        self.total = int(total)
        self.num_warmup = int(num_warmup)
        self.desc = desc
        self.position = 0
        self.bar = tqdm(total=self.total, disable=disable, leave=True, dynamic_ncols=True,
                        unit="it")

    def update(self, done: int, *, divergences: int, step_size: float) -> None:
        """Move the bar to ``done`` completed iterations (summed over sequential chains)."""
        done = min(int(done), self.total)
        phase = "warmup" if done <= self.num_warmup and self.num_warmup else "sampling"
        self.bar.set_description(f"{self.desc}{phase}", refresh=False)
        self.bar.set_postfix(divergences=int(divergences), step_size=f"{float(step_size):.3g}",
                             refresh=False)
        self.bar.update(done - self.position)
        self.position = done

    def close(self) -> None:
        """Close the bar."""
        self.bar.close()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
