"""Build the Lambda dependency layers once: `python layers/build.py` (or `make layer`).

The pins come from `[project].dependencies` in pyproject.toml, the one list of runtime
dependencies (a dev install still gets all of them). They are split into layers, so that
no function carries what it never imports and each stays within Lambda's size budget:

- `core`: every pin that `EXTRA_LAYERS` does not name; every function gets it.
- `tokens`: pyjwt and cryptography; only functions that verify tokens get it.
- `yaml`: pyyaml; beneath `checks` and `connectors`, which both read YAML.
- `checks`: pytest; only the pipeline worker (it runs generated projects' tests).
- `accounts`: argon2-cffi, pyotp, segno; only the auth function (passwords, TOTP MFA).
- `schedules`: cronsim and tzdata; only the functions that read a schedule trigger.
- `schemas`: jsonschema; the functions that check code agents' input and output.
- `connectors`: the mcp SDK and openapi-spec-validator; the connectors worker only.
- `ssh`: asyncssh; the SSH worker only.
- `reports`: xlsxwriter and prometheus-client; the analytics group (exports, /metrics).
- `payments`: stripe (and requests, which it calls Stripe with); the groups that open
  checkouts and ask refunds (payments, the AI Market).

Which function gets which layer is data in functions/registry.py (`infra.specs.layers_for`).
An extra layer is installed against core's versions (a pip constraint) and then loses every
distribution core already has, so no package ships twice and both agree on versions.

pip installs the manylinux aarch64 wheels for CPython 3.12 (the functions run on arm64), so
no Docker and no compiler are needed. Each layer becomes `layers/build/<name>.zip` with
everything under `python/` (where Lambda puts it on `sys.path`), unzipped beside it in
`layers/build/<name>/python/`. A fingerprint of each layer's inputs and of this script is
written to `layers/build/<name>/fingerprint.json`; while it matches, a run does nothing to
that layer but print its path. `cdk synth` never calls this: it only reads the zips (see
infra/packaging.py).
"""

from __future__ import annotations

import compileall
import hashlib
import json
import py_compile
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD_DIR = REPO / "layers" / "build"
FINGERPRINT_NAME = "fingerprint.json"
CONSTRAINTS_NAME = "constraints.txt"

# The layer every function gets, and the others with the pins (distribution names) that go
# to them rather than to core. Whatever those pins pull in that core lacks goes with them.
CORE = "core"
EXTRA_LAYERS: dict[str, tuple[str, ...]] = {
    # Measured (aarch64 wheels, stripped): cryptography alone is ~4.9 MB zipped.
    "tokens": ("pyjwt", "cryptography"),
    # YAML: the pipeline's checks (pubspec.yaml) and imported OpenAPI documents both read
    # it, so it is a layer of its own beneath both rather than a copy in each.
    "yaml": ("pyyaml",),
    # pytest imports pygments at module level (~3 MB zipped), plus pluggy, iniconfig, ...
    "checks": ("pytest",),
    # Only the auth function hashes passwords and checks TOTP codes.
    "accounts": ("argon2-cffi", "pyotp", "segno"),
    # Schedule triggers' cron and time zones: only the functions that read a schedule
    # (tzdata alone is ~0.3 MB zipped, which every other function carried).
    "schedules": ("cronsim", "tzdata"),
    # JSON Schema checks of code agents' input and output (the sandbox, deployments).
    "schemas": ("jsonschema",),
    # Outbound connectors (the connectors worker): MCP servers over Streamable HTTP and
    # imported OpenAPI documents. The mcp SDK needs pyjwt[crypto], so it sits on tokens.
    "connectors": ("mcp", "openapi-spec-validator"),
    # The team's machines over SSH (asyncssh, on tokens' cryptography).
    "ssh": ("asyncssh",),
    # Exports to .xlsx and the Prometheus text format: only the analytics group.
    "reports": ("xlsxwriter", "prometheus-client"),
    # Stripe's client (with requests): only the groups that open checkouts and ask refunds.
    "payments": ("stripe",),
}
LAYERS: tuple[str, ...] = (CORE, *EXTRA_LAYERS)
# An extra layer that is only ever stacked over others is built against them too, and
# drops what they already ship (accounts: cffi, which tokens has for cryptography).
# infra.specs.layers_for refuses a function that gets a layer without its bases.
STACKED_ON: dict[str, tuple[str, ...]] = {
    "accounts": ("tokens",),
    "checks": ("yaml",),
    "connectors": ("tokens", "schemas", "yaml"),
    "ssh": ("tokens",),
}

PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
PYTHON_VERSION = "3.12"

# Left out of every layer: the python3.12 Lambda runtime already ships boto3, botocore,
# s3transfer and jmespath (in /var/runtime), and botocore alone is most of the layer (its
# service models are gzipped, so they do not compress further). Measured with pip's aarch64
# wheels of our pins (before pyjwt, cryptography, pyyaml, pytest and httpx), after stripping:
#   with them:    38.5 MB unzipped / 21.8 MB zipped  (over the 15 MB zipped budget alone)
#   without them: 15.1 MB unzipped /  4.6 MB zipped  (+ ~0.05 / 0.02 MB per function)
# The price is that deployed code runs the runtime's boto3, not the pinned one; we only use
# long-stable APIs (DynamoDB, S3, SQS, EventBridge, Step Functions), so that is safe, and a
# new boto3 pin does not rebuild or redeploy a layer. urllib3, python-dateutil and six are
# needed by botocore alone and the runtime ships them beside it: a copy here would shadow
# the versions the runtime's botocore was released with.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
)

# Directory names removed from installed packages: never imported at run time. Only removed
# below a top-level package, so a distribution whose import name is "tests" would survive.
STRIP_DIRS = frozenset({"__pycache__", "tests", "test"})
# Powertools features this project never uses (it has its own DynamoDB-backed circuit
# breaker; no Kafka, feature flags, data masking, streaming or the auth alpha; FastAPI, not
# Powertools' event handler, serves the routes; pydantic models, not its parser or
# validation utilities, check what comes in): ~1 MB zipped every function would carry. No
# part of Powertools we use imports them, and tests/infra/test_layer.py fails if our code
# ever does.
UNUSED_PACKAGES = (
    # Stripe's request parameter TypedDicts (14 MB: imported only under TYPE_CHECKING) and
    # its v2 event notification classes (4.5 MB: thin events we never receive; ours are v1
    # snapshot events, read as JSON). tests/infra/test_layer.py opens a checkout and asks a
    # refund with the built layer's stripe.
    "stripe/params",
    "stripe/events",
    "aws_lambda_powertools/event_handler",
    *(
        f"aws_lambda_powertools/utilities/{name}"
        for name in (
            "auth_alpha",
            "circuit_breaker",
            "data_masking",
            "feature_flags",
            "kafka",
            "parser",
            "streaming",
            "validation",
        )
    ),
)
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


def normalize(name: str) -> str:
    """`PyYAML`, `python-dateutil`, `zope.interface` -> `pyyaml`, `python_dateutil`, ..."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _distribution_name(pin: str) -> str:
    """`aws-lambda-powertools[tracer]==3.37.0` -> `aws_lambda_powertools` (normalized)."""
    name = pin.split(";")[0]
    for separator in ("[", "=", "<", ">", "!", "~", " "):
        name = name.split(separator)[0]
    return normalize(name.strip())


def layer_pins(
    pins: Sequence[str] | None = None, exclude: Iterable[str] = RUNTIME_PROVIDED
) -> dict[str, list[str]]:
    """The pins of each layer, in pyproject's order: `EXTRA_LAYERS` takes its own, core the
    rest but the runtime-provided ones. A name there that is not pinned is an error (a
    renamed pin would otherwise land in core silently)."""
    pins = runtime_pins() if pins is None else list(pins)
    excluded = {normalize(name) for name in exclude}
    by_name = {_distribution_name(pin): pin for pin in pins}
    owner: dict[str, str] = {}
    for layer, names in EXTRA_LAYERS.items():
        for name in map(normalize, names):
            if name not in by_name:
                raise SystemExit(f"layer {layer!r}: {name} is not in [project].dependencies")
            if name in owner or name in excluded:
                raise SystemExit(f"layer {layer!r}: {name} is already placed elsewhere")
            owner[name] = layer
    plan: dict[str, list[str]] = {layer: [] for layer in LAYERS}
    for name, pin in by_name.items():
        if name not in excluded:
            plan[owner.get(name, CORE)].append(pin)
    return plan


def fingerprint(
    name: str, pins: Sequence[str], exclude: Iterable[str], core_pins: Sequence[str] = ()
) -> str:
    """What one layer is built from: its pins, what it leaves out, core's pins (an extra
    layer is installed against core and deduplicated by it) and this script."""
    digest = hashlib.sha256()
    inputs = {"layer": name, "pins": list(pins), "exclude": sorted(exclude)}
    digest.update(json.dumps({**inputs, "core_pins": list(core_pins)}).encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def layer_dir(build_dir: Path, name: str) -> Path:
    """`<build_dir>/<name>/`: the unzipped layer (`python/`) and its fingerprint."""
    return build_dir / name


def site_dir(build_dir: Path, name: str) -> Path:
    return layer_dir(build_dir, name) / "python"


def layer_zip(build_dir: Path, name: str) -> Path:
    return build_dir / f"{name}.zip"


def _recorded_fingerprint(stamp: Path) -> str | None:
    if not stamp.exists():
        return None
    recorded: str | None = json.loads(stamp.read_text()).get("fingerprint")
    return recorded


def _pip_install(pins: Sequence[str], target: Path, constraints: Path | None = None) -> None:
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
        *(("--constraint", str(constraints)) if constraints else ()),
        *pins,
    ]
    subprocess.run(command, check=True)  # noqa: S603 - fixed argv, pins from pyproject.toml


def installed_distributions(site: Path) -> dict[str, str]:
    """Normalized distribution name -> version, from the `*.dist-info` folders in `site`."""
    found: dict[str, str] = {}
    for info in sorted(site.glob("*.dist-info")):
        name, _, version = info.name.removesuffix(".dist-info").rpartition("-")
        found[normalize(name)] = version
    return found


def _remove_distributions(site: Path, names: Iterable[str]) -> list[str]:
    """Remove installed distributions by name: every file their RECORD lists. Returns the
    (normalized) names that were there and are gone."""
    wanted = {normalize(name) for name in names}
    removed: list[str] = []
    for info in sorted(site.glob("*.dist-info")):
        dist = normalize(info.name.removesuffix(".dist-info").rpartition("-")[0])
        if dist not in wanted:
            continue
        for line in (info / "RECORD").read_text().splitlines():
            relative = line.rsplit(",", 2)[0]
            if relative and not relative.startswith(".."):
                (site / relative).unlink(missing_ok=True)
        shutil.rmtree(info, ignore_errors=True)
        removed.append(dist)
    _remove_empty_dirs(site)
    return removed


def _remove_empty_dirs(site: Path) -> None:
    for path in sorted(site.rglob("*"), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _strip(site: Path) -> None:
    """Drop what never runs in Lambda: stale byte code (compiled afresh below), type stubs,
    test suites, console scripts (their shebang names the build machine's Python) and
    data files pip puts beside them (segno's man page)."""
    shutil.rmtree(site / "bin", ignore_errors=True)
    shutil.rmtree(site / "share", ignore_errors=True)
    for unused in UNUSED_PACKAGES:
        shutil.rmtree(site / unused, ignore_errors=True)
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


def _build_one(
    build_dir: Path,
    name: str,
    pins: Sequence[str],
    expected: str,
    *,
    exclude: frozenset[str],
    core: Mapping[str, str] | None = None,
    force: bool,
) -> Path:
    """Build one layer's zip unless an identical build is already there; return its path.

    An extra layer is given `core`'s distributions (name -> version): pip installs against
    those versions (a constraint), and then they are removed like the excluded ones."""
    archive = layer_zip(build_dir, name)
    site = site_dir(build_dir, name)
    stamp = layer_dir(build_dir, name) / FINGERPRINT_NAME
    built = archive.exists() and site.is_dir() and _recorded_fingerprint(stamp) == expected
    if built and not force:
        return archive

    shutil.rmtree(layer_dir(build_dir, name), ignore_errors=True)
    archive.unlink(missing_ok=True)
    site.mkdir(parents=True)
    constraints_file = None
    if core:
        constraints_file = layer_dir(build_dir, name) / CONSTRAINTS_NAME
        lines = (f"{dist}=={version}" for dist, version in sorted(core.items()))
        constraints_file.write_text("".join(f"{line}\n" for line in lines))
    _pip_install(pins, site, constraints_file)
    # Transitive dependencies come back in too: the runtime's (pynamodb and the X-Ray SDK
    # need botocore) and, in an extra layer, core's (pydantic needs typing_extensions, ...).
    removed = _remove_distributions(site, exclude | set(core or ()))
    _strip(site)
    compile_bytecode(site)
    # The layer zip holds `python/...`: Lambda adds /opt/python to sys.path.
    write_zip(site, archive, prefix="python")
    stamp.write_text(
        json.dumps(
            {
                "fingerprint": expected,
                "layer": name,
                "pins": list(pins),
                "distributions": sorted(installed_distributions(site)),
                "excluded": sorted(exclude),
                # Installed as dependencies, then removed: excluded, or already in core.
                "removed": sorted(removed),
                "unzipped_bytes": tree_size(site),
                "zipped_bytes": archive.stat().st_size,
            },
            indent=2,
        )
        + "\n"
    )
    return archive


def build_layers(
    build_dir: Path = BUILD_DIR,
    *,
    exclude: Iterable[str] = RUNTIME_PROVIDED,
    force: bool = False,
) -> dict[str, Path]:
    """Build every layer that is not already built from the same inputs: core first, then
    each extra layer against it. Returns each layer's zip, by layer name."""
    excluded = frozenset(normalize(name) for name in exclude)
    plan = layer_pins(exclude=excluded)
    core_pins = plan[CORE]
    archives = {
        CORE: _build_one(
            build_dir,
            CORE,
            core_pins,
            fingerprint(CORE, core_pins, excluded),
            exclude=excluded,
            force=force,
        )
    }
    core = installed_distributions(site_dir(build_dir, CORE))
    for name in EXTRA_LAYERS:
        pins = plan[name]
        below = dict(core)
        for base in STACKED_ON.get(name, ()):
            below.update(installed_distributions(site_dir(build_dir, base)))
        archives[name] = _build_one(
            build_dir,
            name,
            pins,
            fingerprint(
                name,
                pins,
                excluded,
                [*core_pins, *(pin for base in STACKED_ON.get(name, ()) for pin in plan[base])],
            ),
            # Whatever core (and the layers it is stacked on) already has: pip resolves
            # against their versions, then drops them, so no two layers ship the same
            # distribution (nor disagree on it).
            exclude=excluded,
            core=below,
            force=force,
        )
    return archives


def main(argv: Sequence[str] = sys.argv[1:]) -> int:
    force = "--force" in argv
    for archive in build_layers(force=force).values():
        print(archive.relative_to(REPO))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
