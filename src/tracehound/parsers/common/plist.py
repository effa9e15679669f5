"""Property lists: loading (binary or XML) and NSKeyedArchiver decoding.

NSKeyedArchiver format (Apple Foundation): a plist with ``$archiver``, ``$top`` and ``$objects``;
objects refer to each other through ``plistlib.UID`` indexes into ``$objects``; index 0 is the
``$null`` placeholder; dictionaries archived as NSDictionary carry ``NS.keys``/``NS.objects``,
arrays ``NS.objects``, strings may be ``NS.string``, dates ``NS.time`` (Cocoa seconds).
"""

from __future__ import annotations

import plistlib
from typing import Any

from tracehound.core.errors import InputError
from tracehound.core.timeutil import from_cocoa

MAX_DEPTH = 64


def load(data: bytes) -> Any:
    """Parse a binary or XML plist; raise InputError with the reason if it is not one."""
    try:
        return plistlib.loads(data)
    except (plistlib.InvalidFileException, ValueError, TypeError, KeyError, IndexError) as exc:
        raise InputError(f"not a valid property list: {exc or type(exc).__name__}") from exc
    except Exception as exc:  # plistlib raises assorted errors on hostile input
        raise InputError(f"not a valid property list: {type(exc).__name__}: {exc}") from exc


def is_keyed_archive(obj: Any) -> bool:
    """True if ``obj`` looks like an NSKeyedArchiver plist."""
    return isinstance(obj, dict) and "$objects" in obj and "$top" in obj


def unarchive(obj: Any) -> Any:
    """Decode an NSKeyedArchiver plist into plain Python values (dicts, lists, str, datetime...).

    Unknown classes decode to a dict of their fields plus ``$class`` (the class name). Reference
    cycles and excessive nesting are cut, so hostile archives cannot recurse forever.
    """
    if not is_keyed_archive(obj):
        raise InputError("not an NSKeyedArchiver archive ($objects/$top missing)")
    objects = obj["$objects"]
    if not isinstance(objects, list):
        raise InputError("NSKeyedArchiver $objects is not an array")
    top = obj["$top"]
    root = top.get("root", next(iter(top.values()), None)) if isinstance(top, dict) else None
    return _decode(root, objects, 0, frozenset())


def _decode(value: Any, objects: list[Any], depth: int, seen: frozenset[int]) -> Any:
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, plistlib.UID):
        index = value.data
        if index in seen or not 0 <= index < len(objects):
            return None
        target = objects[index]
        if target == "$null":
            return None
        return _decode(target, objects, depth + 1, seen | {index})
    if isinstance(value, list):
        return [_decode(v, objects, depth + 1, seen) for v in value]
    if isinstance(value, dict):
        return _decode_dict(value, objects, depth, seen)
    return value


def _class_name(value: dict[str, Any], objects: list[Any]) -> str | None:
    ref = value.get("$class")
    if isinstance(ref, plistlib.UID) and 0 <= ref.data < len(objects):
        cls = objects[ref.data]
        if isinstance(cls, dict):
            name = cls.get("$classname")
            return name if isinstance(name, str) else None
    return None


def _decode_dict(
    value: dict[str, Any], objects: list[Any], depth: int, seen: frozenset[int]
) -> Any:
    name = _class_name(value, objects)
    if "NS.keys" in value and "NS.objects" in value:
        keys = [_decode(k, objects, depth + 1, seen) for k in value["NS.keys"]]
        vals = [_decode(v, objects, depth + 1, seen) for v in value["NS.objects"]]
        return {str(k): v for k, v in zip(keys, vals, strict=False)}
    if "NS.objects" in value:
        return [_decode(v, objects, depth + 1, seen) for v in value["NS.objects"]]
    if "NS.string" in value:
        return _decode(value["NS.string"], objects, depth + 1, seen)
    if "NS.bytes" in value:
        return value["NS.bytes"]
    if "NS.time" in value and name in ("NSDate", None):
        return from_cocoa(value["NS.time"])
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "$class":
            continue
        out[key] = _decode(item, objects, depth + 1, seen)
    if name:
        out["$class"] = name
    return out
