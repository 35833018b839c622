"""The verification report: a verdict table, then one section per claim with its figure.

``write_report(store, claims, out_dir)`` writes into ``out_dir``:

* ``report.md`` -- the verdict table at the top (claim, theorem, measured [interval],
  predicted, verdict), then per claim: paper, theorem, provenance, statement, verdict and
  reason, and the figure (a relative PNG link);
* ``report.html`` -- the same content, self-contained (figures embedded as base64 PNG);
* ``<paper>__<claim>.png`` -- one figure per claim, drawn by ``claim.plot(table, ax=ax)`` on
  an explicit :class:`matplotlib.figure.Figure` with the Agg canvas (no pyplot state).

The table a figure shows is the one its verdict was computed from: the claim's stored cells
restricted to the grid of the verdict's scale. A plot function that raises becomes an error
line in that claim's section, not a crash of the report.
"""

from __future__ import annotations

import base64
import html
import math
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

from ._claim import Claim, Status, Verdict

__all__ = ["write_report", "ReportEntry", "format_measured", "format_predicted", "figure_name"]


@dataclass(frozen=True)
class ReportEntry:
    claim: Claim
    verdict: Verdict | None
    scale: str | None
    figure: str | None  # file name inside out_dir
    figure_error: str | None
    cells: int
    error: str | None = None  # traceback of an ERROR verdict
    note: str = ""
    controls: str = ""  # each negative control's verdict under the claim's test


def _controls_text(claim: Claim, outcome, verdict: Verdict | None) -> str:
    if outcome is not None and getattr(outcome, "controls", ()):
        return "; ".join(c.summary() for c in outcome.controls)
    if verdict is None or not claim.controls:
        return "—" if not claim.controls else "not run"
    found = [c.name for c in claim.controls if f"control.{c.name}.measured" in verdict.details]
    return ("; ".join(f"{n}: see reason" for n in found)) or "not run"


def _fmt(x: float) -> str:
    return f"{x:.4g}" if math.isfinite(x) else "—"


def format_measured(v: Verdict | None) -> str:
    if v is None or not math.isfinite(v.measured):
        return "—"
    lo, hi = v.interval
    return f"{v.measured:.4g} [{_fmt(lo)}, {_fmt(hi)}]"


def format_predicted(v: Verdict | None) -> str:
    if v is None or not math.isfinite(v.predicted):
        return "—"
    if v.tolerance > 0:
        return f"{v.predicted:.4g} ± {v.tolerance:.3g}"
    return f"{v.predicted:.4g}"


def figure_name(claim: Claim) -> str:
    return claim.id.replace("/", "__") + ".png"


def _draw(claim: Claim, table, path: Path) -> str | None:
    """Draw ``claim.plot`` into ``path``; the error line if the plot function raised."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    try:
        claim.plot(table, ax=ax)
    except Exception as exc:
        return f"plot raised {type(exc).__name__}: {exc}"
    if not ax.get_title():
        ax.set_title(claim.id, fontsize=10)
    fig.savefig(path, dpi=100)
    return None


def _entries(store, claims, out_dir: Path, outcomes) -> list[ReportEntry]:
    from ._verify import grid_table, resolve_scale, verdict_from_record

    by_id = {o.claim.id: o for o in (outcomes or ())}
    entries = []
    for claim in claims:
        outcome = by_id.get(claim.id)
        note = ""
        error = None
        if outcome is not None:
            verdict, scale, error = outcome.verdict, outcome.scale, outcome.error
        else:
            record = store.last_verdict(claim.id)
            verdict = scale = None
            if record is not None:
                stored_version = record.get("version", claim.version)
                if stored_version != claim.version:
                    note = (f"the stored verdict is for version {stored_version}; the claim is "
                            f"now version {claim.version} -- run `boundlab verify {claim.id}`")
                else:
                    verdict = verdict_from_record(record)
                    scale = record.get("scale")
        table = store.table(claim.id, version=claim.version)
        effective, base = resolve_scale(claim, scale)  # "quick+seeds36" -> 36 replicates
        if base is not None:
            table = grid_table(table, effective, base)
        cells = 0 if table is None else len(table)
        figure = figure_error = None
        if cells:
            name = figure_name(claim)
            figure_error = _draw(claim, table, out_dir / name)
            figure = None if figure_error else name
        entries.append(ReportEntry(claim, verdict, scale, figure, figure_error, cells, error, note,
                                   _controls_text(claim, outcome, verdict)))
    return entries


def _status(e: ReportEntry) -> str:
    return e.verdict.status.value if e.verdict is not None else "NOT VERIFIED"


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _markdown(entries: Sequence[ReportEntry], title: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# {title}", "", f"Generated {stamp} by `boundlab`.", ""]
    lines += ["| claim | theorem | measured [interval] | predicted | control | verdict | scale |",
              "|---|---|---|---|---|---|---|"]
    for e in entries:
        lines.append("| " + " | ".join(_md_cell(x) for x in (
            e.claim.id, e.claim.theorem, format_measured(e.verdict), format_predicted(e.verdict),
            e.controls or "—", f"**{_status(e)}**", e.scale or "—")) + " |")
    for e in entries:
        c = e.claim
        lines += ["", f"## {c.id}", "",
                  f"- **Paper:** {c.paper.cite()}",
                  f"- **Theorem:** {c.theorem}",
                  f"- **Provenance:** {c.provenance}",
                  f"- **Verdict:** {_status(e)}" + (f" (scale `{e.scale}`, {e.cells} cells)" if e.scale else ""),
                  ""]
        lines += [c.statement.strip(), ""]
        if e.verdict is not None:
            if e.verdict.quantity:
                lines.append(f"*{e.verdict.quantity}*: measured {format_measured(e.verdict)}, "
                             f"predicted {format_predicted(e.verdict)}.")
                lines.append("")
            lines += [f"> {e.verdict.reason}", ""]
        if e.note:
            lines += [f"> Note: {e.note}", ""]
        if e.error:
            lines += ["```", e.error.rstrip(), "```", ""]
        if e.figure:
            lines += [f"![{c.id}]({e.figure})", ""]
        elif e.figure_error:
            lines += [f"**Figure error:** {e.figure_error}", ""]
        elif not e.cells:
            lines += ["*No stored cells: no figure.*", ""]
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
.PASS{color:#176317;font-weight:bold}.FAIL{color:#b00020;font-weight:bold}
.INCONCLUSIVE{color:#946200;font-weight:bold}.ERROR{color:#fff;background:#b00020;font-weight:bold}
.reason{border-left:3px solid #ccc;padding-left:.8rem;color:#444}pre{background:#f5f5f5;padding:.5rem;overflow:auto}
img{max-width:100%}
"""


def _html(entries: Sequence[ReportEntry], title: str, out_dir: Path) -> str:
    esc = html.escape
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(title)}</title>",
             f"<style>{_CSS}</style></head><body><h1>{esc(title)}</h1>",
             f"<p>Generated {esc(stamp)} by <code>boundlab</code>.</p>",
             "<table><tr><th>claim</th><th>theorem</th><th>measured [interval]</th>"
             "<th>predicted</th><th>verdict</th><th>scale</th></tr>"]
    for e in entries:
        status = _status(e)
        parts.append(
            f"<tr><td><a href='#{esc(e.claim.id)}'>{esc(e.claim.id)}</a></td><td>{esc(e.claim.theorem)}</td>"
            f"<td>{esc(format_measured(e.verdict))}</td><td>{esc(format_predicted(e.verdict))}</td>"
            f"<td class='{esc(status)}'>{esc(status)}</td><td>{esc(e.scale or '—')}</td></tr>")
    parts.append("</table>")
    for e in entries:
        c = e.claim
        status = _status(e)
        parts += [f"<h2 id='{esc(c.id)}'>{esc(c.id)}</h2><ul>",
                  f"<li><b>Paper:</b> {esc(c.paper.cite())}</li>",
                  f"<li><b>Theorem:</b> {esc(c.theorem)}</li>",
                  f"<li><b>Provenance:</b> {esc(c.provenance)}</li>",
                  f"<li><b>Verdict:</b> <span class='{esc(status)}'>{esc(status)}</span>"
                  + (f" (scale {esc(e.scale)}, {e.cells} cells)" if e.scale else "") + "</li></ul>",
                  f"<p>{esc(c.statement.strip())}</p>"]
        if e.verdict is not None:
            parts.append(f"<p class='reason'>{esc(e.verdict.reason)}</p>")
        if e.note:
            parts.append(f"<p class='reason'>Note: {esc(e.note)}</p>")
        if e.error:
            parts.append(f"<pre>{esc(e.error)}</pre>")
        if e.figure:
            data = base64.b64encode((out_dir / e.figure).read_bytes()).decode("ascii")
            parts.append(f"<img alt='{esc(c.id)}' src='data:image/png;base64,{data}'>")
        elif e.figure_error:
            parts.append(f"<p class='FAIL'>Figure error: {esc(e.figure_error)}</p>")
        elif not e.cells:
            parts.append("<p><i>No stored cells: no figure.</i></p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_report(
    store,
    claims: Sequence[Claim],
    out_dir: str | Path,
    *,
    outcomes: Sequence[Any] | None = None,
    title: str = "boundlab verification report",
) -> Path:
    """Write ``report.md``, ``report.html`` and one PNG per claim into ``out_dir``.

    Verdicts come from ``outcomes`` (the :class:`theory._verify.Outcome` list of a verify
    run) where given, otherwise from the store's last verdict of each claim. Returns the path
    of ``report.md``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    entries = _entries(store, list(claims), out, outcomes)
    md = out / "report.md"
    md.write_text(_markdown(entries, title), encoding="utf-8")
    (out / "report.html").write_text(_html(entries, title, out), encoding="utf-8")
    return md


def report(claims: Sequence[Claim | str] | Claim | str = (), *, store=None,
           out: str | Path = "boundlab-report") -> Path:
    """The Python twin of ``boundlab report``: the report of ``claims`` (Claim objects, ids or
    paper prefixes; empty = all) from the stored verdicts of ``store`` (an open Store, a
    path, or ``None`` for the default store). Returns the path of ``report.md``."""
    from ._registry import select
    from ._store import Store, default_store_path

    if isinstance(claims, (Claim, str)):
        claims = [claims]
    resolved: list[Claim] = []
    for c in list(claims) or list(select([])):
        resolved += [x for x in (select([c]) if isinstance(c, str) else [c]) if x not in resolved]
    if isinstance(store, Store):
        return write_report(store, resolved, out)
    with Store(default_store_path() if store is None else store) as opened:
        return write_report(opened, resolved, out)
