"""convutils: the arithmetic behind the chapter "Multiple Input and Multiple Output Channels".

Every number the book shows is computed here; notebooks and page players only display it.
"""

from convutils.correlation import (
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_multi_in_out_1x1,
)
from convutils.costs import ConvLayer
from convutils.examples import three_output_kernels, two_channel_example
from convutils.im2col import im2col
from convutils.kernels import compose_kernels
from convutils.quiz import Question, quiz
from convutils.source import show_source
from convutils.stepper import Stepper, stepper
from convutils.timing import measure_growth
from convutils.trace import trace_steps

__all__ = [
    "ConvLayer",
    "corr2d",
    "corr2d_multi_in",
    "corr2d_multi_in_out",
    "corr2d_multi_in_out_1x1",
    "compose_kernels",
    "im2col",
    "measure_growth",
    "Question",
    "quiz",
    "show_source",
    "stepper",
    "Stepper",
    "three_output_kernels",
    "trace_steps",
    "two_channel_example",
]
