"""Fixtures of the report tests: checked demo results, a hostile acquisition, headless Chromium.

The ``browser`` marker tags tests that need Chromium and chromedriver (Debian packages
``chromium`` and ``chromium-driver``). ``make test`` installs them (or stops and says what to
install) and sets TRACEHOUND_REQUIRE_BROWSER=1: then a browser test without them fails. A plain
``pytest`` run skips them, with that reason in the summary.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tracehound.cli import main
from tracehound.core.timeutil import to_cocoa
from tracehound.demo import generate
from tracehound.demo.backup import BackupWriter
from tracehound.demo.ios import backup_info, safari_history, sms

CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser")
CHROMEDRIVER = ("/usr/bin/chromedriver", "chromedriver")
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
)

# Hostile device values. Each script payload would set window.__pwned or change the title.
SCRIPT = "<script>window.__pwned=1;document.title='pwned'</script>"
IMG = '<img src="http://127.0.0.1:9/x.png" onerror="window.__pwned=2">'
SVG = '"><svg onload="window.__pwned=3;alert(3)">'
JS_URL = "javascript:window.__pwned=4;alert(4)//"
RLO = "invoice\u202egpj.exe"
FORMULA = '=HYPERLINK("http://127.0.0.1:9/","click")'
IFRAME = '<iframe src="javascript:parent.__pwned=5"></iframe><style>body{display:none}</style>'
LONG = "L" * 150_000
#: A Pegasus domain of the bundled pegasus.stix2, inside hostile URLs.
EVIL_SMS_LINK = "https://urlpush.net/<script>window.__pwned=6</script>"
EVIL_SAFARI_URL = 'https://x.free247downloads.com/"><img src=x onerror="window.__pwned=7">'
HOSTILE_DEVICE = "<script>window.__pwned=8</script>\u202eenohPi"
WHEN = datetime(2021, 7, 12, 9, 0, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: needs headless Chromium and chromedriver (fails when absent under make test, "
        "else skipped)",
    )


def run_check(backup: Path, out: Path) -> Any:
    return CliRunner().invoke(main, ["check", str(backup), "--output", str(out), "--timeline-csv"])


@pytest.fixture(scope="session")
def demo_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checked demo backup (infected): a results folder with report.html."""
    root = tmp_path_factory.mktemp("demo")
    backup = generate.write_demo_backup(root / "backup")
    result = run_check(backup, root / "out")
    assert result.exit_code == 1, result.output
    return root / "out"


def _sms_db(path: Path) -> None:
    handles = [
        {"ROWID": 1, "id": '"><img src=x onerror=window.__pwned=9>@evil.example', "service": "SMS"},
        {"ROWID": 2, "id": JS_URL, "service": "SMS"},
        {"ROWID": 3, "id": "+1202\u202e5550100", "service": "SMS"},
        {"ROWID": 4, "id": generate.ATTACKER_EMAIL, "service": "iMessage"},
    ]
    texts = [
        f"Hi {SCRIPT} pay here {EVIL_SMS_LINK} {IMG}",
        f"{FORMULA} {SVG}",
        f"{RLO} {IFRAME}",
        f"{LONG} https://urlpush.net/long",
        "placeholder for broken UTF-8",
        f"-2+3 @SUM(A1) \t=cmd|' /C calc'!A0 {JS_URL}",
    ]
    messages = [
        {
            "ROWID": n,
            "handle_id": (n - 1) % 4 + 1,
            "text": text,
            "date": int(to_cocoa(WHEN + timedelta(minutes=n)) * 1e9),
            "service": "SMS",
        }
        for n, text in enumerate(texts, 1)
    ]
    sms.write(path, messages, handles=handles)
    conn = sqlite3.connect(path)  # invalid UTF-8 stored as TEXT, as a hostile phone may have
    conn.execute("UPDATE message SET text = CAST(X'636166c320fffe3c623e' AS TEXT) WHERE ROWID = 5")
    conn.commit()
    conn.close()


def _history_db(path: Path) -> None:
    items = [
        {"id": 1, "url": EVIL_SAFARI_URL},
        {"id": 2, "url": JS_URL},
        {"id": 3, "url": "https://news.example/=cmd"},
        {"id": 4, "url": f"https://free247downloads.com/{RLO}/{LONG[:5000]}"},
    ]
    titles = [SCRIPT + RLO, IFRAME, FORMULA, LONG]
    visits = [
        {"id": n, "history_item": n, "visit_time": to_cocoa(WHEN + timedelta(minutes=10 + n))}
        | {"title": titles[n - 1]}
        for n in range(1, 5)
    ]
    visits.append(
        {"id": 5, "history_item": 3, "visit_time": to_cocoa(datetime(1990, 1, 1, tzinfo=UTC))}
    )
    safari_history.write(path, items, visits)


def build_hostile_backup(root: Path) -> Path:
    """An iOS backup whose messages, Safari history and device name carry hostile payloads,
    some of them on bundled Pegasus indicator domains (so they become detections)."""
    writer = BackupWriter(root, WHEN + timedelta(days=2))
    writer.add_built("HomeDomain", "Library/SMS/sms.db", _sms_db)
    writer.add_built("HomeDomain", "Library/Safari/History.db", _history_db)
    lockdown = dict(generate.LOCKDOWN, DeviceName=HOSTILE_DEVICE)
    writer.finish(lockdown)
    apps = [backup_info.App(bundle_id="com.example.<b>app</b>", name=SCRIPT, purchase_date=WHEN)]
    backup_info.write(root / "Info.plist", apps, device_name=HOSTILE_DEVICE, last_backup=WHEN)
    return root


@pytest.fixture(scope="session")
def hostile_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checked hostile backup: a results folder with report.html."""
    root = tmp_path_factory.mktemp("hostile")
    backup = build_hostile_backup(root / "backup")
    result = run_check(backup, root / "out")
    assert result.exit_code == 1, result.output
    return root / "out"


def _find(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


#: Longest temporary folder Chromium's sockets fit under (see ``chrome``).
MAX_SCRATCH = 40
#: Set by ``make test``: the browser tests must run, so a missing browser fails them.
ENV_REQUIRE_BROWSER = "TRACEHOUND_REQUIRE_BROWSER"
NO_BROWSER = (
    "chromium and chromedriver are not installed here (apt-get install chromium chromium-driver)"
)


def no_browser() -> None:
    """Fail when the run requires the browser tests (make test), else skip with the reason."""
    if os.environ.get(ENV_REQUIRE_BROWSER) == "1":
        pytest.fail(f"{NO_BROWSER}; {ENV_REQUIRE_BROWSER}=1 requires the browser tests")
    pytest.skip(f"{NO_BROWSER}; make test installs them or says what to install")


@pytest.fixture(scope="session")
def chrome() -> Iterator[Any]:
    """A headless Chromium driven by selenium, with network and console logging."""
    binary, driver_path = _find(CHROMIUM), _find(CHROMEDRIVER)
    if binary is None or driver_path is None:
        no_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # Chromium puts its SingletonSocket (a Unix socket) under the profile and $TMPDIR; a socket
    # path is limited to 107 bytes (sun_path, unix(7)), so under a long temporary folder the
    # browser exits at start. Its scratch space then goes to a private folder in /tmp.
    scratch = None if len(tempfile.gettempdir()) <= MAX_SCRATCH else "/tmp"
    profile = tempfile.mkdtemp(prefix="tracehound-chrome-", dir=scratch)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    service = Service(driver_path, env={**os.environ, "TMPDIR": profile})
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
