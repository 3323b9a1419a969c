"""Build the Lambda dependency layer once: `python layers/build.py` (or `make layer`).

The pins come from `[project].dependencies` in pyproject.toml, the one list of runtime
dependencies. pip installs the manylinux aarch64 wheels for CPython 3.12 (the functions run
on arm64), so no Docker and no compiler are needed. The result is `layers/build/
dependencies.zip` with everything under `python/`, where Lambda puts it on `sys.path`.

A fingerprint of the pins and of this script is written beside the zip; while it matches,
a second run does nothing but print the path. `cdk synth` never calls this: it only reads
the zip (see infra/packaging.py).
"""

from __future__ import annotations

import compileall
import hashlib
import json
import py_compile
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD_DIR = REPO / "layers" / "build"
LAYER_ZIP_NAME = "dependencies.zip"
FINGERPRINT_NAME = "fingerprint.json"

PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
PYTHON_VERSION = "3.12"

# Left out of the layer: the python3.12 Lambda runtime already ships boto3, botocore,
# s3transfer and jmespath (in /var/runtime), and botocore alone is most of the layer (its
# service models are gzipped, so they do not compress further). Measured with pip's aarch64
# wheels of our pins, after stripping:
#   with them:    38.5 MB unzipped / 21.8 MB zipped  (over the 15 MB zipped budget alone)
#   without them: 15.1 MB unzipped /  4.6 MB zipped  (+ ~0.05 / 0.02 MB per function)
# The price is that deployed code runs the runtime's boto3, not the pinned one; we only use
# long-stable APIs (DynamoDB, S3, SQS, EventBridge, Step Functions), so that is safe, and a
# new boto3 pin does not rebuild or redeploy the layer. urllib3, python-dateutil and six are
# needed by botocore alone and the runtime ships them beside it: a copy here would shadow
# the versions the runtime's botocore was released with.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
)

# Directory names removed from installed packages: never imported at run time. Only removed
# below a top-level package, so a distribution whose import name is "tests" would survive.
STRIP_DIRS = frozenset({"__pycache__", "tests", "test"})
STRIP_SUFFIXES = (".pyc", ".pyo", ".pyi")

# Fixed time stamp for every zip entry, so the same inputs give the same bytes and the
# CDK asset hash (and so the deployed layer version) changes only when the content does.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)


def runtime_pins(pyproject: Path = REPO / "pyproject.toml") -> list[str]:
    """The runtime dependency pins, exactly as pyproject.toml lists them."""
    with pyproject.open("rb") as handle:
        data = tomllib.load(handle)
    pins: list[str] = data["project"]["dependencies"]
    return pins


def _distribution_name(pin: str) -> str:
    """`aws-lambda-powertools[tracer]==3.37.0` -> `aws_lambda_powertools` (normalized)."""
    name = pin.split(";")[0]
    for separator in ("[", "=", "<", ">", "!", "~", " "):
        name = name.split(separator)[0]
    return name.strip().lower().replace("-", "_").replace(".", "_")


def fingerprint(pins: Sequence[str], exclude: Iterable[str]) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps({"pins": list(pins), "exclude": sorted(exclude)}).encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _recorded_fingerprint(stamp: Path) -> str | None:
    if not stamp.exists():
        return None
    recorded: str | None = json.loads(stamp.read_text()).get("fingerprint")
    return recorded


def _pip_install(pins: Sequence[str], target: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        *(arg for platform in PLATFORMS for arg in ("--platform", platform)),
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--only-binary=:all:",
        "--target",
        str(target),
        *pins,
    ]
    subprocess.run(command, check=True)  # noqa: S603 - fixed argv, pins from pyproject.toml


def _remove_distributions(site: Path, names: Iterable[str]) -> None:
    """Remove installed distributions by name: every file their RECORD lists."""
    wanted = {name.lower().replace("-", "_") for name in names}
    for info in sorted(site.glob("*.dist-info")):
        dist = info.name.removesuffix(".dist-info").rsplit("-", 1)[0].lower()
        if dist.replace("-", "_") not in wanted:
            continue
        for line in (info / "RECORD").read_text().splitlines():
            relative = line.rsplit(",", 2)[0]
            if relative and not relative.startswith(".."):
                (site / relative).unlink(missing_ok=True)
        shutil.rmtree(info, ignore_errors=True)
    _remove_empty_dirs(site)


def _remove_empty_dirs(site: Path) -> None:
    for path in sorted(site.rglob("*"), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _strip(site: Path) -> None:
    """Drop what never runs in Lambda: stale byte code (compiled afresh below), type stubs,
    test suites and console scripts (their shebang names the build machine's Python)."""
    shutil.rmtree(site / "bin", ignore_errors=True)
    for path in sorted(site.rglob("*"), reverse=True):
        if path.is_dir() and path.name in STRIP_DIRS and path.parent != site:
            shutil.rmtree(path)
        elif path.is_file() and path.suffix in STRIP_SUFFIXES:
            path.unlink()
    for cache in site.glob("__pycache__"):
        shutil.rmtree(cache)
    _remove_empty_dirs(site)


def compile_bytecode(root: Path) -> None:
    """Ship bytecode: /opt is read-only in Lambda, so without it every cold start compiles
    every module again (measured: health's import 410 ms -> 855 ms). unchecked-hash pycs
    name no time stamp, so the zip stays byte-for-byte reproducible."""
    if sys.version_info[:2] != (3, 12):
        raise SystemExit("the layer's bytecode must come from CPython 3.12, Lambda's runtime")
    compiled = compileall.compile_dir(
        root,
        ddir="/opt/python",  # where Lambda mounts it: tracebacks name the real paths
        quiet=2,
        workers=0,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not compiled:
        raise SystemExit(f"compiling {root} failed")


def write_zip(root: Path, archive: Path, prefix: str = "") -> None:
    """Zip `root`'s files under `prefix` deterministically: sorted names, fixed times and modes."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(root.rglob("*")):
            if not path.is_file():
                continue
            name = (Path(prefix) / path.relative_to(root)).as_posix()
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes(), compresslevel=9)


def tree_size(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def build_layer(
    build_dir: Path = BUILD_DIR,
    *,
    exclude: Iterable[str] = RUNTIME_PROVIDED,
    force: bool = False,
) -> Path:
    """Build the layer zip unless an identical build is already there; return its path."""
    excluded = frozenset(exclude)
    pins = [pin for pin in runtime_pins() if _distribution_name(pin) not in excluded]
    archive = build_dir / LAYER_ZIP_NAME
    stamp = build_dir / FINGERPRINT_NAME
    expected = fingerprint(pins, excluded)
    if not force and archive.exists() and _recorded_fingerprint(stamp) == expected:
        return archive

    staging = build_dir / "python"
    shutil.rmtree(staging, ignore_errors=True)
    archive.unlink(missing_ok=True)
    stamp.unlink(missing_ok=True)
    staging.mkdir(parents=True)
    _pip_install(pins, staging)
    # Transitive dependencies (pynamodb and the X-Ray SDK need botocore) come back in too.
    _remove_distributions(staging, excluded)
    _strip(staging)
    compile_bytecode(staging)
    # The layer zip holds `python/...`: Lambda adds /opt/python to sys.path.
    write_zip(staging, archive, prefix="python")
    stamp.write_text(
        json.dumps(
            {
                "fingerprint": expected,
                "pins": pins,
                "excluded": sorted(excluded),
                "unzipped_bytes": tree_size(staging),
                "zipped_bytes": archive.stat().st_size,
            },
            indent=2,
        )
        + "\n"
    )
    return archive


def main(argv: Sequence[str] = sys.argv[1:]) -> int:
    force = "--force" in argv
    print(build_layer(force=force).relative_to(REPO))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
