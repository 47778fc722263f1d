"""A small progress line (tqdm is not a dependency): count, rate and time left, on stderr."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def fmt_seconds(seconds: float) -> str:
    seconds = max(0, int(seconds))
    minutes, sec = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{sec:02d}" if hours else f"{minutes}:{sec:02d}"


class Progress:
    """Redraws one line at most every half second on a terminal, prints a line every 10 s
    otherwise (logs stay short), and a final line with the rate when closed."""

    def __init__(self, label: str, total: int, stream: TextIO = sys.stderr) -> None:
        self.label = label
        self.total = max(total, 0)
        self.stream = stream
        self.tty = stream.isatty()
        self.count = 0
        self.began = self.last = time.perf_counter()

    def update(self, n: int = 1) -> None:
        self.count += n
        now = time.perf_counter()
        if now - self.last >= (0.5 if self.tty else 10.0):
            self.last = now
            self._draw(now, final=False)

    def close(self) -> float:
        now = time.perf_counter()
        self._draw(now, final=True)
        return now - self.began

    def _draw(self, now: float, *, final: bool) -> None:
        elapsed = now - self.began
        rate = self.count / elapsed if elapsed > 0 else 0.0
        if self.total:
            share = min(self.count / self.total, 1.0)
            width = 24
            bar = "#" * round(share * width) + "." * (width - round(share * width))
            left = (self.total - self.count) / rate if rate and not final else 0
            text = (
                f"  {self.label:<14} [{bar}] {self.count:>11,}/{self.total:,} {share:6.1%} "
                f"{rate:>10,.0f}/s  {fmt_seconds(elapsed)}"
                + ("" if final else f" (eta {fmt_seconds(left)})")
            )
        else:
            text = f"  {self.label:<14} {self.count:>11,} {rate:>10,.0f}/s  {fmt_seconds(elapsed)}"
        if self.tty:
            self.stream.write("\r" + text.ljust(110) + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
