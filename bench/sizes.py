"""(c) Deployment sizes: the dependency layers and each function's staged code.

Lambda counts a function's unzipped size with its layers, so every target is
layers + function, with the layers that function gets (``infra.specs.layers_for``: core for
all, tokens for those that verify tokens, checks for the pipeline worker). Sizes are file
sizes summed (not disk blocks); MB here is 2**20 bytes. The layers are built by
``layers/build.py`` (``make layer``) and each function's code is staged by
``infra.packaging.stage_function``; this module only measures what they produce.
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
from functions.registry import GROUPS, WORKERS, RouteGroup, WorkerFunction
from infra.specs import layers_for

LAYER_BUILD_DIR = REPO_ROOT / "layers" / "build"
MAX_UNZIPPED = 50 * 2**20
MAX_ZIPPED = 15 * 2**20
# Every function, route groups and workers, and every layer one of them gets (in order).
SPECS: tuple[RouteGroup | WorkerFunction, ...] = (*GROUPS, *WORKERS)
LAYER_NAMES = tuple(dict.fromkeys(name for spec in SPECS for name in layers_for(spec)))


def layer_dir(name: str) -> Path:
    """The unzipped layer, as layers/build.py leaves it: `layers/build/<name>/python/`."""
    return LAYER_BUILD_DIR / name / "python"


def layer_zip(name: str) -> Path:
    return LAYER_BUILD_DIR / f"{name}.zip"


def layer_stamp(name: str) -> Path:
    return LAYER_BUILD_DIR / name / "fingerprint.json"


@dataclass(frozen=True, slots=True)
class Size:
    unzipped: int
    zipped: int


@dataclass(slots=True)
class SizeReport:
    layers: dict[str, Size] = field(default_factory=dict)  # only those that are built
    functions: dict[str, Size] = field(default_factory=dict)
    # The layers each function gets, by function name.
    function_layers: dict[str, tuple[str, ...]] = field(default_factory=dict)
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
    """What the layer build says it left out (core's stamp file; absent in older builds)."""
    try:
        excluded = json.loads(layer_stamp(LAYER_NAMES[0]).read_text()).get("excluded", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [str(name) for name in excluded] if isinstance(excluded, list) else []


def measure() -> SizeReport:
    report = SizeReport()
    for name in LAYER_NAMES:
        if layer_dir(name).is_dir() and layer_zip(name).is_file():
            report.layers[name] = Size(tree_size(layer_dir(name)), layer_zip(name).stat().st_size)
    missing = [name for name in LAYER_NAMES if name not in report.layers]
    if missing:
        report.problems.append(
            f"dependency layer(s) {', '.join(missing)} not built (no layers/build/<name>/python/ "
            "or <name>.zip): run `make layer` first"
        )
    else:
        excluded = _layer_exclusions()
        if excluded:
            # Not in the figures, yet loaded at run time: say so next to the figures.
            report.notes.append(
                "left out of the layers by layers/build.py (the Lambda runtime provides them): "
                + ", ".join(excluded)
            )
    try:
        from infra.packaging import stage_function
    except ImportError as exc:
        report.problems.append(
            f"function code not staged: infra.packaging.stage_function(spec) is missing ({exc})"
        )
        return report
    for spec in SPECS:
        staged = Path(stage_function(spec))
        report.functions[spec.name] = Size(tree_size(staged), zipped_size(staged))
        report.function_layers[spec.name] = layers_for(spec)
    return report


def _total(report: SizeReport, name: str) -> Size | None:
    """The function's code plus every layer it gets; None if one of those is not built."""
    layers = report.function_layers[name]
    if not all(layer in report.layers for layer in layers):
        return None
    size = report.functions[name]
    return Size(
        size.unzipped + sum(report.layers[layer].unzipped for layer in layers),
        size.zipped + sum(report.layers[layer].zipped for layer in layers),
    )


def _label(report: SizeReport, name: str) -> str:
    """`core + tokens + auth`: what a function's total is made of."""
    return " + ".join((*report.function_layers[name], name))


def table(report: SizeReport) -> Table:
    out = Table("Deployment size", ("artifact", "unzipped", "zipped"))
    for name, layer in report.layers.items():
        out.rows.append((f"{name} layer", mb(layer.unzipped), mb(layer.zipped)))
    for name, size in report.functions.items():
        out.rows.append((f"{name} function code", mb(size.unzipped), mb(size.zipped)))
        total = _total(report, name)
        if total:
            out.rows.append((_label(report, name), mb(total.unzipped), mb(total.zipped)))
    out.notes += report.problems + report.notes
    out.notes.append(
        "unzipped: file sizes summed; zipped: layers/build/<layer>.zip as built, function "
        "code zipped in memory (deflate level 9); MB = 2^20 bytes"
    )
    return out


def checks(report: SizeReport) -> list[Check]:
    totals = {name: _total(report, name) for name in report.functions}
    if not report.functions or not all(totals.values()):
        reason = "not measured: " + (
            "no infra.packaging" if not report.functions else "run `make layer` first"
        )
        return [
            Check("size layers + function, unzipped", reason, "<= 50 MB", None),
            Check("size layers + function, zipped", reason, "<= 15 MB", None),
        ]
    found: list[Check] = []
    for name, total in totals.items():
        assert total is not None
        label = _label(report, name)
        found.append(
            Check(
                f"size {label}, unzipped",
                mb(total.unzipped),
                "<= 50 MB",
                total.unzipped <= MAX_UNZIPPED,
            )
        )
        found.append(
            Check(f"size {label}, zipped", mb(total.zipped), "<= 15 MB", total.zipped <= MAX_ZIPPED)
        )
    return found
