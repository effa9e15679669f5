"""Under ``make test`` (TRACEHOUND_REQUIRE_BROWSER=1) a missing browser fails the browser tests."""

from __future__ import annotations

import pytest

from .conftest import ENV_REQUIRE_BROWSER, no_browser


def test_missing_browser_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_REQUIRE_BROWSER, "1")
    with pytest.raises(pytest.fail.Exception, match="chromium and chromedriver are not installed"):
        no_browser()


def test_missing_browser_skips_with_the_reason_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_REQUIRE_BROWSER, raising=False)
    with pytest.raises(pytest.skip.Exception, match="make test installs them"):
        no_browser()
