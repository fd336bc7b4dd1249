"""warning: early-warning alerts on displacement and mass-atrocity-risk signals."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("warning")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.0.0"
