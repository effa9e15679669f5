"""Print a listing (``tracehound artifacts``, ``tracehound iocs list``) without cutting names.

A rich table squeezed into a narrow width folds or crops every column, so an artifact name or an
indicator file's path came out split mid-word (``ios.safari_hist`` / ``ory``), and when stdout
is a pipe rich assumes 80 columns, so ``| grep`` saw the pieces. Two outputs instead:

- not a terminal (a pipe, a file): plain lines, one per row, cells separated by tabs, with a
  header line; nothing is wrapped or cut, so ``grep`` and ``cut -f`` work on whole values;
- a terminal: a table whose name and path columns never wrap and whose prose columns wrap at
  spaces only; when even that does not fit the width, the plain lines above.

Cells are plain text shown through ``printable``, so a tab or a newline inside a value is made
visible and cannot break the line format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tracehound.reports.text import printable

#: Narrowest a prose column may get before the table gives way to plain lines.
MIN_PROSE = 16


@dataclass(frozen=True)
class Column:
    """One column: its header, and whether it holds prose (which may wrap at spaces)."""

    name: str
    prose: bool = False
    right: bool = False


@dataclass(frozen=True)
class Cell:
    """Plain text of one cell (several values are several lines) and its style on a terminal."""

    text: str
    style: str = ""


def _lines(text: str) -> str:
    """``text`` made printable line by line (its own line breaks kept)."""
    return "\n".join(printable(line) for line in text.split("\n"))


def _cell(value: str | Cell) -> Cell:
    return value if isinstance(value, Cell) else Cell(value)


def _needed(columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> int:
    """Width of the table with its name columns whole and prose columns at MIN_PROSE (or
    their longest word, if longer): one space of padding each side and one border per column."""
    total = 1
    for number, column in enumerate(columns):
        lines = [column.name, *(ln for row in rows for ln in row[number].text.split("\n"))]
        if column.prose:
            longest_word = max((cell_len(w) for ln in lines for w in ln.split()), default=0)
            total += max(MIN_PROSE, longest_word) + 3
        else:
            total += max(cell_len(printable(ln)) for ln in lines) + 3
    return total


def print_plain(
    console: Console, columns: Sequence[Column], rows: Sequence[Sequence[str | Cell]]
) -> None:
    """A header line and one tab-separated line per row; lines of a cell joined by "; "."""
    lines = ["\t".join(c.name for c in columns)]
    for row in rows:
        lines.append("\t".join(printable(_cell(v).text.replace("\n", "; ")) for v in row))
    # Written to the console's file directly: rich would expand the tabs into spaces.
    console.file.write("".join(f"{line}\n" for line in lines))


def print_listing(
    console: Console,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str | Cell]],
    title: str | None = None,
) -> None:
    """``rows`` as a table on a terminal wide enough for whole names, else as plain lines."""
    cells = [[_cell(v) for v in row] for row in rows]
    if not console.is_terminal or _needed(columns, cells) > console.width:
        if title:
            console.file.write(f"{title}\n")
        print_plain(console, columns, cells)
        return
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(
            column.name,
            justify="right" if column.right else "left",
            no_wrap=not column.prose,
            overflow="fold" if column.prose else "ignore",
            min_width=MIN_PROSE if column.prose else None,
        )
    for row in cells:
        table.add_row(*(Text(_lines(c.text), style=c.style) for c in row))
    console.print(table)
