"""What the benchmarks ran on: CPU model, cores, BLAS kernels and thread counts.

Absolute times only mean something next to this description; ratios against a baseline
measured in the same run are what the benchmarks compare.
"""

from __future__ import annotations

import ctypes
import glob
import os
import platform
from pathlib import Path

# Older OpenBLAS builds misbehave on some processors, so some machines set these; they pick
# the BLAS kernel (and cache size) numpy's OpenBLAS uses.
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def cpu_model() -> str:
    """The CPU as /proc/cpuinfo names it, with its family and model numbers (a virtual
    machine's ``model name`` can be as short as ``AMD EPYC``) and whether it has AVX-512."""
    try:
        first = Path("/proc/cpuinfo").read_text().split("\n\n")[0]
    except OSError:
        return platform.processor() or platform.machine()
    fields = dict(
        (k.strip(), v.strip()) for k, _, v in (ln.partition(":") for ln in first.splitlines())
    )
    name = fields.get("model name", platform.machine())
    extra = f"family {fields.get('cpu family', '?')}, model {fields.get('model', '?')}"
    if "avx512f" in fields.get("flags", "").split():
        extra += ", AVX-512"
    return f"{name} ({extra})"


def openblas_core() -> str:
    """The kernel family numpy's OpenBLAS runs (``Cooperlake``, ``Haswell``, ...).

    Uses threadpoolctl when it is installed; otherwise asks the OpenBLAS library that numpy
    ships (it is already loaded, so ``CDLL`` returns the same copy numpy uses).
    """
    try:
        import threadpoolctl

        for info in threadpoolctl.threadpool_info():
            if info.get("internal_api") == "openblas":
                return str(info.get("architecture"))
    except ImportError:
        pass
    import numpy as np

    libs = Path(np.__file__).parent.parent / "numpy.libs"
    for path in glob.glob(str(libs / "libscipy_openblas*.so")) + glob.glob(
        str(libs / "libopenblas*.so")
    ):
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_corename64_", "openblas_get_corename"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return "unknown"


def describe() -> dict:
    """The machine and the library set-up, as a JSON-ready dict."""
    import numpy as np

    info = {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_openblas_core": openblas_core(),
        # Other work on the machine moves every absolute figure: the 1-minute load average
        # when the run ended says how busy it was (below the core count: mostly idle).
        "load_average": round(os.getloadavg()[0], 1),
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    for var in (*OPENBLAS_VARS, "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        info[var] = os.environ.get(var)
    return info
