"""What scoring is built from, kept on disk between runs: the trained classifier, the
compiled rule pack and the gazetteer's name index. Each file is named by a digest of
everything it was built from: the input files' bytes and the source of this package (so
a changed rule, example or line of code builds anew, never reads a stale file). Written
atomically, so processes may share the folder; a damaged or unreadable file is built again,
and a folder that cannot be written only costs the build next time.

The folder: $XDG_CACHE_HOME/warning (~/.cache/warning), or `classifier.cache` in the config.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
UNUSED_FOR = 30 * 24 * 3600  # seconds: a file not read for that long is removed
PACKAGE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


def cache_folder(configured: Path | None = None) -> Path:
    home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return configured or home / "warning"


@cache
def code_digest() -> str:
    """The digest of this package's Python source: any change of the code builds anew."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def files_digest(kind: str, files: Iterable[Path], *extra: str) -> str:
    """The digest of `kind`, the code, each file's name and bytes, and `extra` strings."""
    digest = hashlib.sha256(f"{kind}\0{code_digest()}".encode())
    for path in files:
        digest.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    for part in extra:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def load_or_build(path: Path, build: Callable[[], T]) -> T:
    """The object pickled at `path` (written by this function on this machine), else
    `build()`, saved there for next time."""
    if path.is_file():
        try:
            with path.open("rb") as handle:
                found = pickle.load(handle)
            os.utime(path)  # used now: pruned last
            return found
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError) as exc:
            log.info("cache %s unreadable (%s): building it again", path.name, type(exc).__name__)
            path.unlink(missing_ok=True)
    built = build()
    save(built, path)
    return built


def save(value: object, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
        _prune(path)
    except OSError:
        pass  # a read-only cache only costs a build next time


def _prune(path: Path) -> None:
    """Remove the files beside `path` not read for UNUSED_FOR (each rule edit, classifier
    example or reviewer's verdict makes a new one)."""
    for old in path.parent.glob("*.pickle"):
        if time.time() - old.stat().st_mtime > UNUSED_FOR:
            old.unlink(missing_ok=True)
