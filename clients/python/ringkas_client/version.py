"""The version of this distribution (also in pyproject.toml)."""

__version__ = "0.1.0"
