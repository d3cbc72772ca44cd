"""Where the course's PyTorch work runs: how many CPU threads, and on which device.

Introduced in notebooks/04_training_cnns_lecture.ipynb.  Every notebook that uses torch calls
:func:`configure_threads` first, in its import cell (before ``import torch``), and takes its
device from :func:`device`.

The course's models are small: a batch of 28x28 images through a few thousand weights is work
too fine to split well over many threads, and OpenMP's default wait policy makes a thread that
waits for its next piece of work *spin* on its core for a while instead of sleeping.  When
other programs want that core, the spinning thread and the program fight over it, and the
thread that holds the work waits for both.  ``OMP_WAIT_POLICY=PASSIVE`` makes waiting threads
sleep; with it, two threads were about as fast as one on a 2-core machine without extra load
and faster on a busy one (they get a larger share of the CPU), so the default is 2 threads with
sleeping waits.  See :data:`DEFAULT_THREADS` for the figures and ``benchmarks/threads.py`` to
measure them.

Grading does not use these settings: the grader's worker and its trusted side always run one
thread with ``OMP_WAIT_POLICY=PASSIVE``, on the CPU, so a grade does not depend on them.
"""

from __future__ import annotations

import os
import sys

from .. import _validate as v


def _cores() -> int:
    """CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


#: Threads for PyTorch's intra-op pool unless ``CNNCOURSE_THREADS`` says otherwise: 2 (1 on a
#: one-core machine), *if* waiting threads sleep (``OMP_WAIT_POLICY=PASSIVE`` when torch was
#: imported); otherwise :func:`configure_threads` uses 1.  Measured with ``benchmarks/threads.py``
#: on a 2-core VM (issue 11): seconds for 30 training batches of 128 of ``build_cnn``, median of 5
#: fresh processes, on the idle machine and with 2 busy-loop processes running:
#:
#: ==================  ==============  =====================  ============================
#: threads, policy     idle            2 busy loops           shared VM, 2 busy loops
#: ==================  ==============  =====================  ============================
#: 1, unset (spins)    1.40            2.20                   11.8
#: 1, PASSIVE          1.44            2.32                   7.5 / 6.0
#: 2, unset (spins)    0.79            3.67 (one run 8.6)     26.4 (one run 111)
#: 2, PASSIVE          0.98            2.38                   4.1 / 4.6
#: ==================  ==============  =====================  ============================
#:
#: (the last column: other engineers' work on the machine as well, loadavg 3-13.)  Idle, 2
#: threads take 0.55-0.7x the time of 1; under load spinning waits make 2 threads 1.6x (and up
#: to 15x in single runs) slower than 1, while sleeping waits keep them level with 1 thread or
#: faster.  So: 2 sleeping threads, the best choice that is never much worse.  The dense network
#: (0.1 s for 30 batches) hardly cares.  More than 2 threads was not measured (2-core machine).
DEFAULT_THREADS = min(2, _cores())

#: Read by OpenMP when torch is first imported: waiting threads sleep instead of spinning.
WAIT_POLICY = "PASSIVE"

_DEVICES = ("cpu", "cuda")


def _grading_worker() -> bool:
    return os.environ.get("CNNCOURSE_GRADING_WORKER", "").strip() not in ("", "0")


def _threads_sleep() -> bool:
    """Whether OpenMP's waiting threads sleep (``OMP_WAIT_POLICY=PASSIVE``), as far as the environment says."""
    return os.environ.get("OMP_WAIT_POLICY", "").strip().upper() == "PASSIVE"


def _threads_from_env() -> int | None:
    raw = os.environ.get("CNNCOURSE_THREADS", "").strip()
    if not raw:
        return None
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(v.message("CNNCOURSE_THREADS", "be a positive integer", repr(raw),
                                   f"Set it to 1 or 2, or unset it for the course default ({DEFAULT_THREADS})."))
    return n


def configure_threads(threads: int | None = None) -> int:
    """Set PyTorch's CPU threads for the course's small models; return the number set.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

    Parameters
    ----------
    threads : int, optional
        Threads for PyTorch's intra-op pool; default ``CNNCOURSE_THREADS``, else
        :data:`DEFAULT_THREADS` if waiting threads sleep (see Notes), else 1.

    Returns
    -------
    int
        The thread count now in effect (``torch.get_num_threads()``).

    Raises
    ------
    TypeError
        If ``threads`` is not an integer.
    ValueError
        If ``threads`` (or ``CNNCOURSE_THREADS``) is not a positive integer.

    Notes
    -----
    OpenMP reads ``OMP_WAIT_POLICY`` once, when torch is first imported: called before that,
    this function sets it to :data:`WAIT_POLICY` (unless it is already set) and then imports
    torch; called later it can only set the thread count, and without the policy in the
    environment the default is 1 thread (2 spinning threads were up to 15x slower than 1 on a
    busy machine).  ``make lab`` sets the policy in the environment, so it holds from the
    first cell either way.

    numpy's BLAS (OpenBLAS) gets the same limit, through ``threadpoolctl``.

    In the grader's worker (``CNNCOURSE_GRADING_WORKER``) the count stays 1 whatever is asked:
    graded results must not change with the thread count.

    Examples
    --------
    >>> configure_threads(1)
    1
    """
    if threads is None:
        threads = _threads_from_env()
    if threads is not None:
        threads = v.require_int("threads", threads, minimum=1,
                                fix=f"Pass 1 or 2, or None for the course default ({DEFAULT_THREADS}).")
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", WAIT_POLICY)
    if threads is None:
        threads = DEFAULT_THREADS if _threads_sleep() else 1
    if _grading_worker():
        threads = 1
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    _limit_blas(threads)
    return torch.get_num_threads()


def _limit_blas(threads: int) -> None:
    """The same limit for numpy's BLAS (OpenBLAS keeps a thread pool of its own, unlimited by torch).

    Under load the lecture's im2col matrix product took 16.5 ms with OpenBLAS's 2 spinning
    threads and 0.39 ms with 1 (issue 11); with the limit it follows the course's setting.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")  # applies now and stays (not used as a context)


def device(name: str | None = None):
    """The device the course's notebooks train on: a GPU when there is one, else the CPU.

    Introduced in notebooks/04_training_cnns_lecture.ipynb.

    Parameters
    ----------
    name : {"cpu", "cuda", "cuda:<index>"}, optional
        Force a device; default ``CNNCOURSE_DEVICE``, else ``"cuda"`` when
        ``torch.cuda.is_available()``, else ``"cpu"``.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        If the name is not ``"cpu"``, ``"cuda"`` or ``"cuda:<index>"``, or asks for a GPU that
        torch does not see.

    Notes
    -----
    Grading never uses this: checks run on the CPU, so a grade does not change with the device.

    Examples
    --------
    >>> device("cpu")
    device(type='cpu')
    """
    import torch

    source = "name"
    if name is None:
        source, name = "CNNCOURSE_DEVICE", os.environ.get("CNNCOURSE_DEVICE", "").strip() or None
    if name is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    fix = "Pass 'cpu' or 'cuda'." if source == "name" else "Set it to 'cpu' or 'cuda', or unset it to use a GPU when there is one."
    if not isinstance(name, str):
        raise TypeError(v.message(source, "be one of 'cpu', 'cuda', 'cuda:<index>'", f"{type(name).__name__} {name!r}", fix))
    kind, colon, index = name.strip().lower().partition(":")
    if kind not in _DEVICES or (colon and (kind != "cuda" or not index.isdigit())):
        raise ValueError(v.message(source, "be one of 'cpu', 'cuda', 'cuda:<index>'", repr(name), fix))
    if kind == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(v.message(source, "name a device torch can use", f"{name!r} but torch sees no GPU "
                                       "(torch.cuda.is_available() is False)",
                                       "Use 'cpu', or install a CUDA build of torch on a machine with an NVIDIA GPU."))
        count = torch.cuda.device_count()
        if index and int(index) >= count:
            raise ValueError(v.message(source, f"name a GPU torch sees (cuda:0 to cuda:{count - 1})", repr(name),
                                       "Pick one of those, or 'cuda' for the first."))
    return torch.device(f"{kind}:{int(index)}" if index else kind)
