"""(c) Deployment sizes: the dependency layer and each function's staged code.

Lambda counts a function's unzipped size with its layers, so every target is
layer + function. Sizes are file sizes summed (not disk blocks); MB here is 2**20 bytes.
The layer is built by ``layers/build.py`` (``make layer``) and each function's code is
staged by ``infra.packaging.stage_function``; this module only measures what they produce.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import REPO_ROOT
from bench.report import Check, Table, mb
from functions.registry import GROUPS

LAYER_DIR = REPO_ROOT / "layers" / "build" / "python"
LAYER_ZIP = REPO_ROOT / "layers" / "build" / "dependencies.zip"
LAYER_STAMP = REPO_ROOT / "layers" / "build" / "fingerprint.json"
MAX_UNZIPPED = 50 * 2**20
MAX_ZIPPED = 15 * 2**20


@dataclass(frozen=True, slots=True)
class Size:
    unzipped: int
    zipped: int


@dataclass(slots=True)
class SizeReport:
    layer: Size | None = None
    functions: dict[str, Size] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # why a figure is missing
    notes: list[str] = field(default_factory=list)


def tree_size(root: Path) -> int:
    total = 0
    for folder, _, files in os.walk(root):
        total += sum(os.lstat(os.path.join(folder, name)).st_size for name in files)
    return total


def zipped_size(root: Path) -> int:
    """The size of `root` zipped (deflate, level 9, as the layer build does), in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root).as_posix())
    return buffer.getbuffer().nbytes


def _layer_exclusions() -> list[str]:
    """What the layer build says it left out (its stamp file; absent in older builds)."""
    try:
        excluded = json.loads(LAYER_STAMP.read_text()).get("excluded", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [str(name) for name in excluded] if isinstance(excluded, list) else []


def measure() -> SizeReport:
    report = SizeReport()
    if LAYER_DIR.is_dir() and LAYER_ZIP.is_file():
        report.layer = Size(tree_size(LAYER_DIR), LAYER_ZIP.stat().st_size)
        excluded = _layer_exclusions()
        if excluded:
            # Not in the figures, yet loaded at run time: say so next to the figures.
            report.notes.append(
                "left out of the layer by layers/build.py (the Lambda runtime provides them): "
                + ", ".join(excluded)
            )
    else:
        report.problems.append(
            "dependency layer not built (no layers/build/python/ or dependencies.zip): "
            "run `make layer` first"
        )
    try:
        from infra.packaging import stage_function
    except ImportError as exc:
        report.problems.append(
            f"function code not staged: infra.packaging.stage_function(group) is missing ({exc})"
        )
        return report
    for group in GROUPS:
        staged = Path(stage_function(group))
        report.functions[group.name] = Size(tree_size(staged), zipped_size(staged))
    return report


def table(report: SizeReport) -> Table:
    out = Table("Deployment size", ("artifact", "unzipped", "zipped"))
    if report.layer:
        out.rows.append(("dependency layer", mb(report.layer.unzipped), mb(report.layer.zipped)))
    for name, size in report.functions.items():
        out.rows.append((f"{name} function code", mb(size.unzipped), mb(size.zipped)))
        if report.layer:
            total = Size(report.layer.unzipped + size.unzipped, report.layer.zipped + size.zipped)
            out.rows.append((f"layer + {name}", mb(total.unzipped), mb(total.zipped)))
    out.notes += report.problems + report.notes
    out.notes.append(
        "unzipped: file sizes summed; zipped: layers/build/dependencies.zip as built, function "
        "code zipped in memory (deflate level 9); MB = 2^20 bytes"
    )
    return out


def checks(report: SizeReport) -> list[Check]:
    if report.layer is None or not report.functions:
        reason = "not measured: " + (
            "run `make layer` first" if report.layer is None else "no infra.packaging"
        )
        return [
            Check("size layer + function, unzipped", reason, "<= 50 MB", None),
            Check("size layer + function, zipped", reason, "<= 15 MB", None),
        ]
    found: list[Check] = []
    layer = report.layer
    for name, size in report.functions.items():
        unzipped, zipped = layer.unzipped + size.unzipped, layer.zipped + size.zipped
        found.append(
            Check(
                f"size layer + {name}, unzipped", mb(unzipped), "<= 50 MB", unzipped <= MAX_UNZIPPED
            )
        )
        found.append(
            Check(f"size layer + {name}, zipped", mb(zipped), "<= 15 MB", zipped <= MAX_ZIPPED)
        )
    return found
