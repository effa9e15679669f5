"""Map an iOS backup ``domain`` + ``relativePath`` to the canonical device path.

Facts: iOS backup domains name the root folder their relative paths hang from (the MobileBackup
framework's MBDomain roots, as documented by public backup tools). Container domains carry the
bundle or group id where the live file system has a UUID folder; parsers therefore glob that
position with ``*``.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

_FIXED = {
    "HomeDomain": "/private/var/mobile",
    "MediaDomain": "/private/var/mobile",
    "CameraRollDomain": "/private/var/mobile",
    "TonesDomain": "/private/var/mobile",
    "KeyboardDomain": "/private/var/mobile",
    "HomeKitDomain": "/private/var/mobile",
    "BooksDomain": "/private/var/mobile/Media/Books",
    "HealthDomain": "/private/var/mobile/Library",
    "RootDomain": "/private/var/root",
    "WirelessDomain": "/private/var/wireless",
    "SystemPreferencesDomain": "/private/var/preferences",
    "KeychainDomain": "/private/var/Keychains",
    "ManagedPreferencesDomain": "/private/var/Managed Preferences",
    "MobileDeviceDomain": "/private/var/MobileDevice",
    "DatabaseDomain": "/private/var/db",
    "InstallDomain": "/private/var/installd",
    "NetworkDomain": "/private/var/networkd",
    "ProtectedDomain": "/private/var/protected",
}

_CONTAINERS = {
    "AppDomain": "/private/var/mobile/Containers/Data/Application",
    "AppDomainGroup": "/private/var/mobile/Containers/Shared/AppGroup",
    "AppDomainPlugin": "/private/var/mobile/Containers/Data/PluginKitPlugin",
    "SysContainerDomain": "/private/var/containers/Data/System",
    "SysSharedContainerDomain": "/private/var/containers/Shared/SystemGroup",
}

#: Root for domains this table does not know: kept distinct so they never collide with real paths.
UNKNOWN_ROOT = "/private/var/.backup-domains"


def domain_root(domain: str) -> str:
    """The device folder that a backup domain's relative paths are relative to."""
    root = _FIXED.get(domain)
    if root is not None:
        return root
    prefix, sep, ident = domain.partition("-")
    if sep and prefix in _CONTAINERS and ident:
        return f"{_CONTAINERS[prefix]}/{ident.replace('/', '_')}"
    return f"{UNKNOWN_ROOT}/{domain.replace('/', '_')}"


def device_path(domain: str, relative_path: str) -> str:
    """Canonical device path of a backup file, e.g. HomeDomain + Library/SMS/sms.db."""
    root = domain_root(domain)
    rel = relative_path.strip("/")
    return f"{root}/{rel}" if rel else root


def device_paths(domains: pa.Array, relative: pa.Array) -> pa.Array:
    """:func:`device_path` for columns of domains and relative paths (Arrow strings, no
    nulls): each distinct domain's root computed once, the rest column by column."""
    distinct = pc.unique(domains)
    roots = pa.array([domain_root(d) for d in distinct.to_pylist()], pa.string())
    root = pc.take(roots, pc.index_in(domains, distinct))
    tail = pc.utf8_trim(relative, "/")
    joined = pc.binary_join_element_wise(root, tail, "/")
    return pc.if_else(pc.equal(tail, ""), root, joined)
