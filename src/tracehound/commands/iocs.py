"""``tracehound iocs``: update, list and query the indicator sets.

``update`` is the only command of tracehound that uses the network.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from tracehound.core.errors import TracehoundError
from tracehound.core.records import Kind
from tracehound.iocs.feeds import (
    DEFAULT_INDEX_URL,
    Feed,
    data_dir,
    default_paths,
    label,
    read_manifest,
    update,
)
from tracehound.iocs.index import IndicatorIndex
from tracehound.iocs.load import load_iocs
from tracehound.iocs.normalise import parse_ip
from tracehound.iocs.stix import IocFile, IocSet
from tracehound.listing import Cell, Column, print_listing
from tracehound.reports.text import counted, printable

#: What ``iocs check`` looks a value up as, by the form of the value (or --kind).
_KINDS = {
    "domain": (Kind.DOMAIN,),
    "url": (Kind.URL,),
    "ip": (Kind.IP,),
    "email": (Kind.EMAIL,),
    "process": (Kind.PROCESS,),
    "path": (Kind.DEVICE_PATH, Kind.FILE_NAME),
    "app": (Kind.APP_ID,),
    "hash": (Kind.FILE_HASH, Kind.CERT_HASH),
    "profile": (Kind.PROFILE_ID,),
    "property": (Kind.PROP_NAME,),
}


def _show(text: object) -> str:
    return escape(printable(str(text)))


@click.group(name="iocs")
def group() -> None:
    """Update, list and query indicators of compromise."""


@group.command(name="update")
@click.option(
    "--url",
    "index_url",
    help=f"Index of sources (mvt-indicators format). Default: {DEFAULT_INDEX_URL} "
    "or $TRACEHOUND_IOC_INDEX_URL.",
)
@click.option("--timeout", default=30.0, show_default=True, help="Seconds per download.")
def update_command(index_url: str | None, timeout: float) -> None:
    """Download the current public indicators (the only command that uses the network)."""
    console = Console(stderr=True, highlight=False)

    def show(feed: Feed) -> None:
        console.print(f"downloading {_show(feed.url)}")

    try:
        manifest = update(index_url, timeout=timeout, progress=show)
    except TracehoundError as exc:
        console.print(f"[bold red]error:[/] {_show(exc)} (the current set is unchanged)")
        sys.exit(exc.exit_code)
    console.print(
        f"Updated {counted(len(manifest['files']), 'file')}, "
        f"{counted(manifest['indicators'], 'indicator')}, "
        f"into {_show(data_dir())}; checks now use this set instead of the bundled one."
    )


def _load(extra: tuple[Path, ...], with_default: bool) -> tuple[str, IocSet]:
    name, paths = default_paths()
    files = (list(paths) if with_default else []) + list(extra)
    return name, load_iocs(files, label)


@group.command(name="list")
@click.option("--iocs", "extra", multiple=True, type=click.Path(path_type=Path))
@click.option("--no-bundled-iocs", is_flag=True, help="Leave out the default set.")
def list_command(extra: tuple[Path, ...], no_bundled_iocs: bool) -> None:
    """Show the indicator files a check would use, with counts, malware, dates and hashes."""
    console = Console(highlight=False, soft_wrap=True)  # paths in messages stay whole
    try:
        name, iocs = _load(extra, not no_bundled_iocs)
    except TracehoundError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {_show(exc)}")
        sys.exit(exc.exit_code)
    manifest = read_manifest() if name == "downloaded" else None
    when = f", downloaded {manifest['updated']}" if manifest else ""
    console.print(f"Default set: [bold]{name}[/]{_show(when)}")
    columns = [
        Column("file"),
        Column("indicators", right=True),
        Column("kinds", prose=True),
        Column("malware", prose=True),
        Column("newest"),
        Column("sha256"),
    ]
    print_listing(console, columns, [_file_row(f) for f in iocs.files])
    console.print(
        f"{counted(len(iocs.indicators), 'indicator')}, "
        f"{counted(iocs.warning_count, 'load warning')}"
    )
    broken = [f for f in iocs.files if f.error]
    for f in broken:
        console.print(f"[bold red]cannot load[/] {_show(f.path)}: {_show(f.error)}")
    if broken:
        sys.exit(2)


def _file_row(f: IocFile) -> list[str | Cell]:
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(f.counts.items()))
    malware = ", ".join(f.malware[:6]) + (f" +{len(f.malware) - 6}" if len(f.malware) > 6 else "")
    loaded: str | Cell = Cell(f.error, "red") if f.error else str(f.indicators)
    return [f.path, loaded, kinds, malware, f.newest or "-", f.sha256[:16]]


def guess_kinds(value: str) -> tuple[str, ...]:
    """Which kinds a bare value can be, from its form."""
    text = value.strip()
    hexdigits = set("0123456789abcdefABCDEF:")
    if "://" in text:
        return ("url",)
    if "@" in text:
        return ("email",)
    if parse_ip(text) is not None:
        return ("ip",)
    if len(text.replace(":", "")) in (32, 40, 64, 128) and set(text) <= hexdigits:
        return ("hash",)
    if text.startswith("/"):
        return ("path", "process")
    if "." in text and " " not in text:
        return ("domain", "app", "path", "property", "process")
    return ("process", "path", "profile")


@group.command(name="check")
@click.argument("value")
@click.option("--kind", type=click.Choice(sorted(_KINDS)), help="Look VALUE up as this kind only.")
@click.option("--iocs", "extra", multiple=True, type=click.Path(path_type=Path))
@click.option("--no-bundled-iocs", is_flag=True, help="Leave out the default set.")
def check_command(
    value: str, kind: str | None, extra: tuple[Path, ...], no_bundled_iocs: bool
) -> None:
    """Say which indicators would match VALUE (domain, URL, email, process, path, app id, hash).

    Exit code 1 when something matches, 0 when nothing does, 2 when nothing does and an
    indicator file could not be loaded (its indicators were not looked at).
    """
    console = Console(highlight=False)
    _, iocs = _load(extra, not no_bundled_iocs)
    broken = [f for f in iocs.files if f.error]
    for f in broken:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"[bold red]cannot load[/] {_show(f.path)}: {_show(f.error)}"
        )
    index = IndicatorIndex.build(iocs.indicators)
    found = 0
    for name in (kind,) if kind else guess_kinds(value):
        for semantic in _KINDS[name]:
            for match in index.match_value(semantic, value, name):
                found += 1
                ind = match.indicator
                console.print(
                    f"[bold red]match[/] as {name}: {_show(ind.object_path)} = {_show(ind.raw)} "
                    f"({_show(match.reason)}); malware {_show(', '.join(ind.malware) or '-')}; "
                    f"{_show(ind.source)} {_show(ind.id)}"
                )
    if not found:
        tried = kind or ", ".join(guess_kinds(value))
        console.print(f"no indicator matches {_show(value)!s} (looked up as: {tried})")
    sys.exit(1 if found else 2 if broken else 0)


COMMAND = group
