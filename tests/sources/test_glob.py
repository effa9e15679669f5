from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from tracehound.core.glob import GlobSet, compile_glob


def test_star_stays_in_segment() -> None:
    g = compile_glob("/private/var/mobile/Containers/Data/Application/*/Library/X.db")
    assert g.match("/private/var/mobile/Containers/Data/Application/ABC-123/Library/X.db")
    assert not g.match("/private/var/mobile/Containers/Data/Application/a/b/Library/X.db")


def test_double_star_spans_zero_or_more_segments() -> None:
    g = compile_glob("/private/var/mobile/**/Library/WebKit/x.db")
    assert g.match("/private/var/mobile/Library/WebKit/x.db")
    assert g.match("/private/var/mobile/Containers/Data/Application/U/Library/WebKit/x.db")
    assert not g.match("/private/var/mobileX/Library/WebKit/x.db")


def test_globset_indexes_basenames_and_wildcards() -> None:
    gs = GlobSet(["/a/*/History.db", "/p/profile-*", "/a/*/History.db"])
    assert gs.matches("/a/b/History.db") == ["/a/*/History.db"]
    assert gs.matches("/p/profile-1.stub") == ["/p/profile-*"]
    assert gs.matches("/a/b/Other.db") == []
    assert gs.matches("/a/b/c/History.db") == []


_SEGMENT = st.sampled_from(["a", "b", "x.db", "shutdown.1.log", "Extra", "system_logs.logarchive"])
_PATH = st.lists(_SEGMENT, min_size=1, max_size=6).map(lambda s: "/" + "/".join(s))
_PATTERN = st.lists(
    st.sampled_from(["a", "b", "*", "**", "x.db", "shut*.log", "Extra", "system_logs.logarchive"]),
    min_size=1,
    max_size=5,
).map(lambda s: "/" + "/".join(s))


@given(st.lists(_PATTERN, min_size=1, max_size=6), st.lists(_PATH, max_size=20))
def test_globset_finds_what_each_glob_matches(patterns: list[str], paths: list[str]) -> None:
    """The indexes (basenames, prefixes, literal parts) only skip globs that cannot match."""
    gs = GlobSet(patterns)
    for path in paths:
        expected = {p for p in patterns if compile_glob(p).match(path)}
        assert set(gs.matches(path)) == expected
        assert len(gs.matches(path)) == len(expected)


# Segments with characters regular expressions give a meaning to, spaces, non-ASCII letters.
_ODD = st.sampled_from(
    ["a+b", "(x)", "[1].jpg", "c$d", "e^f|g", "h\\i", "j k", "Lé", "m{2}", "n?.", "o\np", "x.db\n"]
)


@given(
    st.lists(
        st.lists(
            st.one_of(_ODD, st.sampled_from(["*", "**", "x.db", "shut*.log"])),
            min_size=1,
            max_size=4,
        ).map(lambda s: "/" + "/".join(s)),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.lists(st.one_of(_ODD, _SEGMENT), min_size=1, max_size=5), max_size=20),
)
def test_matching_rows_equal_matches_path_by_path(
    patterns: list[str], segments: list[list[str]]
) -> None:
    """The column matcher (Arrow prefilters, then each glob's expression) finds exactly the
    rows ``matches`` finds one path at a time, whatever the paths' characters."""
    paths = ["/" + "/".join(s) for s in segments] + [p.replace("*", "z") for p in patterns]
    paths += [p.rsplit("/", 1)[-1] for p in paths]  # bare names: a basename with no folder
    gs = GlobSet(patterns)
    expected: dict[str, list[int]] = {}
    for number, path in enumerate(paths):
        for pattern in gs.matches(path):
            expected.setdefault(pattern, []).append(number)
    assert gs.matching_rows(pa.array(paths, pa.string())) == expected


def test_matching_rows_skip_nulls_and_other_paths() -> None:
    gs = GlobSet(["/var/mobile/Library/SMS/sms.db", "/private/var/**/History.db"])
    paths = ["/var/mobile/Library/SMS/sms.db", "/var/mobile/Media/DCIM/IMG_1.JPG", None]
    assert gs.matching_rows(pa.array(paths, pa.string())) == {"/var/mobile/Library/SMS/sms.db": [0]}
