"""Where previewed uploads wait for "Apply": HEADWAY_SHEET_UPLOAD_DIR, by default the data
directory's `uploads/`. The web request that previews writes there and the one (or the worker)
that applies reads there, so several servers need it shared."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def upload_dir() -> Path:
    configured = getattr(settings, "HEADWAY_SHEET_UPLOAD_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "uploads"
