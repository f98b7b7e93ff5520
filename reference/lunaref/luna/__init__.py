"""Layer 1: the LUNA primitives, as the chip's ``libluna`` computes them (spec/luna.md).

Each primitive is documented by its real-number meaning and by its exact integer formula.  The
arithmetic is the same on every platform unless the spec says otherwise; which dtype combinations
exist is a per-platform capability, looked up in :mod:`lunaref.platforms`.
"""

from .cnn import (conv1d, conv2d, conv2d_acc, conv_transpose2d, conv_transpose2d_acc, max_pool2d, mean_pool2d,
                  sum_pool2d)
from .div import divide
from .matrix import exact_matmul, mat_mul, mat_mul_acc
from .vector import add, mul, offset, prelu, relu, relux, scale, sub

__all__ = ["add", "sub", "mul", "scale", "offset", "relu", "prelu", "relux", "exact_matmul", "mat_mul", "mat_mul_acc",
           "conv2d", "conv2d_acc", "conv1d", "conv_transpose2d", "conv_transpose2d_acc", "max_pool2d", "sum_pool2d", "mean_pool2d", "divide"]
