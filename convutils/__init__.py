"""convutils: the arithmetic behind the chapter "Multiple Input and Multiple Output Channels".

Every number the book shows is computed here; notebooks and page players only display it.
"""

from convutils.correlation import (
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_multi_in_out_1x1,
)
from convutils.examples import three_output_kernels, two_channel_example
from convutils.im2col import im2col

__all__ = [
    "corr2d",
    "corr2d_multi_in",
    "corr2d_multi_in_out",
    "corr2d_multi_in_out_1x1",
    "im2col",
    "three_output_kernels",
    "two_channel_example",
]
