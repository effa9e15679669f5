from __future__ import annotations

from tracehound.core.ios_domains import device_path


def test_fixed_domains() -> None:
    assert (
        device_path("HomeDomain", "Library/SMS/sms.db") == "/private/var/mobile/Library/SMS/sms.db"
    )
    assert (
        device_path("WirelessDomain", "Library/Databases/DataUsage.sqlite")
        == "/private/var/wireless/Library/Databases/DataUsage.sqlite"
    )
    assert (
        device_path("RootDomain", "Library/Caches/locationd/clients.plist")
        == "/private/var/root/Library/Caches/locationd/clients.plist"
    )


def test_container_domains() -> None:
    assert (
        device_path("AppDomain-com.google.chrome.ios", "Library/x")
        == "/private/var/mobile/Containers/Data/Application/com.google.chrome.ios/Library/x"
    )
    assert (
        device_path(
            "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles",
            "Library/ConfigurationProfiles/profile-a.stub",
        )
        == "/private/var/containers/Shared/SystemGroup/systemgroup.com.apple.configurationprofiles"
        "/Library/ConfigurationProfiles/profile-a.stub"
    )
    assert device_path(
        "AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ChatStorage.sqlite"
    ) == (
        "/private/var/mobile/Containers/Shared/AppGroup/group.net.whatsapp.WhatsApp.shared/ChatStorage.sqlite"
    )


def test_unknown_domain_does_not_collide_and_cannot_escape() -> None:
    # Device paths are only names to match globs against; files are opened by fileID.
    path = device_path("WeirdDomain/../../etc", "passwd")
    assert path == "/private/var/.backup-domains/WeirdDomain_.._.._etc/passwd"
    assert device_path("HomeDomain", "") == "/private/var/mobile"
