from __future__ import annotations

from tracehound.core.records import Provenance
from tracehound.core.registry import Severity
from tracehound.detectors.android_root_binaries import RootBinaries
from tracehound.parsers.android.root_binaries import RootBinary

PROV = Provenance(source="androidqf", path="androidqf:root_binaries.json", sha256=None,
                  parser="android.root_binaries", parser_version="1")  # fmt: skip


def test_every_root_binary_is_high_with_a_description() -> None:
    det = RootBinaries()
    su = list(det.feed(RootBinary(ts=None, path="/system/xbin/su", binary="su"), PROV))
    assert [(f.severity, f.value, f.detector) for f in su] == [
        (Severity.HIGH, "/system/xbin/su", "android_root_binaries")
    ]
    assert "gives root" in su[0].message
    apk = list(det.feed(RootBinary(ts=None, path="/system/app/KingoUser.apk",
                                   binary="KingoUser.apk"), PROV))  # fmt: skip
    assert "KingRoot" in apk[0].message
    odd = list(det.feed(RootBinary(ts=None, path="/sbin/sux", binary="sux"), PROV))
    assert "a root tool" in odd[0].message and odd[0].severity is Severity.HIGH
