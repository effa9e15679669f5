from __future__ import annotations

import plistlib
from datetime import UTC, datetime

import pytest

from tracehound.core.errors import InputError
from tracehound.parsers.common.plist import load, unarchive

UID = plistlib.UID


def archive(objects: list[object]) -> dict[str, object]:
    return {
        "$archiver": "NSKeyedArchiver",
        "$version": 100000,
        "$top": {"root": UID(1)},
        "$objects": objects,
    }


def test_load_binary_and_xml() -> None:
    data = {"a": 1, "b": [True, "x"]}
    assert load(plistlib.dumps(data, fmt=plistlib.FMT_BINARY)) == data
    assert load(plistlib.dumps(data)) == data
    for bad in (b"", b"bplist00\x00\x01", b"<plist><dict><key>a</key></plist>"):
        with pytest.raises(InputError, match="not a valid property list"):
            load(bad)


def test_unarchive_dictionaries_arrays_strings_dates() -> None:
    obj = archive(
        [
            "$null",
            {"$class": UID(2), "NS.keys": [UID(3), UID(4)], "NS.objects": [UID(5), UID(6)]},
            {"$classname": "NSDictionary", "$classes": ["NSDictionary", "NSObject"]},
            "name",
            "when",
            {"$class": UID(7), "NS.string": "Demo"},
            {"$class": UID(8), "NS.time": 647_000_000.5},
            {"$classname": "NSMutableString", "$classes": ["NSMutableString", "NSString"]},
            {"$classname": "NSDate", "$classes": ["NSDate", "NSObject"]},
        ]
    )
    assert unarchive(obj) == {
        "name": "Demo",
        "when": datetime(2021, 7, 3, 10, 13, 20, 500000, tzinfo=UTC),
    }


def test_unarchive_custom_class_null_and_cycles() -> None:
    obj = archive(
        [
            "$null",
            {"$class": UID(2), "Size": 3, "Missing": UID(0), "Self": UID(1), "Far": UID(99)},
            {"$classname": "MBFile", "$classes": ["MBFile", "NSObject"]},
        ]
    )
    assert unarchive(obj) == {
        "Size": 3,
        "Missing": None,
        "Self": None,
        "Far": None,
        "$class": "MBFile",
    }


def test_unarchive_rejects_non_archives() -> None:
    with pytest.raises(InputError, match="NSKeyedArchiver"):
        unarchive({"a": 1})
    with pytest.raises(InputError, match="not an array"):
        unarchive({"$objects": {}, "$top": {}})
