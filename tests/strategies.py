"""The op strategies live in the package (lunaref.vectors.strategies) so that vector generation uses them."""

from lunaref.vectors.strategies import *  # noqa: F401,F403
from lunaref.vectors.strategies import CASES  # noqa: F401
