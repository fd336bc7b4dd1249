"""Duplicates: canonical URLs, stable fingerprints, the LSH index, independent sources."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO, SEED
from warning.dedupe import (
    BLOB_BYTES,
    Fingerprint,
    NearDuplicates,
    canonical_url,
    fingerprint,
    similarity,
)
from warning.text import split_sentences

SYNDICATED = DATA / "seed_syndicated.txt"
REWRITE = DATA / "seed_rewrite.txt"
NEUTRAL = sorted((DATA / "neutral").glob("*.txt"))


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://example.com/news/a", "https://example.com/news/a"),
        ("HTTPS://News.Example.COM/Story", "https://news.example.com/Story"),
        ("http://example.com/a", "https://example.com/a"),
        ("http://example.com:80/a", "https://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://www.example.com/a", "https://www.example.com/a"),
        ("https://example.com/a/", "https://example.com/a"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com//world///a//", "https://example.com/world/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        (
            "https://example.com/a?utm_source=tw&utm_Medium=social&id=7&fbclid=x&gclid=y"
            "&mc_cid=1&mc_eid=2&ref=home&ref_src=twsrc&cmpid=rss&ocid=msn&at_medium=s"
            "&at_campaign=c&smid=tw&_ga=1.2",
            "https://example.com/a?id=7",
        ),
        ("https://example.com/a?utm_source=rss", "https://example.com/a"),
        ("https://example.com/a?q=", "https://example.com/a?q="),
        ("https://example.com/a%2fb?q=a%20b", "https://example.com/a%2Fb?q=a+b"),
        ("https://Bücher.example/Straße?q=ü", "https://xn--bcher-kva.example/Stra%C3%9Fe?q=%C3%BC"),
        ("https://xn--bcher-kva.example/Stra%C3%9Fe", "https://xn--bcher-kva.example/Stra%C3%9Fe"),
        ("http://[::1]:80/a", "https://[::1]/a"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://user:secret@example.com/a", "https://example.com/a"),
        ("example.com/news/a/", "https://example.com/news/a"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    "garbage",
    ["", "   ", "not a url", "http://[::1", "http://", "https://exa mple.com/", "mailto:a@b.org"]
    + ["ftp://example.com/a", "http://example.com:99999/", "http://example.com:port/", "ünï cödé"]
    + ["javascript:alert(1)", "/relative/path", "\x00\x01", "http://[bad]/"],
)
def test_canonical_url_garbage_is_empty(garbage: str) -> None:
    assert canonical_url(garbage) == ""


def test_one_address_one_spelling() -> None:
    spellings = [
        "http://Example.com:80/world//syria/?utm_campaign=x&page=2&lang=en#top",
        "https://example.com/world/syria?lang=en&page=2&fbclid=abc",
        "HTTPS://EXAMPLE.COM:443/world/syria/?page=2&lang=en",
    ]
    assert {canonical_url(u) for u in spellings} == {
        "https://example.com/world/syria?lang=en&page=2"
    }


def test_fingerprint_is_stable() -> None:
    text = SEED.read_text()
    first, second = fingerprint(text), fingerprint(text)
    assert first == second and hash(first) == hash(second)
    blob = first.to_bytes()
    assert len(blob) == BLOB_BYTES == 512
    assert Fingerprint.from_bytes(blob) == first
    assert similarity(Fingerprint.from_bytes(blob), first) == 1.0


def test_fingerprint_is_the_same_in_another_process() -> None:
    code = "import sys; from warning.dedupe import fingerprint; "
    code += "sys.stdout.write(fingerprint(open(sys.argv[1]).read()).to_bytes().hex())"
    env = {"PYTHONHASHSEED": "12345", "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code, str(SEED)], cwd=REPO, env=env, capture_output=True, check=True
    )
    assert bytes.fromhex(out.stdout.decode()) == fingerprint(SEED.read_text()).to_bytes()


def test_fingerprint_values_are_pinned() -> None:
    """The stored BLOBs depend on these exact values: a change here needs a migration."""
    blob = fingerprint("The quick brown fox jumps over the lazy dog").to_bytes()
    assert hashlib.sha256(blob).hexdigest()[:16] == PINNED_DIGEST


PINNED_DIGEST = "770e01e2486acbf4"


def test_normalisation_ignores_case_punctuation_apostrophes_spacing() -> None:
    a = fingerprint("The army’s “offensive” on ALEPPO —\n began, officials said. It didn’t stop.")
    b = fingerprint("the army's offensive on aleppo began officials said it didn't   stop")
    assert a == b
    assert fingerprint("four short words here") != fingerprint("four short words there")
    assert similarity(fingerprint("Aleppo has fallen"), fingerprint("aleppo has FALLEN!")) == 1.0


def test_empty_text_resembles_nothing() -> None:
    empty = fingerprint("")
    assert empty.is_empty and fingerprint("  ...  ").is_empty
    assert similarity(empty, empty) == 0.0
    assert Fingerprint.from_bytes(empty.to_bytes()) == empty


def test_from_bytes_rejects_a_wrong_length() -> None:
    with pytest.raises(ValueError, match="512 bytes, got 3"):
        Fingerprint.from_bytes(b"abc")


@pytest.fixture(scope="module")
def seed_fp() -> Fingerprint:
    return fingerprint(SEED.read_text())


@pytest.fixture(scope="module")
def copy_fp() -> Fingerprint:
    return fingerprint(SYNDICATED.read_text())


@pytest.fixture(scope="module")
def rewrite_fp() -> Fingerprint:
    return fingerprint(REWRITE.read_text())


def test_the_fixtures_are_what_they_say() -> None:
    copy, rewrite = SYNDICATED.read_text(), REWRITE.read_text()
    seed_lines = set(SEED.read_text().splitlines())
    assert copy.splitlines()[0] not in seed_lines  # its own headline
    assert "Reuters and AFP contributed reporting." in copy and "Subscribe Now" not in copy
    assert 220 <= len(rewrite.split()) <= 300
    assert not seed_lines & {line for line in rewrite.splitlines() if line}


def test_syndicated_copy_is_near_verbatim(seed_fp: Fingerprint, copy_fp: Fingerprint) -> None:
    assert similarity(seed_fp, copy_fp) >= 0.8


def test_independent_rewrite_is_not(seed_fp: Fingerprint, rewrite_fp: Fingerprint) -> None:
    assert similarity(seed_fp, rewrite_fp) < 0.5


def test_unrelated_articles_are_far(seed_fp: Fingerprint) -> None:
    assert max(similarity(seed_fp, fingerprint(path.read_text())) for path in NEUTRAL) < 0.1


def stitched(count: int, seed: int = 11, size: int = 4000) -> list[str]:
    """Reports of real sentences from the neutral articles, in random order."""
    sentences = [s.text for path in NEUTRAL for s in split_sentences(path.read_text())]
    rng = random.Random(seed)
    reports = []
    for _ in range(count):
        parts: list[str] = []
        while sum(map(len, parts)) < size:
            parts.append(rng.choice(sentences))
        reports.append(" ".join(parts))
    return reports


COPY_KEY = 1_000_000


@pytest.fixture(scope="module")
def index(copy_fp: Fingerprint) -> NearDuplicates:
    index = NearDuplicates(threshold=0.5)
    for key, text in enumerate(stitched(2000)):
        index.add(key, fingerprint(text))
    index.add(COPY_KEY, copy_fp)
    return index


def test_index_finds_the_copy_not_the_rewrite(
    index: NearDuplicates, seed_fp: Fingerprint, rewrite_fp: Fingerprint, copy_fp: Fingerprint
) -> None:
    assert len(index) == 2001
    found = index.similar(seed_fp)
    assert [key for key, _ in found] == [COPY_KEY]
    assert found[0][1] == similarity(seed_fp, copy_fp)
    assert all(key != COPY_KEY for key, _ in index.similar(rewrite_fp, at_least=0.0))
    assert index.similar(seed_fp, at_least=0.95) == []


def test_index_orders_best_first_and_replaces_a_key(seed_fp: Fingerprint) -> None:
    index = NearDuplicates()
    text = SEED.read_text()
    half = fingerprint(text[: len(text) * 3 // 4])
    index.add(1, half)
    index.add(2, seed_fp)
    index.add(2, seed_fp)  # the same key twice: no error, no second entry
    assert len(index) == 2
    assert [key for key, _ in index.similar(seed_fp)] == [2, 1]
    index.add(2, fingerprint(REWRITE.read_text()))
    assert [key for key, _ in index.similar(seed_fp)] == [1]
    assert NearDuplicates().similar(seed_fp) == []
    assert index.similar(fingerprint("")) == []


def test_index_rebuilt_from_bytes_after_a_restart(
    index: NearDuplicates, seed_fp: Fingerprint, rewrite_fp: Fingerprint
) -> None:
    texts = stitched(2000)
    rows = [(key, fingerprint(text).to_bytes()) for key, text in enumerate(texts)]
    rows.append((COPY_KEY, fingerprint(SYNDICATED.read_text()).to_bytes()))
    rebuilt = NearDuplicates.build(rows, threshold=0.5)
    assert len(rebuilt) == len(index)
    assert rebuilt.similar(seed_fp) == index.similar(seed_fp)
    assert rebuilt.similar(rewrite_fp) == index.similar(rewrite_fp)
    probe = fingerprint(texts[123])
    assert rebuilt.similar(probe)[0] == (123, 1.0) == index.similar(probe)[0]


def test_threshold_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="threshold"):
        NearDuplicates(threshold=1.5)


def test_seed_copy_and_rewrite_are_plain_text() -> None:
    for path in (SYNDICATED, REWRITE):
        text = path.read_text()
        assert "<" not in text and text.endswith("\n") and Path(path).stat().st_size > 1000
