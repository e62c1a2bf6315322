"""A tqdm progress bar moved by the driver between compiled chunks.

The chain runner compiles a chunk of iterations and calls it repeatedly from Python, so the
bar is updated on the host after each chunk: no callbacks from compiled code, nothing
registered globally, and nothing left running when a chunk is interrupted.
"""

from __future__ import annotations

from probflow.core.progress import progress_bar

__all__ = ["ProgressBar"]


class ProgressBar:
    """A tqdm bar over ``total`` iterations labelled "compiling", then "warmup"/"sampling".

    The first chunk includes the compilation, so rate and time left are measured from the
    end of the first chunk on (else the first seconds of compiling would read as seconds per
    iteration). ``initial`` iterations are already done (a resumed run).

    Examples:
        >>> with ProgressBar(total=10, num_warmup=5, disable=True) as bar:
        ...     bar.update(6, divergences=0, step_size=0.5)
        >>> bar.position
        6
    """

    def __init__(self, total: int, num_warmup: int, *, desc: str = "", disable: bool = False,
                 initial: int = 0) -> None:
        self.total = int(total)
        self.num_warmup = int(num_warmup)
        self.desc = desc
        self.position = int(initial)
        self.started = False
        self.bar = progress_bar(self.total, initial=self.position, disable=disable, leave=True,
                                dynamic_ncols=True, unit="it", desc=f"{desc}compiling")

    def update(self, done: int, *, divergences: int, step_size: float) -> None:
        """Move the bar to ``done`` completed iterations (summed over sequential chains)."""
        done = min(int(done), self.total)
        phase = "warmup" if done <= self.num_warmup and self.num_warmup else "sampling"
        self.bar.set_description(f"{self.desc}{phase}", refresh=False)
        self.bar.set_postfix(divergences=int(divergences), step_size=f"{float(step_size):.3g}",
                             refresh=False)
        if not self.started:
            # measure rate and ETA from here: the first chunk paid for compilation
            self.started = True
            self.bar.reset(total=self.total)
            self.bar.initial = self.bar.n = self.bar.last_print_n = done
            self.bar.refresh()
        else:
            self.bar.update(done - self.position)
        self.position = done

    def close(self) -> None:
        """Close the bar."""
        self.bar.close()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
