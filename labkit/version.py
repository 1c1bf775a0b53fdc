"""The version of labkit (also in ``pyproject.toml``)."""

__version__ = "0.1.0"
