"""``getprop`` output: androidqf's getprop.txt and the dumpstate section of a bugreport.

Facts: ``getprop`` prints ``[name]: [value]`` per property sorted by name (androidqf
``modules/getprop.go`` saves it as is); dumpstate runs it as the section
``------ SYSTEM PROPERTIES (getprop) ------`` closed by
``------ 0.046s was the duration of 'SYSTEM PROPERTIES' ------`` (dumpstate ``RunCommand`` and
``DurationReporter``). Property names are AOSP's (``ro.build.*``, ``persist.sys.timezone``...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def device_properties(
    *,
    model: str = "Pixel 6",
    device: str = "oriole",
    release: str = "13",
    sdk: int = 33,
    security_patch: str = "2023-05-05",
    build_id: str = "TQ2A.230505.002",
    timezone: str = "Europe/Paris",
    serial: str = "1A2B3C4D5E6F",
    operator: str = "Demo Mobile",
    country: str = "fr",
) -> dict[str, str]:
    """A realistic property set for a demo phone (a subset of a real Pixel's getprop)."""
    fingerprint = f"google/{device}/{device}:{release}/{build_id}/9790110:user/release-keys"
    return {
        "dalvik.vm.heapsize": "512m",
        "gsm.sim.operator.alpha": operator,
        "gsm.sim.operator.iso-country": country,
        "net.bt.name": "Android",
        "persist.sys.timezone": timezone,
        "persist.sys.usb.config": "mtp,adb",
        "ro.boot.serialno": serial,
        "ro.boot.verifiedbootstate": "green",
        "ro.build.fingerprint": fingerprint,
        "ro.build.id": build_id,
        "ro.build.type": "user",
        "ro.build.version.release": release,
        "ro.build.version.sdk": str(sdk),
        "ro.build.version.security_patch": security_patch,
        "ro.crypto.state": "encrypted",
        "ro.debuggable": "0",
        "ro.product.cpu.abi": "arm64-v8a",
        "ro.product.locale": "fr-FR",
        "ro.product.manufacturer": "Google",
        "ro.product.model": model,
        "ro.product.vendor.manufacturer": "Google",
        "ro.product.vendor.model": model,
        "ro.product.vendor.name": device,
        "sys.boot_completed": "1",
    }


def _items(props: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    pairs = props.items() if isinstance(props, Mapping) else props
    return sorted(pairs)


def lines(props: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """The ``[name]: [value]`` lines, sorted by name, each ending with a newline."""
    return "".join(f"[{name}]: [{value}]\n" for name, value in _items(props))


def render(props: Mapping[str, str] | Iterable[tuple[str, str]]) -> bytes:
    """getprop.txt bytes (androidqf)."""
    return lines(props).encode("utf-8")


def dumpstate_section(props: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """The SYSTEM PROPERTIES section of a dumpstate text, header and duration line included."""
    return (
        "------ SYSTEM PROPERTIES (getprop) ------\n"
        + lines(props)
        + "------ 0.046s was the duration of 'SYSTEM PROPERTIES' ------\n"
    )
