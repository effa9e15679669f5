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
