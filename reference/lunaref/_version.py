"""Versions of the package and of the specification it implements."""

__version__ = "0.1.0"

#: Version of the normative specification in ``spec/`` that this package implements
#: (see spec/README.md, "Versioning").  It stays a pre-release until the op set is complete.
SPEC_VERSION = "1.0.0-draft"
