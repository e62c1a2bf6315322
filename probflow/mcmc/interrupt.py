"""Ctrl-C that stops a long compiled loop between chunks instead of inside XLA.

While a [`DeferredInterrupt`][probflow.mcmc.interrupt.DeferredInterrupt] is active (in the main
thread), the first SIGINT only
sets a flag: the loop checks it between compiled chunks, stops, and hands back what it has.
The previous handler is put back at once, so a second Ctrl-C raises ``KeyboardInterrupt`` as
usual. In other threads (where Python does not deliver signals) it does nothing.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

__all__ = ["DeferredInterrupt", "InterruptedRunWarning"]


class InterruptedRunWarning(UserWarning):
    """A run stopped by Ctrl-C returned what it had drawn so far.

    Examples:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     warnings.warn("sample: interrupted (Ctrl-C)", InterruptedRunWarning)
        >>> caught[0].category.__name__
        'InterruptedRunWarning'
    """


class DeferredInterrupt:
    """Context manager: ``interrupted`` becomes True on the first Ctrl-C.

    Examples:
        >>> import os, signal
        >>> with DeferredInterrupt() as guard:
        ...     os.kill(os.getpid(), signal.SIGINT)
        ...     stopped = guard.interrupted
        >>> stopped
        True
    """

    def __init__(self) -> None:
        self.interrupted = False
        self._previous = None
        self._installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.interrupted = True
        signal.signal(signal.SIGINT, self._previous)  # a second Ctrl-C acts as usual

    def __enter__(self) -> DeferredInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.getsignal(signal.SIGINT)
            if self._previous is None:  # installed from C: put the default back afterwards
                self._previous = signal.default_int_handler
            signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed and signal.getsignal(signal.SIGINT) == self._handle:
            signal.signal(signal.SIGINT, self._previous)
        self._installed = False
