from __future__ import annotations

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
