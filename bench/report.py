"""Build RESULTS.md: sections of prose and tables, rendered once at the end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class Section:
    """One benchmark's part of the report."""

    title: str
    parts: list[str] = field(default_factory=list)

    def text(self, text: str) -> None:
        """Add a paragraph."""
        self.parts.append(text.strip())

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Add a table."""
        self.parts.append(table(header, rows))

    def bullets(self, items: Sequence[str]) -> None:
        """Add a bullet list."""
        if items:
            self.parts.append("\n".join(f"- {item}" for item in items))

    def render(self) -> str:
        """Return the section as Markdown."""
        return "\n\n".join([f"## {self.title}", *self.parts])
