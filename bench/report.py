"""Tables and target lines, rendered for the terminal and for BENCHMARKS.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Check:
    """One target line: a figure, the limit it is held to, and whether it is met.

    ``ok`` is None when the figure could not be measured (the line says why, in ``figure``).
    """

    name: str
    figure: str
    target: str
    ok: bool | None

    @property
    def status(self) -> str:
        return {True: "PASS", False: "MISS", None: "SKIP"}[self.ok]


@dataclass(slots=True)
class Table:
    title: str
    headers: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        widths = [len(header) for header in self.headers]
        for row in self.rows:
            widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

        out = [self.title, "=" * len(self.title), line(self.headers)]
        out.append("  ".join("-" * width for width in widths))
        out += [line(row) for row in self.rows]
        out += [f"  * {note}" for note in self.notes]
        return "\n".join(line_.rstrip() for line_ in out)

    def to_markdown(self) -> str:
        def cell_md(cell: str) -> str:
            # A missed target must stand out in the rendered page too.
            return "**MISS**" if cell == "MISS" else cell.replace("|", "\\|")

        def line(cells: Sequence[str]) -> str:
            return "| " + " | ".join(cell_md(cell) for cell in cells) + " |"

        out = [f"### {self.title}", "", line(self.headers)]
        out.append("|" + "|".join("---" for _ in self.headers) + "|")
        out += [line(row) for row in self.rows]
        if self.notes:
            out.append("")
            out += [f"- {note}" for note in self.notes]
        return "\n".join(out)


def checks_table(checks: Sequence[Check]) -> Table:
    table = Table("Targets", ("target", "figure", "limit", "result"))
    for check in checks:
        table.rows.append((check.name, check.figure, check.target, check.status))
    return table


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1_000_000:.0f} us"


def mb(size: int) -> str:
    return f"{size / 2**20:.2f} MB"
