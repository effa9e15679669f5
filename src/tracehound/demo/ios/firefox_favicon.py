"""Firefox for iOS favicons live in the same ``browser.db`` as its history.

``write`` is ``firefox_history.write``: pass ``favicons`` (``id``, ``url``, ``width``, ``height``,
``type``, ``date`` in Unix seconds) and ``favicon_sites`` (``siteID`` -> history.id,
``faviconID`` -> favicons.id) along with the ``history`` rows of the pages.
"""

from __future__ import annotations

from tracehound.demo.ios.firefox_history import write

__all__ = ["write"]
