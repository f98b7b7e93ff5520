"""The lunaref error taxonomy (spec/errors.md).

Every error lunaref raises on purpose is an instance of one *named* class below.  The class name is
the error name used in the spec (REQUIRE conditions, capability limits, format rules) and in vector
files (an ``error`` outcome names one of these classes).  Each class belongs to one category, and the
category fixes the command-line exit code, so a script can tell "your model is malformed" from "your
arguments are wrong" without parsing messages.

Messages are one line and name the thing at fault (the op, the tensor, the attribute, the file).
"""

from __future__ import annotations

__all__ = [
    "LunarefError",
    "CheckFailed",
    "UsageError",
    "InputError",
    "FormatError",
    "UnsupportedError",
    "RequireError",
    "InternalError",
    "ERROR_CLASSES",
    "error_by_name",
]


class LunarefError(Exception):
    """Base of every deliberate lunaref error.  ``exit_code`` is the CLI exit status (spec/errors.md)."""

    exit_code = 70

    @property
    def name(self) -> str:
        return type(self).__name__

    def one_line(self) -> str:
        """The message as the CLI prints it: ``<Name>: <message>`` on a single line."""
        text = " ".join(str(self).split())
        return f"{self.name}: {text}" if text else self.name


# --- categories -------------------------------------------------------------------------------

class CheckFailed(LunarefError):
    """A comparison or conformance check ran and found a difference."""

    exit_code = 1


class UsageError(LunarefError):
    """The command line or API call is wrong (bad option, missing or contradictory argument)."""

    exit_code = 2


class InputError(LunarefError):
    """A user-supplied file cannot be read or does not match what the model expects."""

    exit_code = 3


class FormatError(LunarefError):
    """A model (ONNX or thinker resource) is malformed."""

    exit_code = 4


class UnsupportedError(LunarefError):
    """Well-formed, but outside what an op or a platform profile supports (a capability limit)."""

    exit_code = 5


class RequireError(LunarefError):
    """A REQUIRE condition of the spec is violated: the arithmetic is not defined for these arguments."""

    exit_code = 6


class InternalError(LunarefError):
    """A defect in lunaref itself (an invariant that should always hold did not)."""

    exit_code = 70


# --- named errors -----------------------------------------------------------------------------
# Keep this list and the table in spec/errors.md identical (tests/test_errors.py checks it).

class OutputMismatch(CheckFailed):
    """Computed and expected tensors differ."""


class CasesFailed(CheckFailed):
    """A backend failed conformance cases."""


class MutantSurvived(CheckFailed):
    """A mutant backend passed every case: the vector set lacks a vector."""


class BadArgument(UsageError):
    """An option or argument has a wrong form or value."""


class UnknownPlatform(UsageError):
    """A platform name that is not venus, venusA or arcs."""


class PlatformMissing(UsageError):
    """Neither the model nor the command line names the platform."""


class PlatformConflict(UsageError):
    """The model and the command line (or two nodes of the model) name different platforms."""


class InputNotFound(InputError):
    """A file named on the command line does not exist or cannot be read."""


class InputSizeMismatch(InputError):
    """A raw input file's byte count, or an array's shape, differs from the model input's."""


class InputDTypeMismatch(InputError):
    """An array's dtype differs from the model input's."""


class NothingInCommon(InputError):
    """Two dumps to compare share no tensor name."""


class OutputWriteError(InputError):
    """An output file cannot be written."""


class MalformedOnnx(FormatError):
    """The ONNX file does not parse, or its graph is inconsistent."""


class MalformedResource(FormatError):
    """A thinker resource (model.bin) is truncated or has an offset, size or count out of bounds."""


class CrcMismatch(FormatError):
    """A thinker resource's stored CRC differs from the CRC of its bytes."""


class MalformedVector(FormatError):
    """A conformance vector case (case.json and its tensors) or the manifest is malformed."""


class MalformedDump(FormatError):
    """A tensor dump (lunaref, thinker text or .npz) cannot be read."""


class InvalidScale(FormatError):
    """A scale attribute is not an exact power of two (LUNA scales are 2^e)."""


class UnsupportedOp(UnsupportedError):
    """An op type lunaref does not implement (in that dialect)."""


class UnsupportedAttribute(UnsupportedError):
    """An attribute value, or a missing attribute, that the op does not support."""


class UnsupportedOnPlatform(UnsupportedError):
    """An op, or a dtype combination of a primitive or op, that the platform profile does not have."""


class MemoryLimitExceeded(UnsupportedError):
    """A memory plan needs more share memory or PSRAM than the platform allows."""


class ShiftOutOfRange(RequireError):
    """A LUNA shift argument is negative (LUNA shifts are unsigned)."""


class ExponentOutOfRange(RequireError):
    """An exponent outside the range spec/numerics.md allows for its dtype."""


class DTypeMismatch(RequireError):
    """An operand's dtype is not one the op or primitive REQUIREs."""


class ShapeMismatch(RequireError):
    """Operand shapes that the op REQUIREs to agree do not."""


class ValueOutOfRange(RequireError):
    """An operand value outside its dtype's range (e.g. an int4 value outside [-8, 7])."""


class NonFiniteInput(RequireError):
    """A NaN given to an op that converts float to integer."""


def _named() -> dict[str, type[LunarefError]]:
    categories = {LunarefError, CheckFailed, UsageError, InputError, FormatError, UnsupportedError,
                  RequireError, InternalError}
    found: dict[str, type[LunarefError]] = {}
    stack = [LunarefError]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub not in categories and sub.__module__ == __name__:
                found[sub.__name__] = sub
    return found


#: Every named error, by name.
ERROR_CLASSES: dict[str, type[LunarefError]] = _named()
__all__ += sorted(ERROR_CLASSES)


def error_by_name(name: str) -> type[LunarefError]:
    """The named error class ``name`` (as vector files record it)."""
    try:
        return ERROR_CLASSES[name]
    except KeyError:
        raise BadArgument(f"unknown error name {name!r}") from None
