"""The section's worked example: two input channels, a 2x2 kernel per channel.

One copy of the numbers, used by the chapters, the steppers, the benchmarks and the tests.
"""

from __future__ import annotations

import numpy as np


def two_channel_example() -> tuple[np.ndarray, np.ndarray]:
    """Fresh copies of ``X (2, 3, 3)`` and ``K (2, 2, 2)`` (int64).

    ``corr2d_multi_in(X, K)`` is ``[[56, 72], [104, 120]]``; its first element is
    ``(0*0 + 1*1 + 3*2 + 4*3) + (1*1 + 2*2 + 4*3 + 5*4) = 19 + 37``.
    """
    X = np.array(
        [[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]], dtype=np.int64
    )
    K = np.array([[[0, 1], [2, 3]], [[1, 2], [3, 4]]], dtype=np.int64)
    return X, K


def three_output_kernels(K: np.ndarray) -> np.ndarray:
    """The output-channel example: ``K, K + 1, K + 2`` stacked to ``(3, c_i, k_h, k_w)``."""
    return np.stack([K, K + 1, K + 2])
