"""Where the course's PyTorch work runs: how many CPU threads, and on which device.

Introduced in notebooks/04_training_cnns_lecture.ipynb.  Every notebook that trains calls
:func:`configure_threads` once, in its import cell, and takes its device from :func:`device`.

The course's models are small: a batch of 28x28 images through a few thousand weights is work
too fine to split well over threads, and OpenMP's default *busy-wait* policy makes waiting
threads spin on cores that other programs need.  See :data:`DEFAULT_THREADS` for the measured
choice and ``benchmarks/threads.py`` for the figures.
"""

from __future__ import annotations

import os
import sys

#: Threads for PyTorch's intra-op pool unless ``CNNCOURSE_THREADS`` says otherwise.
DEFAULT_THREADS = 1

#: Read by OpenMP when torch is first imported: waiting threads sleep instead of spinning.
WAIT_POLICY = "PASSIVE"

_DEVICES = ("cpu", "cuda")


def _threads_from_env() -> int:
    raw = os.environ.get("CNNCOURSE_THREADS", "")
    if not raw:
        return DEFAULT_THREADS
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"CNNCOURSE_THREADS must be a positive integer; got {raw!r}. Unset it for the course default.")
    return n


def configure_threads(threads: int | None = None) -> int:
    """Set PyTorch's CPU threads for the course's small models; return the number set.

    Parameters
    ----------
    threads : int, optional
        Threads for PyTorch's intra-op pool; default ``CNNCOURSE_THREADS`` or
        :data:`DEFAULT_THREADS`.

    Returns
    -------
    int
        The thread count now in effect (``torch.get_num_threads()``).

    Raises
    ------
    ValueError
        If ``threads`` (or ``CNNCOURSE_THREADS``) is not a positive integer.

    Notes
    -----
    ``OMP_WAIT_POLICY`` only takes effect if it is set before torch is first imported; this
    function sets it (unless already set) and then imports torch.  ``make lab`` and the
    grader set it in the environment, so it holds from the first cell.

    Examples
    --------
    >>> configure_threads(1)
    1
    """
    if threads is None:
        threads = _threads_from_env()
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer; got {threads!r}.")
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", WAIT_POLICY)
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return torch.get_num_threads()


def device(name: str | None = None):
    """The device the course's notebooks train on: a GPU when there is one, else the CPU.

    Parameters
    ----------
    name : {"cpu", "cuda"}, optional
        Force a device; default ``CNNCOURSE_DEVICE``, else ``"cuda"`` when
        ``torch.cuda.is_available()``, else ``"cpu"``.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        If the name is not one of ``"cpu"``, ``"cuda"``, or ``"cuda"`` is asked for without a GPU.

    Notes
    -----
    Grading never uses this: checks run on the CPU, so a grade does not change with the device.

    Examples
    --------
    >>> device("cpu")
    device(type='cpu')
    """
    import torch

    source = "name" if name is not None else "CNNCOURSE_DEVICE"
    name = name if name is not None else os.environ.get("CNNCOURSE_DEVICE") or None
    if name is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name not in _DEVICES:
        raise ValueError(f"{source} must be one of {', '.join(map(repr, _DEVICES))}; got {name!r}.")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{source} asks for 'cuda' but torch sees no GPU (torch.cuda.is_available() is False). "
                         "Use 'cpu', or install a CUDA build of torch.")
    return torch.device(name)
