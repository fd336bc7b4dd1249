"""A folder of text files: each file one report, its first line the title."""

from __future__ import annotations

from warning.config import FolderSourceSettings
from warning.sources.base import Incoming, Poll

MAX_BYTES = 5 * 1024 * 1024


def title_of(text: str, fallback: str) -> str:
    """The first line that reads like a headline (three words or more), else the first line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    headline = next(
        (line for line in lines if len(line.split()) >= 3), lines[0] if lines else fallback
    )
    return headline[:300]


class FolderSource:
    def __init__(self, settings: FolderSourceSettings):
        self.name = settings.name
        self.settings = settings

    def poll(self) -> Poll:
        folder = self.settings.path
        if not folder.is_dir():
            return Poll(errors=[f"{folder}: folder does not exist"])
        reports, errors = [], []
        for path in sorted(folder.glob(self.settings.pattern)):
            if not path.is_file():
                continue
            try:
                size = path.stat().st_size
                if size > MAX_BYTES:
                    errors.append(
                        f"{path}: {size} bytes is over the {MAX_BYTES}-byte limit; skipped"
                    )
                    continue
                raw = path.read_bytes()
            except OSError as exc:
                errors.append(f"{path}: cannot read: {exc.strerror or exc}")
                continue
            text = raw.decode("utf-8", errors="replace")
            if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
                errors.append(f"{path}: not valid UTF-8; undecodable bytes replaced with U+FFFD")
            if not text.strip():
                errors.append(f"{path}: empty file; skipped")
                continue
            reports.append(Incoming(ref=path.name, title=title_of(text, path.name), text=text))
        return Poll(reports, errors)
