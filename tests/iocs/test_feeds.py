"""``tracehound iocs update``: a local HTTP server plays the index and the files."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracehound.cli import main
from tracehound.iocs import feeds
from tracehound.iocs.bundled import BUNDLED_DIR

PEGASUS = (BUNDLED_DIR / "pegasus" / "pegasus.stix2").read_bytes()
KINGSPAWN = (BUNDLED_DIR / "quadream_kingspawn" / "kingspawn.stix2").read_bytes()


class _Server:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                data = outer.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def index(self, entries: list[str]) -> str:
        body = "indicators:\n" + "".join(
            f"  - type: download\n    name: Entry {n}\n    download_url: {self.base}{path}\n"
            for n, path in enumerate(entries)
        )
        self.files["/indicators.yaml"] = body.encode()
        return f"{self.base}/indicators.yaml"


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    yield srv
    srv.httpd.shutdown()


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(feeds.ENV_DATA_DIR, str(tmp_path / "data"))
    return tmp_path / "data" / "iocs"


def test_update_downloads_verifies_and_records(server: _Server, root: Path) -> None:
    server.files["/a/pegasus.stix2"] = PEGASUS
    server.files["/b/kingspawn.stix2"] = KINGSPAWN
    url = server.index(["/a/pegasus.stix2", "/b/kingspawn.stix2"])
    manifest = feeds.update(url)
    assert [f["path"] for f in manifest["files"]] == [
        "01_entry_0/pegasus.stix2",
        "02_entry_1/kingspawn.stix2",
    ]
    import hashlib

    assert manifest["files"][0]["sha256"] == hashlib.sha256(PEGASUS).hexdigest()
    assert manifest["indicators"] == 1549 + 167
    assert (root / "01_entry_0" / "pegasus.stix2").read_bytes() == PEGASUS
    assert json.loads((root / "manifest.json").read_text())["index_url"] == url
    name, paths = feeds.default_paths()
    assert name == "downloaded" and [p.name for p in paths] == ["pegasus.stix2", "kingspawn.stix2"]
    assert feeds.label(paths[0]) == "downloaded:01_entry_0/pegasus.stix2"


def test_failed_update_keeps_the_current_set(server: _Server, root: Path) -> None:
    server.files["/a/pegasus.stix2"] = PEGASUS
    feeds.update(server.index(["/a/pegasus.stix2"]))
    before = (root / "manifest.json").read_text()
    # A missing file, then a file that is not STIX2: neither replaces the set.
    for entries in (["/a/pegasus.stix2", "/missing.stix2"], ["/broken.stix2"]):
        server.files["/broken.stix2"] = b"{not json"
        with pytest.raises(feeds.UpdateError):
            feeds.update(server.index(entries))
        assert (root / "manifest.json").read_text() == before
    leftovers = [p.name for p in root.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_github_entries_and_stalkerware_extras() -> None:
    index = b"""indicators:
  - type: github
    name: Stalkerware
    github: {owner: AssoEchap, repo: stalkerware-indicators, branch: master,
             path: generated/stalkerware.stix2}
"""
    urls = [f.url for f in feeds.feeds_from_index(index, "x")]
    base = "https://raw.githubusercontent.com/AssoEchap/stalkerware-indicators/master/"
    assert urls == [base + "generated/stalkerware.stix2", base + "ioc.yaml", base + "samples.csv"]


@pytest.mark.parametrize(
    "url",
    ["http://example.org/i.yaml", "file:///etc/passwd", "ftp://x/y", "https:///nohost"],
)
def test_only_https_or_loopback(url: str) -> None:
    with pytest.raises(feeds.UpdateError, match="only https"):
        feeds.check_url(url)
    assert feeds.check_url("http://127.0.0.1:8000/x") == "http://127.0.0.1:8000/x"


def test_malformed_index_is_refused(server: _Server, root: Path) -> None:
    server.files["/indicators.yaml"] = b"indicators:\n  - type: mystery\n"
    with pytest.raises(feeds.UpdateError, match="unknown type"):
        feeds.update(f"{server.base}/indicators.yaml")
    assert not root.exists()


def test_cli_update_list_and_check(server: _Server, root: Path) -> None:
    server.files["/a/pegasus.stix2"] = PEGASUS
    url = server.index(["/a/pegasus.stix2"])
    runner = CliRunner()
    result = runner.invoke(main, ["iocs", "update", "--url", url])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(main, ["iocs", "list"])
    assert listed.exit_code == 0
    assert "Default set: downloaded" in listed.output and "1549" in listed.output
    hit = runner.invoke(main, ["iocs", "check", "https://x.y.free247downloads.com:30495/a"])
    assert hit.exit_code == 1 and "Pegasus" in hit.output and "subdomain" in hit.output
    miss = runner.invoke(main, ["iocs", "check", "com.thetruth"])  # not in the downloaded set
    assert miss.exit_code == 0 and "no indicator matches" in miss.output
    failed = runner.invoke(main, ["iocs", "update", "--url", "http://example.org/x"])
    assert failed.exit_code == 4 and "unchanged" in failed.output


def test_check_uses_downloaded_set_and_records_it(
    server: _Server, root: Path, tmp_path: Path
) -> None:
    from tracehound.demo.generate import write_demo_backup
    from tracehound.pipeline import CheckOptions, run_check

    server.files["/a/pegasus.stix2"] = PEGASUS
    feeds.update(server.index(["/a/pegasus.stix2"]))
    backup = write_demo_backup(tmp_path / "backup")
    result = run_check(CheckOptions(target=backup, output=tmp_path / "out"))
    info = result.run["indicators"]
    assert info["default_set"] == "downloaded"
    assert info["downloaded"]["index_url"].endswith("/indicators.yaml")
    assert [f["path"] for f in info["files"]] == ["downloaded:01_entry_0/pegasus.stix2"]
    assert any(d["type"] == "indicator" for d in result.detections)
