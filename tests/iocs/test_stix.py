"""STIX2 pattern tokenizer, bundle loader and value normalisation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tracehound.iocs.bundled import bundled_stix_paths
from tracehound.iocs.load import load_iocs
from tracehound.iocs.pattern import PatternError, parse_pattern, parse_pattern_full, tokenize
from tracehound.iocs.stix import IocFileError, IocKind, load_bundle

# -- tokenizer and parser --------------------------------------------------------------------


def test_tokenize_kinds_and_raw_path() -> None:
    toks = tokenize("[file:hashes.'SHA-256' = 'ab'] OR ([x:y[*].z != 3] AND [a:b LIKE true])")
    kinds = [t.kind for t in toks]
    assert kinds == [
        "[", "PATH", "OP", "STR", "]", "OR", "(", "[", "PATH", "OP", "NUM", "]",
        "AND", "[", "PATH", "OP", "BOOL", "]", ")",
    ]  # fmt: skip
    assert toks[1].text == "file:hashes.'SHA-256'"
    assert toks[8].text == "x:y[*].z"
    assert toks[9].text == "!="
    assert toks[15].text == "LIKE"


def test_tokenize_qualifiers_and_typed_literals() -> None:
    toks = tokenize("[a:b = 'x'] REPEATS 5 TIMES WITHIN 60 SECONDS START t'2020-01-01T00:00:00Z'")
    assert [t.kind for t in toks][5:] == [
        "REPEATS", "NUM", "TIMES", "WITHIN", "NUM", "SECONDS", "START", "TS",
    ]  # fmt: skip
    assert toks[-1].text == "2020-01-01T00:00:00Z"


def test_simple_pattern() -> None:
    assert parse_pattern("[domain-name:value = 'evil.com']") == [("domain-name:value", "evil.com")]
    assert parse_pattern("[domain-name:value='evil.com']") == [("domain-name:value", "evil.com")]


def test_escaped_quote_and_backslash() -> None:
    pattern = r"[file:name = 'it\'s a \\ file']"
    assert parse_pattern(pattern) == [("file:name", "it's a \\ file")]


def test_equals_bracket_space_and_unicode_inside_value() -> None:
    assert parse_pattern("[url:value = 'https://x.com/?a=b=c']") == [
        ("url:value", "https://x.com/?a=b=c")
    ]
    assert parse_pattern("[file:name = 'a] [b = c']") == [("file:name", "a] [b = c")]
    assert parse_pattern("[file:name = 'Привет мир.txt']") == [("file:name", "Привет мир.txt")]
    assert parse_pattern(r"[file:name = 'x\'] OR [y']") == [("file:name", "x'] OR [y")]


def test_quoted_hash_path() -> None:
    pattern = "[file:hashes.'SHA-256' = 'AA']"
    assert parse_pattern(pattern) == [("file:hashes.'SHA-256'", "AA")]


def test_or_inside_and_across_brackets() -> None:
    inside = "[domain-name:value = 'a.com' OR domain-name:value = 'b.com']"
    assert parse_pattern(inside) == [("domain-name:value", "a.com"), ("domain-name:value", "b.com")]
    across = "[domain-name:value = 'a.com'] OR [process:name = 'p'] OR ([email-addr:value = 'e'])"
    assert parse_pattern(across) == [
        ("domain-name:value", "a.com"),
        ("process:name", "p"),
        ("email-addr:value", "e"),
    ]
    assert parse_pattern("[a:b == 'x']") == [("a:b", "x")]


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("[a:b = 'x' AND a:c = 'y']", "AND inside an observation"),
        ("[a:b = 'x'] AND [a:c = 'y']", "AND between observations"),
        ("[a:b = 'x'] FOLLOWEDBY [a:c = 'y']", "FOLLOWEDBY"),
        ("[a:b != 'x']", "operator != "),
        ("[a:b LIKE 'x%']", "operator LIKE"),
        ("[a:b MATCHES '^x']", "operator MATCHES"),
        ("[a:b IN ('x', 'y')]", "operator IN"),
        ("[a:b NOT = 'x']", "NOT"),
        ("[a:b = 5]", "NUM, not a string"),
        ("[a:b = true]", "BOOL, not a string"),
        ("[a:b = 'x'] WITHIN 5 SECONDS", "qualifier WITHIN"),
        ("[a:b = 'x'] REPEATS 2 TIMES", "qualifier REPEATS"),
        ("[a:b = 'x'", "unbalanced"),
        ("[a:b = 'x']]", "unexpected ']'"),
        ("[a:b = 'x", "unterminated string"),
        (r"[a:b = 'x\']", "unterminated string"),
        (r"[a:b = 'x\n']", "invalid escape"),
        ("[a:b = 'x'] # c", "unexpected character '#'"),
        ("[]", "expected an object path"),
        ("[FOO = 'x']", "unexpected word 'FOO'"),
        ("['x' = 'x']", "expected an object path"),
        ("", "unexpected end"),
    ],
)
def test_unsupported_patterns_raise(pattern: str, reason: str) -> None:
    with pytest.raises(PatternError, match=re.escape(reason)):
        parse_pattern(pattern)


def test_fast_path_equals_full_tokenizer_on_every_bundled_pattern() -> None:
    patterns = [
        obj["pattern"]
        for path in bundled_stix_paths()
        for obj in json.loads(path.read_bytes())["objects"]
        if obj["type"] == "indicator"
    ]
    assert len(patterns) == 10365
    for pattern in patterns:
        assert parse_pattern(pattern) == parse_pattern_full(pattern), pattern


@pytest.mark.parametrize(
    "pattern",
    [
        "[a.b:c = 'x']",
        "[a:b. = 'x']",
        "[a:.b = 'x']",
        "[ a:b  =  'x']",
        "[a:b = 'x' ]",
        "[a:b = 'x'] OR [c:d = 'y']",
        "[a:b:c = 'x']",
        "[a:b = '']",
        "[1a:b = 'x']",
        "[a:b = 'x\\\\']",
    ],
)
def test_fast_path_agrees_on_edge_cases(pattern: str) -> None:
    try:
        expected: Any = parse_pattern_full(pattern)
    except PatternError:
        expected = PatternError
    try:
        got: Any = parse_pattern(pattern)
    except PatternError:
        got = PatternError
    assert got == expected


# -- bundles ---------------------------------------------------------------------------------


def _bundle(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "bundle", "id": "bundle--1", "objects": objects}


def _ind(n: int, pattern: str) -> dict[str, Any]:
    return {
        "type": "indicator",
        "id": f"indicator--{n}",
        "pattern": pattern,
        "pattern_type": "stix",
    }


def _mal(n: int, name: str) -> dict[str, Any]:
    return {"type": "malware", "id": f"malware--{n}", "name": name, "is_family": False}


def _rel(n: int, src: str, dst: str) -> dict[str, Any]:
    return {
        "type": "relationship",
        "id": f"relationship--{n}",
        "relationship_type": "indicates",
        "source_ref": src,
        "target_ref": dst,
    }


def _write(tmp_path: Path, name: str, doc: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_load_bundle_malware_names_duplicates_and_dangling(tmp_path: Path) -> None:
    doc = _bundle(
        [
            _rel(1, "indicator--1", "malware--1"),  # relationships may come first
            _mal(1, "Pegasus"),
            _mal(2, "Predator"),
            _ind(1, "[domain-name:value = 'WWW.Evil.COM.']"),
            _ind(2, "[file:hashes.'SHA-256' = '" + "AB" * 32 + "']"),
            _ind(2, "[file:hashes.'SHA-256' = '" + "AB" * 32 + "']"),  # duplicate object
            _ind(3, "[x-thing:value = 'q']"),
            _ind(4, "[a:b = 'x'] AND [c:d = 'y']"),
            _rel(2, "indicator--2", "malware--1"),
            _rel(3, "indicator--2", "malware--2"),
            _rel(4, "indicator--2", "malware--2"),  # the same relationship twice
            _rel(5, "indicator--99", "malware--1"),  # dangling source_ref
            _rel(6, "indicator--1", "malware--99"),  # dangling target_ref
        ]
    )
    path = _write(tmp_path, "b.stix2", doc)
    indicators, warnings = load_bundle(path)
    assert [(i.id, i.kind, i.value, i.malware) for i in indicators] == [
        ("indicator--1", IocKind.DOMAIN, "evil.com", ("Pegasus",)),
        ("indicator--2", IocKind.FILE_HASH, "ab" * 32, ("Pegasus", "Predator")),
    ]
    first = indicators[0]
    assert first.raw == "WWW.Evil.COM."
    assert first.object_path == "domain-name:value"
    assert first.source == str(path)
    assert indicators[1].object_path == "file:hashes.'SHA-256'"
    assert len(warnings) == 4
    assert "relationship--5" in warnings[0] and "source_ref indicator--99" in warnings[0]
    assert "relationship--6" in warnings[1] and "target_ref malware--99" in warnings[1]
    assert "indicator--3" in warnings[2] and "unknown object path 'x-thing:value'" in warnings[2]
    assert str(path) in warnings[2]
    assert "indicator--4" in warnings[3] and "AND between observations" in warnings[3]


def test_or_pattern_gives_one_indicator_per_comparison(tmp_path: Path) -> None:
    doc = _bundle(
        [_ind(1, "[ipv4-addr:value = '10.0.0.0/8' OR email-addr:value = 'mailto:A@B.c']")]
    )
    indicators, warnings = load_bundle(_write(tmp_path, "b.json", doc))
    assert warnings == []
    assert [(i.kind, i.value, i.malware) for i in indicators] == [
        (IocKind.IP, "10.0.0.0/8", ()),
        (IocKind.EMAIL, "a@b.c", ()),
    ]


@pytest.mark.parametrize(
    ("pattern", "kind", "value"),
    [
        ("[domain-name:value = '*.Evil.com']", IocKind.DOMAIN, "evil.com"),
        ("[domain-name:value = 'https://www.evil.com:8443/x']", IocKind.DOMAIN, "evil.com"),
        ("[domain-name:value = 'www.com']", IocKind.DOMAIN, "www.com"),
        ("[domain-name:value = '192.0.2.7']", IocKind.IP, "192.0.2.7"),
        ("[url:value = 'HTTPS://Evil.COM:443/A?b=C']", IocKind.URL, "https://evil.com/A?b=C"),
        ("[url:value = 'http://evil.com:8080/']", IocKind.URL, "http://evil.com:8080"),
        ("[url:value = 'https://x.com/?a=b=c']", IocKind.URL, "https://x.com?a=b=c"),
        ("[ipv6-addr:value = '2001:DB8::0:1']", IocKind.IP, "2001:db8::1"),
        ("[ipv4-addr:value = '10.1.2.3/8']", IocKind.IP, "10.0.0.0/8"),
        ("[ipv4-addr:value = '10.1.2.3/32']", IocKind.IP, "10.1.2.3"),
        ("[process:name = 'Mptbd']", IocKind.PROCESS, "Mptbd"),
        ("[file:path = '/private/var/tmp/l/']", IocKind.FILE_PATH, "/var/tmp/l"),
        ("[file:path = '/private/etc/hosts']", IocKind.FILE_PATH, "/etc/hosts"),
        ("[file:path = 'Library/Prefs/']", IocKind.FILE_PATH, "Library/Prefs"),
        ("[file:path = '/']", IocKind.FILE_PATH, "/"),
        ("[file:name = 'A.js']", IocKind.FILE_NAME, "A.js"),
        ("[file:hashes.MD5 = '" + "A" * 32 + "']", IocKind.FILE_HASH, "a" * 32),
        ("[file:hashes.'SHA-1' = '" + "B" * 40 + "']", IocKind.FILE_HASH, "b" * 40),
        ("[app:cert.sha1 = '" + "AB:" * 19 + "AB']", IocKind.CERT_HASH, "ab" * 20),
        ("[app:id = 'Com.Evil.App']", IocKind.APP_ID, "com.evil.app"),
        ("[configuration-profile:id = 'abc-def']", IocKind.PROFILE_ID, "ABC-DEF"),
        ("[android-property:name = 'sys.Brand']", IocKind.ANDROID_PROPERTY, "sys.Brand"),
    ],
)
def test_normalisation(tmp_path: Path, pattern: str, kind: IocKind, value: str) -> None:
    indicators, _ = load_bundle(_write(tmp_path, "b.stix2", _bundle([_ind(1, pattern)])))
    assert [(i.kind, i.value) for i in indicators] == [(kind, value)]


@pytest.mark.parametrize(
    ("pattern", "loaded", "warning"),
    [
        ("[domain-name:value = 'localhost']", False, "without a dot"),
        ("[domain-name:value = 'evil.com/x']", True, "is a URL"),
        ("[file:hashes.sha256 = 'abcd']", True, "4 hex digits"),
        ("[file:hashes.sha256 = 'xyz']", False, "not hexadecimal"),
        ("[file:hashes.'SHA-3' = 'ab']", False, "unknown object path"),
        ("[ipv4-addr:value = '300.1.1.1']", False, "not an IP address"),
        ("[file:name = '']", False, "empty value"),
    ],
)
def test_normalisation_warnings(tmp_path: Path, pattern: str, loaded: bool, warning: str) -> None:
    indicators, warnings = load_bundle(_write(tmp_path, "b.stix2", _bundle([_ind(1, pattern)])))
    assert len(indicators) == int(loaded)
    assert len(warnings) == 1 and warning in warnings[0] and "indicator--1" in warnings[0]


def test_invalid_json_and_non_bundle(tmp_path: Path) -> None:
    bad = tmp_path / "bad.stix2"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(IocFileError, match=r"bad\.stix2: invalid JSON") as info:
        load_bundle(bad)
    assert info.value.path == str(bad)
    with pytest.raises(IocFileError, match="not a STIX2 bundle"):
        load_bundle(_write(tmp_path, "list.json", [1, 2]))
    with pytest.raises(IocFileError, match="type 'report'"):
        load_bundle(_write(tmp_path, "r.json", {"type": "report", "objects": []}))
    with pytest.raises(IocFileError, match="cannot read"):
        load_bundle(tmp_path / "missing.stix2")


def test_load_iocs_directory_continues_after_bad_file(tmp_path: Path) -> None:
    sub = tmp_path / "feeds" / "deep"
    sub.mkdir(parents=True)
    _write(
        sub,
        "b.stix2",
        _bundle([_mal(1, "X"), _ind(1, "[app:id = 'a.b']"), _rel(1, "indicator--1", "malware--1")]),
    )
    _write(tmp_path / "feeds", "a.json", _bundle([_ind(2, "[process:name = 'p']")]))
    (tmp_path / "feeds" / "c.stix2").write_text("garbage", encoding="utf-8")
    (tmp_path / "feeds" / "notes.txt").write_text("ignored", encoding="utf-8")
    result = load_iocs([tmp_path / "feeds", tmp_path / "feeds" / "a.json"])  # a.json once
    assert [Path(f.path).name for f in result.files] == ["a.json", "c.stix2", "b.stix2"]
    a, c, b = result.files
    assert (a.indicators, a.counts, a.malware, a.error) == (1, {"process": 1}, (), None)
    assert (b.indicators, b.counts, b.malware, b.warnings) == (1, {"app_id": 1}, ("X",), 0)
    assert c.error is not None and "invalid JSON" in c.error and c.indicators == 0
    assert len(b.sha256) == 64
    assert [i.value for i in result.indicators] == ["p", "a.b"]
    assert result.warning_count == 1 and "c.stix2" in result.warnings[0]


def test_warning_messages_are_capped_but_counted(tmp_path: Path) -> None:
    objects = [_ind(n, f"[nope:value = '{n}']") for n in range(250)]
    result = load_iocs([_write(tmp_path, "b.stix2", _bundle(objects))])
    assert result.warning_count == 250
    assert len(result.warnings) == 200
    assert result.files[0].warnings == 250


@pytest.mark.parametrize("cached", [False, True])
def test_missing_path_and_empty_folder_are_file_errors(
    tmp_path: Path, cached: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path that does not exist, or a folder without an indicator file, is recorded like a
    broken file (named, with the reason) and loading goes on: never "no indicators"."""
    from tracehound.iocs.cache import ENV_CACHE_DIR, load_iocs_cached

    monkeypatch.setenv(ENV_CACHE_DIR, str(tmp_path / "cache"))
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "notes.txt").write_text("not indicators", encoding="utf-8")
    good = _write(tmp_path, "g.stix2", _bundle([_ind(1, "[app:id = 'a.b']")]))
    load = load_iocs_cached if cached else load_iocs
    result = load([tmp_path / "nope", empty, good])
    nope, folder, ok = result.files
    assert (nope.path, nope.error, nope.sha256) == (
        str(tmp_path / "nope"),
        "no such file or directory",
        "",
    )
    assert folder.path == str(empty) and folder.error is not None
    assert folder.error.startswith("no indicator file in this folder")
    assert ok.error is None and [i.value for i in result.indicators] == ["a.b"]
    assert result.warning_count == 2
    assert result.warnings[0] == f"{tmp_path / 'nope'}: no such file or directory"
    assert result.warnings[1].startswith(f"{empty}: no indicator file")
