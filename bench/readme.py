"""Keep the README's performance table the bench's own: rewritten between two markers."""

from __future__ import annotations

from pathlib import Path

from bench.context import Context
from bench.plots import markdown
from bench.report import table

BEGIN = "<!-- bench:targets -->"
END = "<!-- /bench:targets -->"
#: The two pictures the README shows (benchmark names in bench/__main__.py).
SHOWN = ("cached", "fanout")


def block(ctx: Context, readme: Path) -> str:
    """Return the README's generated part: every target's verdict and the two main plots."""
    parts = [
        BEGIN,
        "Every target of the last full run (`make bench`, written by the bench itself):",
        table(["target", "measured", "verdict"], ctx.summary),
    ]
    for name, path in ctx.plots:
        if name in SHOWN:
            parts.append(markdown(path, readme.parent, f"{name} benchmark"))
    parts.append(END)
    return "\n\n".join(parts)


def update(readme: Path, ctx: Context) -> bool:
    """Replace the block between the markers; False (README unchanged) when they are absent."""
    text = readme.read_text()
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return False
    readme.write_text(text[:start] + block(ctx, readme) + text[end + len(END) :])
    return True
