"""Shared by the checkpoint tests: run a child process and SIGKILL it after its checkpoints."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from probflow.core.checkpoint import CheckpointError, load_arrays

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def kill_after_checkpoint(tmp_path, source: str, target, state_file, file_format: str,
                          version: int, counter: str, threshold: int) -> dict:
    """Run ``source`` as a script with argument ``target``; poll ``state_file``'s header and
    SIGKILL the child once ``header[counter] >= threshold``. Returns the header of the state
    the child left (asserting that it was killed, not finished or crashed)."""
    script = tmp_path / "child.py"
    script.write_text(source)
    env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu")
    child = subprocess.Popen([sys.executable, str(script), str(target)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return kill_when_saved([child], state_file, file_format, version, counter, threshold)


def kill_when_saved(children: list[subprocess.Popen], state_file, file_format: str,
                    version: int, counter: str, threshold: int) -> dict:
    """Poll ``state_file``'s header and SIGKILL every child once ``header[counter] >=
    threshold``. Returns that header (asserting that the children were killed, not finished
    or crashed)."""
    deadline = time.monotonic() + 240
    done = 0
    try:
        while time.monotonic() < deadline and all(c.poll() is None for c in children):
            try:
                done = load_arrays(str(state_file), file_format, version)[0][counter]
            except (FileNotFoundError, CheckpointError):
                done = 0
            if done >= threshold:
                for child in children:
                    child.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
    finally:
        for child in children:
            if child.poll() is None and done < threshold:
                child.kill()
        outputs = [child.communicate() for child in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == -signal.SIGKILL, (out.decode()[-500:], err.decode()[-2000:])
    return load_arrays(str(state_file), file_format, version)[0]
