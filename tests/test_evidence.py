from __future__ import annotations

from pathlib import Path

from tracehound.evidence import EvidenceLog


def test_unchanged(tmp_path: Path) -> None:
    f = tmp_path / "a.db"
    f.write_bytes(b"abc")
    log = EvidenceLog()
    item = log.register("/x/a.db", f, "ab/a.db", "ios.x")
    log.register("/x/a.db", f, "ab/a.db", "ios.y")
    assert item.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert item.artifacts == ["ios.x", "ios.y"] and item.size == 3
    assert log.verify() == {"unchanged": True, "inputs_checked": 1, "changed": [], "new_files": []}


def test_changed_hash_and_new_wal_are_reported(tmp_path: Path) -> None:
    f = tmp_path / "a.db"
    f.write_bytes(b"abc")
    log = EvidenceLog()
    log.register("/x/a.db", f, "a.db", "ios.x")
    f.write_bytes(b"abd")
    (tmp_path / "a.db-wal").write_bytes(b"")
    result = log.verify()
    assert result["unchanged"] is False
    assert result["changed"] == [{"path": "a.db", "problem": "SHA-256 changed during the run"}]
    assert result["new_files"] == [str(tmp_path / "a.db-wal")]
    assert log.to_json()[0]["device_path"] == "/x/a.db"


def test_early_rehash_covers_what_was_known_and_verify_the_rest(tmp_path: Path) -> None:
    """``start_verify`` re-hashes the inputs known when the workers are done; ``verify`` uses
    those digests (a change before then is reported), hashes inputs registered later, and
    reports a file that became unreadable."""
    a, b, c = (tmp_path / n for n in ("a.db", "b.db", "c.plist"))
    for f in (a, b, c):
        f.write_bytes(f.name.encode())
    log = EvidenceLog()
    log.register("/x/a.db", a, "a.db", "ios.x")
    log.register("/x/b.db", b, "b.db", "ios.x")
    a.write_bytes(b"changed by someone")
    b.unlink()
    log.start_verify()
    log.register("/x/c.plist", c, "c.plist", "ios.y")  # e.g. the source's own files, later
    c.write_bytes(b"changed too")
    result = log.verify()
    problems = {r["path"]: r["problem"] for r in result["changed"]}
    assert problems["a.db"] == "SHA-256 changed during the run"
    assert problems["c.plist"] == "SHA-256 changed during the run"
    assert problems["b.db"].startswith("unreadable after run")
    assert result["inputs_checked"] == 3 and result["unchanged"] is False
