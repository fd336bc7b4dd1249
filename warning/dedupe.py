"""Duplicate reports: one canonical URL per address (exact), and MinHash fingerprints of
word 5-grams kept as 512-byte BLOBs and indexed by LSH (near; `similar` gives the
estimated Jaccard, which also tells a verbatim wire copy from a rewrite)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from datasketch import LeanMinHash

NUM_PERM = 128
SHINGLE_WORDS = 5
BLOB_BYTES = NUM_PERM * 4
# Fixed forever, and computed here rather than by datasketch so no upgrade can move
# them: changing the seed, the word hash or the shingling changes every stored
# fingerprint, and the store's BLOBs would then have to be recomputed.
SEED = 20241202
SCHEME = "affine32"  # datasketch's name for uint32 values from a*h+b mod 2**32
EMPTY_VALUE = np.uint32(0xFFFFFFFF)  # the MinHash of a set with no members


def _read_only(values: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
    values.flags.writeable = False
    return values


_RANDOM = hashlib.shake_256(b"warning.dedupe:%d" % SEED).digest(BLOB_BYTES * 2 + 8 * SHINGLE_WORDS)
PERM_A = _read_only(np.frombuffer(_RANDOM, "<u4", NUM_PERM) | np.uint32(1))  # odd: a bijection
PERM_B = np.frombuffer(_RANDOM, "<u4", NUM_PERM, offset=BLOB_BYTES)  # bytes: read-only
GRAM_MULTIPLIERS = _read_only(
    np.frombuffer(_RANDOM, "<u8", SHINGLE_WORDS, offset=BLOB_BYTES * 2) | np.uint64(1)
)

TRACKING_PARAMS = frozenset(
    ["fbclid", "gclid", "mc_cid", "mc_eid", "ref", "ref_src", "cmpid", "ocid"]
    + ["at_medium", "at_campaign", "smid", "_ga"]
)
DEFAULT_PORTS = MappingProxyType({"http": 80, "https": 443})
PATH_SAFE = "/:@!$&'()*+,;=-._~%"
PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
BARE_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?([/?#]|$)")
APOSTROPHES = re.compile("[\u2018\u2019\u02bc\u02b9\u0060\u00b4\u2032]")
WORD = re.compile(r"\w+(?:'\w+)*")


def canonical_url(url: str) -> str:
    """One spelling per address: https, lower-case host, no default port, tracking or
    fragment; sorted query; single slashes; no trailing slash but the root. "" if not
    an http(s) URL (never raises)."""
    try:
        return _canonical_url(url.strip())
    except (ValueError, TypeError, AttributeError, UnicodeError):
        return ""


def _canonical_url(url: str) -> str:
    if "://" not in url and not url.startswith("//") and BARE_HOST.match(url):
        url = "https://" + url
    parts = urlsplit(url)
    scheme = (parts.scheme or "https").lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in DEFAULT_PORTS or not host or any(c.isspace() for c in host):
        return ""
    port = parts.port  # raises ValueError on a port that is not a number in range
    netloc = _host(host) + ("" if port in (None, DEFAULT_PORTS[scheme]) else f":{port}")
    return urlunsplit(("https", netloc, _path(parts.path), _query(parts.query), ""))


def _host(host: str) -> str:
    if ":" in host:  # an IPv6 literal: urlsplit took off its brackets
        return f"[{host}]"
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _path(path: str) -> str:
    path = re.sub(r"/{2,}", "/", quote(path, safe=PATH_SAFE))
    path = PERCENT_ESCAPE.sub(lambda m: m.group(0).upper(), path)
    return path.rstrip("/") or "/"


def _query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(sorted((k, v) for k, v in pairs if not _is_tracking(k.lower())))


def _is_tracking(name: str) -> bool:
    return name.startswith("utm_") or name in TRACKING_PARAMS


@dataclass(frozen=True, eq=False, slots=True)
class Fingerprint:
    """128 MinHash values (uint32, read-only) of a text's word 5-grams."""

    values: npt.NDArray[np.uint32]

    def __post_init__(self) -> None:
        values = _read_only(np.array(self.values, dtype=np.uint32))
        if values.shape != (NUM_PERM,):
            raise ValueError(f"a fingerprint holds {NUM_PERM} values, got shape {values.shape}")
        object.__setattr__(self, "values", values)

    @property
    def is_empty(self) -> bool:
        """True for the fingerprint of a text with no words: it resembles nothing."""
        return bool(np.all(self.values == EMPTY_VALUE))

    def to_bytes(self) -> bytes:
        """512 bytes: the values as little-endian uint32."""
        return self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Fingerprint:
        """The fingerprint `to_bytes` wrote."""
        if len(blob) != BLOB_BYTES:
            raise ValueError(f"a fingerprint is {BLOB_BYTES} bytes, got {len(blob)}")
        return cls(np.frombuffer(blob, dtype="<u4"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fingerprint):
            return NotImplemented
        return bool(np.array_equal(self.values, other.values))

    def __hash__(self) -> int:
        return hash(self.to_bytes())


def normalised_words(text: str) -> list[str]:
    """Lower-case words of `text`, apostrophes unified, punctuation and spacing gone."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return WORD.findall(APOSTROPHES.sub("'", text))


def shingle_hashes(text: str) -> npt.NDArray[np.uint32]:
    """Distinct 32-bit hashes of the word 5-grams of the normalised text (of its words,
    if it has fewer than five)."""
    words = normalised_words(text)
    hashes = np.array([zlib.crc32(word.encode()) for word in words], dtype=np.uint64)
    if len(words) >= SHINGLE_WORDS:
        count = len(words) - SHINGLE_WORDS + 1
        hashes = sum(hashes[k : k + count] * GRAM_MULTIPLIERS[k] for k in range(SHINGLE_WORDS))
    return np.unique((_fmix64(hashes) >> np.uint64(32)).astype(np.uint32))


def _fmix64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """MurmurHash3's finaliser: an avalanching bijection on 64-bit values."""
    for multiplier in (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)):
        values = (values ^ (values >> np.uint64(33))) * multiplier
    return values ^ (values >> np.uint64(33))


def fingerprint(text: str) -> Fingerprint:
    """The MinHash of `text`'s shingles: per permutation a*h+b (mod 2**32, `a` odd, so a
    bijection) the least value over the shingle hashes h. Same text, same fingerprint."""
    hashes = shingle_hashes(text)
    if hashes.size == 0:
        return Fingerprint(np.full(NUM_PERM, EMPTY_VALUE, dtype=np.uint32))
    return Fingerprint((hashes[:, None] * PERM_A + PERM_B).min(axis=0))


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets (0.0 if one is empty)."""
    if a.is_empty or b.is_empty:
        return 0.0
    return float(np.count_nonzero(a.values == b.values)) / NUM_PERM


def _lean(fp: Fingerprint) -> LeanMinHash:
    from datasketch import LeanMinHash  # imported where used: it loads SciPy (0.5 s)

    return LeanMinHash(seed=SEED, hashvalues=fp.values, scheme=SCHEME)


class NearDuplicates:
    """Fingerprints by report id, in a MinHash LSH index tuned to `threshold`."""

    __slots__ = ("_fingerprints", "_lsh", "threshold")

    def __init__(self, threshold: float = 0.5) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        from datasketch import MinHashLSH

        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._fingerprints: dict[int, Fingerprint] = {}

    @classmethod
    def build(cls, items: Iterable[tuple[int, bytes]], threshold: float = 0.5) -> NearDuplicates:
        """The index of (report id, `Fingerprint.to_bytes()`) pairs, e.g. from the store."""
        index = cls(threshold)
        for key, blob in items:
            index.add(key, Fingerprint.from_bytes(blob))
        return index

    def add(self, key: int, fp: Fingerprint) -> None:
        """Index `fp` under `key`; a key added again is replaced."""
        if key in self._fingerprints:
            self.remove(key)
        self._fingerprints[key] = fp
        if not fp.is_empty:  # empty texts would all share one bucket and match nothing
            self._lsh.insert(key, _lean(fp), check_duplication=False)

    def remove(self, key: int) -> None:
        """Forget `key` (no error if it was never added)."""
        fp = self._fingerprints.pop(key, None)
        if fp is not None and not fp.is_empty:
            self._lsh.remove(key)

    def similar(self, fp: Fingerprint, at_least: float | None = None) -> list[tuple[int, float]]:
        """(key, estimated Jaccard) of indexed fingerprints at least `at_least` (default
        the threshold) similar to `fp`, best first. Candidates come from the LSH, so
        `at_least` below the threshold may miss some."""
        floor = self.threshold if at_least is None else at_least
        if fp.is_empty:
            return []
        scored = [
            (key, similarity(fp, self._fingerprints[key])) for key in self._lsh.query(_lean(fp))
        ]
        return sorted(((k, s) for k, s in scored if s >= floor), key=lambda ks: (-ks[1], ks[0]))

    def __len__(self) -> int:
        return len(self._fingerprints)
