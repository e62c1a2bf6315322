"""The ``checkpoint=``, ``checkpoint_every=`` and ``resume=`` arguments of the training loops
([`Sequential.fit`][probflow.layers.sequential.Sequential.fit], [`pf.vi.fit`][probflow.vi.fit.fit]),
checked the same way everywhere."""

from __future__ import annotations

import os

from probflow.core.checks import check_count

__all__ = ["checkpoint_paths"]


def checkpoint_paths(owner: str, checkpoint: str | os.PathLike[str] | None,
                     checkpoint_every: int | None,
                     resume: str | os.PathLike[str] | bool | None
                     ) -> tuple[str | None, str | None]:
    """Check a training loop's checkpoint arguments; return ``(checkpoint path, resume path)``
    (each ``None`` when unused).

    ``resume`` is a path (which must exist), ``True`` (resume ``checkpoint`` if that file
    exists, else start afresh), or ``None``/``False``. A new run never overwrites an existing
    checkpoint file. ``owner`` names the function in errors.

    Examples:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "run.ckpt")
        >>> checkpoint_paths("fit", path, 5, True) == (path, None)  # no file yet: start afresh
        True
        >>> open(path, "wb").close()
        >>> checkpoint_paths("fit", path, None, True) == (path, path)
        True
        >>> checkpoint_paths("fit", path, None, None)
        Traceback (most recent call last):
        ...
        FileExistsError: fit: checkpoint=... exists; continue that run with ...
    """
    if checkpoint is not None:
        checkpoint = os.fspath(checkpoint)
    if checkpoint_every is not None:
        check_count(owner, "checkpoint_every", checkpoint_every)
        if checkpoint is None and resume in (None, False):
            raise ValueError(f"{owner}: checkpoint_every= needs checkpoint= (a file path)")
    if resume is True:
        if checkpoint is None:
            raise ValueError(f"{owner}: resume=True resumes checkpoint= when that file exists; "
                             f"give checkpoint= (a file path)")
        resume = checkpoint if os.path.exists(checkpoint) else None
    elif resume is False:
        resume = None
    elif resume is not None:
        if not isinstance(resume, str | os.PathLike):
            raise TypeError(f"{owner}: resume must be a checkpoint path or True, got {resume!r}")
        resume = os.fspath(resume)
        if not os.path.exists(resume):
            raise FileNotFoundError(f"{owner}: no checkpoint at resume={resume!r}")
    if checkpoint is not None and os.path.exists(checkpoint) and (
            resume is None or not os.path.samefile(resume, checkpoint)):
        raise FileExistsError(f"{owner}: checkpoint={checkpoint!r} exists; continue that run "
                              f"with fit(..., resume={checkpoint!r}) (or resume=True), or "
                              f"delete the file to start afresh")
    return checkpoint, resume
