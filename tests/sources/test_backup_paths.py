"""The Manifest.db scan builds device paths as one Arrow column: the same as ``device_path``."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from tracehound.core.ios_domains import device_path, device_paths

_DOMAINS = st.sampled_from(
    [
        "HomeDomain",
        "MediaDomain",
        "AppDomain-net.whatsapp.WhatsApp",
        "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
        "SysSharedContainerDomain-systemgroup.com.apple.sms",
        "NoSuchDomain",
        "AppDomain-",
        "Weird/Domain",
        "",
    ]
)
_RELATIVE = st.one_of(
    st.sampled_from(["", "/", "//", "Library/SMS/sms.db", "/Library/", "a//b/"]),
    st.text(alphabet="ab/é ", max_size=8),
)


@given(st.lists(st.tuples(_DOMAINS, _RELATIVE), min_size=1, max_size=30))
def test_column_paths_equal_device_path(rows: list[tuple[str, str]]) -> None:
    domains = pa.array([d for d, _ in rows], pa.string())
    relative = pa.array([r for _, r in rows], pa.string())
    assert device_paths(domains, relative).to_pylist() == [device_path(d, r) for d, r in rows]
