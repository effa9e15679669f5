"""androidqf settings_<namespace>.txt: the output of ``cmd settings list <namespace>``.

Facts: androidqf ``modules/settings.go`` saves ``cmd settings list system|secure|global`` as
``settings_system.txt``, ``settings_secure.txt`` and ``settings_global.txt``; each line is
``key=value`` (the settings provider lists rows sorted by name). Key names are those of
``android.provider.Settings.System/Secure/Global``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: A stock phone's settings (subset): Play Protect on, no accessibility service, adb on (needed
#: by androidqf during the acquisition).
DEFAULTS: dict[str, dict[str, str]] = {
    "system": {
        "accelerometer_rotation": "0",
        "dtmf_tone": "1",
        "font_scale": "1.0",
        "haptic_feedback_enabled": "1",
        "screen_brightness": "102",
        "screen_off_timeout": "30000",
        "sound_effects_enabled": "1",
        "time_12_24": "24",
        "volume_ring": "5",
    },
    "secure": {
        "accessibility_enabled": "0",
        "android_id": "5f1c2e3d4b6a7980",
        "backup_enabled": "1",
        "default_input_method": (
            "com.google.android.inputmethod.latin/com.android.inputmethod.latin.LatinIME"
        ),
        "install_non_market_apps": "1",
        "location_mode": "3",
        "lock_screen_owner_info_enabled": "0",
        "screensaver_enabled": "0",
        "send_action_app_error": "1",
    },
    "global": {
        "adb_enabled": "1",
        "airplane_mode_on": "0",
        "auto_time": "1",
        "auto_time_zone": "1",
        "bluetooth_on": "1",
        "development_settings_enabled": "1",
        "device_name": "Pixel 6",
        "package_verifier_user_consent": "1",
        "stay_on_while_plugged_in": "0",
        "upload_apk_enable": "1",
        "verifier_verify_adb_installs": "1",
        "wifi_on": "1",
    },
}


def merged(namespace: str, changes: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The defaults of ``namespace`` with ``changes`` applied (a None value removes the key)."""
    values = dict(DEFAULTS.get(namespace, {}))
    for key, value in (changes or {}).items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return values


def render(settings: Mapping[str, str] | Iterable[tuple[str, str]]) -> bytes:
    """settings_<namespace>.txt bytes: ``key=value`` lines sorted by key."""
    pairs = settings.items() if isinstance(settings, Mapping) else settings
    return "".join(f"{key}={value}\n" for key, value in sorted(pairs)).encode("utf-8")


# --- bugreport: dumpsys settings -------------------------------------------------------------

#: Block order of SettingsProvider.dumpForUserLocked (config and global for the system user).
_BLOCKS = ("config", "global", "secure", "system")


def render_dumpsys(namespaces: Mapping[str, Mapping[str, str]], user: int = 0) -> str:
    """``dumpsys settings`` for ``user``: per block ``<NS> SETTINGS (user N)``, ``version:``,
    ``_id:N name:KEY pkg:android value:VALUE`` lines (sorted by name), then a blank line."""
    lines: list[str] = []
    ids = 0
    for block in _BLOCKS:
        if block not in namespaces or (block in ("config", "global") and user != 0):
            continue
        lines += [f"{block.upper()} SETTINGS (user {user})", "version: 213"]
        for key, value in sorted(namespaces[block].items()):
            ids += 1
            lines.append(f"_id:{ids} name:{key} pkg:android value:{value}")
        lines.append("")
    return "\n".join(lines) + "\n"
