"""``boundlab``: the command line of the claims engine (console script ``theory.cli:main``).

Commands (ARCHITECTURE.md, "CLI")::

    boundlab list                               claims: id, theorem, provenance, paper
    boundlab show CLAIM                         statement, bound, grids, last stored verdict
    boundlab sweep CLAIM [--scale S] [--set k=v1,v2 ...] [--seeds N] [--executor E] ...
    boundlab verify [CLAIM ...] [--scale S]     sweep (resuming) + analyse + verdict table + report
    boundlab report [CLAIM ...] [--out DIR]     Markdown/HTML report from stored results
    boundlab export CLAIM [--format csv|parquet] [--out FILE]
    boundlab bench [--quick]                    performance benchmarks (ratios)

A ``CLAIM`` is a claim id (``copg/fixed_point``) or a paper prefix (``copg``).

Exit codes: 0 success (no claim FAILed); 1 a claim FAILed or raised (ERROR); 2 a usage error
(bad option, unknown claim, bad ``--set`` value); 3 the environment is wrong (a store that is
not ours or is locked, an unreachable scheduler, an unwritable output path). Every user error
is one line on stderr, ``boundlab: error: ...``, never a traceback.

The science stack (NumPy, pandas, Matplotlib, the paper modules) is imported inside each
command, so ``boundlab --help`` answers without loading it.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

__all__ = ["main", "build_parser", "parse_set"]

#: The scales of theory._claim.SCALES (spelled out here so that --help imports nothing).
SCALES = ("smoke", "quick", "full")
EXECUTORS = ("serial", "processes", "dask")
BENCH_MODULES = (
    "benchmarks.bench_mdps",
    "benchmarks.bench_sampling",
    "benchmarks.bench_engine",
    "benchmarks.bench_lp",
    "benchmarks.bench_reward_free",
    "benchmarks.bench_games_continual",
)

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_ENV = 0, 1, 2, 3

STORE_HELP = ("results store, an SQLite file (default: $BOUNDLAB_STORE if set, "
              "else ./boundlab-results.sqlite)")


class UsageError(Exception):
    """A mistake in the command line: exit 2."""


class EnvError(Exception):
    """The environment does not allow the command (store, scheduler, output path): exit 3."""


# ------------------------------------------------------------------------------ helpers


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number; got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number; got {text}")
    return value


def _store_path(args) -> Path:
    if args.store is not None:
        return Path(args.store)
    from ._store import default_store_path

    return default_store_path()


def _open_store(args, *, must_exist: bool):
    """Open the store of ``--store``; ``None`` when it must exist and does not."""
    from ._store import Store, StoreError

    path = _store_path(args)
    if must_exist and not path.exists():
        return None
    try:
        return Store(path, busy_timeout=args.lock_timeout)
    except StoreError as exc:
        raise EnvError(str(exc)) from None


def _select(patterns):
    from ._registry import UnknownClaimError, select

    try:
        return select(list(patterns))
    except UnknownClaimError as exc:
        raise UsageError(str(exc)) from None


def _color(status: str, text: str) -> str:
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):
        return text
    code = {"PASS": "32", "FAIL": "31", "INCONCLUSIVE": "33", "ERROR": "1;41",
            "UNDISCRIMINATING": "35"}.get(status)
    return f"\x1b[{code}m{text}\x1b[0m" if code else text


def _print_table(headers, rows, status_col=None) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        cells = []
        for i, (x, w) in enumerate(zip(row, widths)):
            text = str(x).ljust(w)
            cells.append(_color(str(x), text) if i == status_col else text)
        print("  ".join(cells).rstrip())


def _check_writable_dir(path: Path, what: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".boundlab-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise EnvError(f"{what} {path}: expected a writable directory; got {exc.strerror or exc}") from None


def _check_writable_file(path: Path, what: str) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise EnvError(f"{what} {path}: expected a file path; got a directory")
    if not parent.is_dir():
        raise EnvError(f"{what} {path}: expected a file in an existing directory; got no directory {parent}")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise EnvError(f"{what} {path}: expected a writable path; got permission denied")


# ------------------------------------------------------------------------------ --set


def _parse_value(text: str):
    """int, then float, then bool (true/false), then str."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _kind(values) -> str:
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "float"
    if all(isinstance(v, str) for v in values):
        return "str"
    return "mixed"


def _coerce(name: str, text: str, kind: str):
    import math

    value = _parse_value(text)
    if kind == "str":
        return text
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise UsageError(f"--set {name}: expected true or false; got {text!r}")
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise UsageError(f"--set {name}: expected integer values; got {text!r}")
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        raise UsageError(f"--set {name}: expected finite real values; got {text!r}")
    return value


def parse_set(items, claims, scale: str) -> dict[str, tuple]:
    """Parse ``--set k=v1,v2`` items into grid overrides, validated against the claims.

    Each name must be a parameter declared by every claim's grids (any scale); each value is
    read as int, then float, then bool, then str, and coerced to the kind of the declared
    values (``n=100`` for a float parameter becomes ``100.0``).
    """
    overrides: dict[str, tuple] = {}
    for item in items or ():
        name, sep, rhs = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--set {item!r}: expected NAME=VALUE[,VALUE...]")
        if name in overrides:
            raise UsageError(f"--set {name}: given twice; put all values in one --set {name}=v1,v2")
        texts = [t.strip() for t in rhs.split(",")]
        if any(t == "" for t in texts):
            raise UsageError(f"--set {item!r}: expected non-empty comma-separated values")
        values = None
        for claim in claims:
            declared = [v for g in claim.grids.values() for v in g.params.get(name, ())]
            if not declared:
                valid = sorted({n for g in claim.grids.values() for n in g.params})
                raise UsageError(
                    f"--set {name}: unknown parameter of {claim.id}; valid names: {', '.join(valid)}")
            coerced = tuple(_coerce(name, t, _kind(declared)) for t in texts)
            if values is not None and coerced != values:
                raise UsageError(f"--set {name}: the selected claims declare different kinds of values")
            values = coerced
        overrides[name] = values
    return overrides


# ------------------------------------------------------------------------------ commands


def cmd_list(args) -> int:
    from ._registry import registry

    claims = list(registry().values())
    rows = [(c.id, textwrap.shorten(c.theorem, 44, placeholder=" ..."), c.provenance, textwrap.shorten(c.paper.title, 48)) for c in claims]
    if not rows:
        print("no claims registered")
        return EXIT_OK
    _print_table(("claim", "theorem", "provenance", "paper"), rows)
    return EXIT_OK


def _bound_text(bound) -> list[str]:
    if bound is None:
        return ["(none declared)"]
    lines = []
    latex = getattr(bound, "latex", None)
    if callable(latex):
        lines.append(f"LaTeX: {latex()}")
    expr = getattr(bound, "expr", None)
    if expr is not None:
        lines.append(f"expr:  {expr}")
    return lines or [str(bound)]


def cmd_show(args) -> int:
    from ._registry import UnknownClaimError, get_claim
    from ._report import format_measured, format_predicted
    from ._verify import verdict_from_record

    try:
        claim = get_claim(args.claim)
    except UnknownClaimError as exc:
        raise UsageError(str(exc)) from None
    wrap = textwrap.TextWrapper(width=88, initial_indent="  ", subsequent_indent="  ")
    print(f"{claim.id}  (version {claim.version})")
    print(f"Paper:      {claim.paper.cite()}")
    print(f"Theorem:    {claim.theorem}")
    print(f"Provenance: {claim.provenance}")
    print("Statement:")
    print(wrap.fill(" ".join(claim.statement.split())))
    print("Bound:")
    for line in _bound_text(claim.bound):
        print(f"  {line}")
    print(f"Kind:       {claim.kind}")
    print("Controls:" + ("" if claim.controls else "   none declared"))
    for c in claim.controls:
        over = ", ".join(f"{k}={list(v)}" for k, v in c.overrides.items())
        print(f"  {c.name} (must {'FAIL' if c.expect == 'fail' else 'not PASS'}; {over}): {c.description}")
    print("Grids:")
    for scale, grid in claim.grids.items():
        npts = len(grid.points())
        params = ", ".join(f"{k}={list(v)}" for k, v in grid.params.items())
        print(f"  {scale:<6} {len(grid):>6} cells ({npts} points x {grid.replicates} replicates)  {params}")
    store = _open_store(args, must_exist=True)
    if store is None:
        print(f"Last verdict: none (no store at {_store_path(args)})")
        return EXIT_OK
    with store:
        record = store.last_verdict(claim.id)
        stored = store.count(claim.id, claim.version)
    if record is None:
        print(f"Last verdict: none stored ({stored} cells of version {claim.version} stored)")
        return EXIT_OK
    verdict = verdict_from_record(record)
    status = verdict.status.value
    print(f"Last verdict: {_color(status, status)} (scale {record['scale']}, version "
          f"{record['version']}, {record.get('created', '')})")
    print(f"  measured {format_measured(verdict)}; predicted {format_predicted(verdict)}")
    print(wrap.fill(verdict.reason))
    return EXIT_OK


def _env_errors():
    from ._verify import ENVIRONMENT_ERRORS

    return ENVIRONMENT_ERRORS


def _scheduler_check(args) -> None:
    if args.scheduler is not None and args.executor != "dask":
        raise UsageError("--scheduler: expected only with --executor dask")


def cmd_sweep(args) -> int:
    from ._sweep import CellError, sweep

    _scheduler_check(args)
    claims = _select(args.claims)
    overrides = parse_set(args.set, claims, args.scale)
    store = _open_store(args, must_exist=False)
    with store:
        for claim in claims:
            try:
                rep = sweep(claim, scale=args.scale, overrides=overrides or None,
                            replicates=args.seeds, executor=args.executor,
                            scheduler=args.scheduler, store=store,
                            progress=not args.no_progress, workers=args.workers)
            except _env_errors() as exc:
                raise EnvError(_one_line(exc)) from None
            except CellError as exc:
                # a value given with --set that the claim's run rejects is a user error, not a
                # bug in the claim: one line; any other failing cell keeps its traceback
                if overrides and exc.error_type in ("ValueError", "TypeError"):
                    raise UsageError(f"--set: a cell rejected its parameters: {exc}") from None
                raise
            print(f"{claim.id}: {rep.total} cells ({rep.skipped} already stored, {rep.ran} run) "
                  f"in {rep.seconds:.2f} s -> {store.path}")
    return EXIT_OK


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, ValueError) else f"{type(exc).__name__}: {text}"


def _outcome_rows(outcomes):
    from ._report import format_measured, format_predicted

    return [(o.claim.id, textwrap.shorten(o.claim.theorem, 44, placeholder=" ..."), format_measured(o.verdict), format_predicted(o.verdict),
             "; ".join(c.summary() for c in o.controls) or "—",
             o.verdict.status.value) for o in outcomes]


def cmd_verify(args) -> int:
    import json

    from ._claim import Status
    from ._report import write_report
    from ._verify import verdict_record, verify_outcomes

    _scheduler_check(args)
    claims = _select(args.claims)
    overrides = parse_set(args.set, claims, args.scale) or None
    out = Path(args.out)
    if not args.no_report:
        _check_writable_dir(out, "--out")
    if args.json:
        _check_writable_file(Path(args.json), "--json")
    store = _open_store(args, must_exist=False)
    with store:
        try:
            outcomes = verify_outcomes(claims, scale=args.scale, store=store,
                                       executor=args.executor, scheduler=args.scheduler,
                                       workers=args.workers, progress=not args.no_progress,
                                       replicates=args.seeds, overrides=overrides)
        except _env_errors() as exc:
            raise EnvError(_one_line(exc)) from None
        seeds = "" if args.seeds is None else f" with {args.seeds} replicates per point"
        sets = "" if not overrides else " with " + ", ".join(
            f"{k}={','.join(map(str, v))}" for k, v in overrides.items())
        print(f"scale {args.scale}{seeds}{sets}, store {store.path}")
        _print_table(("claim", "theorem", "measured [interval]", "predicted", "control", "verdict"),
                     _outcome_rows(outcomes), status_col=5)
        for o in outcomes:
            if o.verdict.status is Status.ERROR:
                print(f"\nboundlab: ERROR in {o.claim.id}: {o.verdict.reason}\n{o.error or ''}",
                      file=sys.stderr)
        if not args.no_report:
            try:
                md = write_report(store, claims, out, outcomes=outcomes)
            except OSError as exc:
                raise EnvError(f"--out {out}: could not write the report ({exc.strerror or exc})") from None
            print(f"report: {md} (and {md.with_suffix('.html').name})")
    if args.json:
        records = [verdict_record(o.claim, o.verdict, o.scale, o.controls) for o in outcomes]
        try:
            Path(args.json).write_text(json.dumps(records, indent=2, allow_nan=False) + "\n")
        except OSError as exc:
            raise EnvError(f"--json {args.json}: could not write ({exc.strerror or exc})") from None
    counts = {s: sum(o.verdict.status.value == s for o in outcomes)
              for s in ("PASS", "FAIL", "INCONCLUSIVE", "UNDISCRIMINATING", "ERROR")}
    print(", ".join(f"{n} {s}" for s, n in counts.items()))
    # a claim whose control passes its test verifies nothing: as much a defect as a FAIL
    return EXIT_FAIL if counts["FAIL"] or counts["ERROR"] or counts["UNDISCRIMINATING"] else EXIT_OK


def cmd_report(args) -> int:
    from ._report import write_report

    claims = _select(args.claims)
    store = _open_store(args, must_exist=True)
    if store is None:
        raise EnvError(f"--store {_store_path(args)}: expected an existing results store; got no "
                       f"such file (run `boundlab verify` first)")
    out = Path(args.out)
    _check_writable_dir(out, "--out")
    with store:
        try:
            md = write_report(store, claims, out)
        except OSError as exc:
            raise EnvError(f"--out {out}: could not write the report ({exc.strerror or exc})") from None
    print(f"report: {md} (and {md.with_suffix('.html').name})")
    return EXIT_OK


def cmd_export(args) -> int:
    from ._registry import UnknownClaimError, get_claim

    try:
        claim = get_claim(args.claim)
    except UnknownClaimError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "parquet" and not args.out:
        raise UsageError("--format parquet: expected --out FILE (binary output is not written to stdout)")
    if args.out:
        _check_writable_file(Path(args.out), "--out")
    store = _open_store(args, must_exist=True)
    if store is None:
        raise EnvError(f"--store {_store_path(args)}: expected an existing results store; got no such file")
    with store:
        table = store.table(claim.id, version=claim.version)
    if len(table) == 0:
        raise EnvError(f"{claim.id}: expected stored cells of version {claim.version} in "
                       f"{_store_path(args)}; got none (run `boundlab sweep {claim.id}`)")
    if args.format == "csv":
        if args.out:
            table.to_csv(args.out, index=False)
        else:
            table.to_csv(sys.stdout, index=False)
    else:
        try:
            table.to_parquet(args.out, index=False)
        except ImportError as exc:
            raise EnvError(f"--format parquet: expected pyarrow to be installed; got {exc}") from None
    if args.out:
        print(f"{len(table)} rows -> {args.out}", file=sys.stderr)
    return EXIT_OK


def _import_bench(name: str):
    import importlib

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name not in (name, name.rsplit(".", 1)[0]):
            raise
    # benchmarks/ lives beside the packages in a source checkout, not in the installed package
    root = Path(__file__).resolve().parents[1]
    if (root / "benchmarks").is_dir() and str(root) not in sys.path:
        sys.path.insert(0, str(root))
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in (name, name.rsplit(".", 1)[0]):
                raise
    return None


def cmd_bench(args) -> int:
    ran = 0
    for name in BENCH_MODULES:
        module = _import_bench(name)
        if module is None:
            print(f"{name}: not found, skipped")
            continue
        print(f"== {name} ({'quick' if args.quick else 'full'})", flush=True)
        result = module.run(quick=args.quick)
        if hasattr(module, "report"):
            print(module.report(result))
        else:
            for key, value in (result or {}).items():
                text = f"{value:.4g}" if isinstance(value, float) else str(value)
                print(f"  {key}: {text}")
        ran += 1
    if not ran:
        print("no benchmark modules found")
    return EXIT_OK


# ------------------------------------------------------------------------------ parser


class _Formatter(argparse.HelpFormatter):
    """Wraps help text without breaking words at hyphens (file names stay whole)."""

    def _split_lines(self, text, width):
        text = " ".join(text.split())
        return textwrap.wrap(text, width, break_on_hyphens=False) or [""]

    def _fill_text(self, text, width, indent):
        text = " ".join(text.split())
        return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent,
                             break_on_hyphens=False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="boundlab",
        formatter_class=_Formatter,
        description="Check RL-theory claims by simulation: sweep, verify, report.",
        epilog=("CLAIM is a claim id (copg/fixed_point) or a paper prefix (copg). Exit codes: "
                "0 ok, 1 a claim FAILed or raised, 2 usage error, 3 environment error "
                "(store, scheduler, output path). Results go to --store (default "
                "$BOUNDLAB_STORE, else ./boundlab-results.sqlite)."),
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add = sub.add_parser

    def add_parser(name, **kw):
        return _add(name, formatter_class=_Formatter, description=kw.get("help"), **kw)

    sub.add_parser = add_parser

    def module_opt(p):
        p.add_argument("--module", action="append", metavar="M", default=None,
                       help="also load the claims of M: a .py file or a module name exposing "
                            "CLAIMS (repeatable; joins the one registry, duplicate ids are an error)")

    def store_opt(p):
        module_opt(p)
        p.add_argument("--store", metavar="PATH", default=None, help=STORE_HELP)
        p.add_argument("--lock-timeout", metavar="SECONDS", type=_positive_float, default=60.0,
                       help="how long to wait for a store locked by another process (default: 60)")

    def run_opts(p, default_scale):
        p.add_argument("--scale", choices=SCALES, default=default_scale,
                       help=f"grid scale (default: {default_scale})")
        p.add_argument("--executor", choices=EXECUTORS, default="processes",
                       help="where cells run (default: processes, all cores)")
        p.add_argument("--scheduler", metavar="ADDR", default=None,
                       help="Dask scheduler address, or 'local' for a LocalCluster (with --executor dask)")
        p.add_argument("--workers", type=_positive_int, default=None, metavar="N",
                       help="number of worker processes (default: all cores)")
        p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        store_opt(p)

    p = sub.add_parser("list", help="list the registered claims")
    module_opt(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="statement, bound, grids and last verdict of a claim")
    p.add_argument("claim", metavar="CLAIM", help="claim id")
    store_opt(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("sweep", help="run the missing cells of a claim's grid")
    p.add_argument("claims", nargs="+", metavar="CLAIM", help="claim id or paper prefix")
    run_opts(p, "quick")
    p.add_argument("--set", action="append", metavar="NAME=V1,V2",
                   help="override a grid parameter's values (repeatable); values read as "
                        "int, float, bool (true/false) or str")
    p.add_argument("--seeds", type=_positive_int, default=None, metavar="N",
                   help="number of replicates per parameter point (default: the grid's)")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("verify", help="sweep (resuming), analyse, print verdicts, write a report")
    p.add_argument("claims", nargs="*", metavar="CLAIM", help="claim ids or paper prefixes (default: all)")
    run_opts(p, "quick")
    p.add_argument("--json", metavar="FILE", default=None,
                   help="also write the verdicts as JSON (claim, verdict, measured, interval, "
                        "predicted, tolerance, reason, scale)")
    p.add_argument("--out", metavar="DIR", default="boundlab-report",
                   help="report directory (default: ./boundlab-report)")
    p.add_argument("--no-report", action="store_true", help="do not write the report")
    p.add_argument("--seeds", type=_positive_int, default=None, metavar="N",
                   help="replicates per parameter point instead of the grid's (more power for a "
                        "wide interval); the verdict is saved under the scale label SCALE+seedsN")
    p.add_argument("--set", action="append", metavar="NAME=V1,V2",
                   help="override a grid parameter's values (repeatable, as for sweep); the "
                        "verdict is saved under the label SCALE+set{...}, never as the grid's")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("report", help="Markdown/HTML report with figures from stored results")
    p.add_argument("claims", nargs="*", metavar="CLAIM", help="claim ids or paper prefixes (default: all)")
    p.add_argument("--out", metavar="DIR", default="boundlab-report",
                   help="report directory (default: ./boundlab-report)")
    store_opt(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("export", help="the tidy table of a claim's stored cells")
    p.add_argument("claim", metavar="CLAIM", help="claim id")
    p.add_argument("--format", choices=("csv", "parquet"), default="csv", help="default: csv")
    p.add_argument("--out", metavar="FILE", default=None, help="output file (default: stdout, csv only)")
    store_opt(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("bench", help="performance benchmarks, printed as ratios")
    p.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv=None) -> int:
    """Run the ``boundlab`` command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return int(exc.code or 0)
    if args.version:
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"boundlab {version('boundlab')}")
        except PackageNotFoundError:  # pragma: no cover - source tree without install
            print("boundlab (not installed)")
        return EXIT_OK
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    from ._registry import RegistryError, add_claims

    try:
        if getattr(args, "module", None):
            try:
                add_claims(*args.module)
            except (RegistryError, ValueError) as exc:
                raise UsageError(f"--module: {exc}") from None
        return args.func(args)
    except UsageError as exc:
        print(f"boundlab: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except EnvError as exc:
        print(f"boundlab: error: {exc}", file=sys.stderr)
        return EXIT_ENV
    except RegistryError as exc:
        print(f"boundlab: error: the claim registry cannot be built: {exc}", file=sys.stderr)
        return EXIT_ENV
    except KeyboardInterrupt:
        print("boundlab: interrupted (finished cells are stored; run again to resume)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # stdout closed early (`boundlab list | head`): not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
