"""The claim contract (theory/_claim.py): decision rules, Grid, Claim validation."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory._claim import SCALES, Claim, Grid, Paper, Status, Verdict

# ---------------------------------------------------------------- Verdict.from_interval


@pytest.mark.parametrize(
    "interval, status",
    [
        ((0.9, 1.1), Status.PASS),          # inside the band [0.8, 1.2]
        ((0.8, 1.2), Status.PASS),          # the band's edges count as inside
        ((1.3, 1.5), Status.FAIL),          # wholly above
        ((0.1, 0.7), Status.FAIL),          # wholly below
        ((0.7, 1.1), Status.INCONCLUSIVE),  # straddles the lower edge
        ((0.5, 1.5), Status.INCONCLUSIVE),  # wider than the band: data cannot decide
        ((-math.inf, 1.0), Status.INCONCLUSIVE),
        ((0.9, math.nan), Status.INCONCLUSIVE),
    ],
)
def test_from_interval_decision_rule(interval, status):
    v = Verdict.from_interval("slope", 1.0, interval, predicted=1.0, tolerance=0.2)
    assert v.status is status
    assert v.predicted == 1.0 and v.tolerance == 0.2
    assert "slope" in v.reason and "predicted 1" in v.reason


def test_from_interval_appends_reason_and_details():
    v = Verdict.from_interval("q", 0.0, (-0.1, 0.1), 0.0, 1.0, reason="why", details={"n": 3})
    assert v.reason.endswith(". why")
    assert v.details["n"] == 3
    with pytest.raises(TypeError):
        v.details["n"] = 4  # read-only mapping


@given(
    lo=st.floats(-10, 10), width=st.floats(0, 10), pred=st.floats(-10, 10), tol=st.floats(0, 5)
)
def test_from_interval_never_passes_an_interval_leaving_the_band(lo, width, pred, tol):
    hi = lo + width
    v = Verdict.from_interval("q", lo, (lo, hi), pred, tol)
    inside = pred - tol <= lo and hi <= pred + tol
    outside = hi < pred - tol or lo > pred + tol
    assert (v.status is Status.PASS) == inside
    assert (v.status is Status.FAIL) == outside
    assert (v.status is Status.INCONCLUSIVE) == (not inside and not outside)


# ---------------------------------------------------------------- Verdict.at_most


@pytest.mark.parametrize(
    "interval, status",
    [
        ((0.1, 0.9), Status.PASS),
        ((0.1, 1.0), Status.PASS),          # upper end equal to the bound is allowed
        ((1.01, 2.0), Status.FAIL),
        ((0.5, 1.5), Status.INCONCLUSIVE),
        ((0.5, math.inf), Status.INCONCLUSIVE),
    ],
)
def test_at_most_decision_rule(interval, status):
    v = Verdict.at_most("gap", 0.5, interval, bound=1.0)
    assert v.status is status
    assert v.predicted == 1.0 and v.tolerance == 0.0
    assert "bound 1" in v.reason


# ---------------------------------------------------------------- Verdict validation


def test_verdict_coerces_status_and_floats():
    v = Verdict("PASS", "q", 1, (0, 2), 1, 0, "r")
    assert v.status is Status.PASS
    assert isinstance(v.measured, float) and v.interval == (0.0, 2.0)


def test_verdict_rejects_unknown_status():
    with pytest.raises(ValueError, match="'MAYBE' is not a valid Status"):
        Verdict("MAYBE", "q", 1, (0, 2), 1, 0, "r")


def test_verdict_rejects_reversed_interval():
    with pytest.raises(ValueError, match=r"interval: expected \(low, high\) with low <= high"):
        Verdict("PASS", "q", 1, (2, 0), 1, 0, "r")


def test_verdict_rejects_negative_tolerance():
    with pytest.raises(ValueError, match="tolerance: expected a non-negative number"):
        Verdict.from_interval("q", 1, (0, 2), 1, -0.5)


def test_decision_rules_never_return_error():
    # ERROR is reserved for the engine (analyse raised); the rules only judge data.
    statuses = {
        Verdict.from_interval("q", 0, iv, 0, 1).status
        for iv in [(0, 0), (5, 6), (-2, 2), (math.nan, 1)]
    } | {Verdict.at_most("q", 0, iv, 1).status for iv in [(0, 0), (5, 6), (0, 2)]}
    assert Status.ERROR not in statuses


# ---------------------------------------------------------------- Grid


def test_grid_points_product_order_and_len():
    g = Grid({"a": (1, 2), "b": ("x", "y", "z")}, replicates=3)
    pts = g.points()
    assert pts[0] == {"a": 1, "b": "x"} and pts[-1] == {"a": 2, "b": "z"}
    assert len(pts) == 6 and len(g) == 18


def test_grid_wraps_scalars_and_strings_and_converts_numpy():
    g = Grid({"a": 3, "s": "abc", "f": np.float64(0.5), "arr": np.array([1, 2])}, 1)
    assert g.params["a"] == (3,) and g.params["s"] == ("abc",)
    assert type(g.params["f"][0]) is float
    assert g.params["arr"] == (1, 2) and type(g.params["arr"][0]) is int


def test_grid_params_are_read_only():
    g = Grid({"a": (1,)}, 1)
    with pytest.raises(TypeError):
        g.params["a"] = (2,)


def test_grid_with_overrides():
    g = Grid({"a": (1, 2), "b": (0.5,)}, 4)
    h = g.with_overrides({"a": (7,)}, replicates=2)
    assert h.params == {"a": (7,), "b": (0.5,)} and h.replicates == 2
    assert g.params["a"] == (1, 2)  # the original is untouched
    assert g.with_overrides().replicates == 4


def test_grid_rejects_zero_replicates():
    with pytest.raises(ValueError, match="replicates: expected an integer >= 1; got 0"):
        Grid({"a": (1,)}, 0)


def test_grid_rejects_non_integer_replicates():
    with pytest.raises(TypeError, match="replicates: expected an integer"):
        Grid({"a": (1,)}, 2.0)


def test_grid_rejects_empty_values():
    with pytest.raises(ValueError, match=r"params\['a'\]: expected at least one value"):
        Grid({"a": ()}, 1)


def test_grid_rejects_unhashable_kind_of_value():
    with pytest.raises(TypeError, match=r"params\['a'\]: expected str, int, float or bool values"):
        Grid({"a": ([1, 2],)}, 1)


def test_grid_rejects_non_finite_values():
    with pytest.raises(ValueError, match=r"params\['a'\]: expected finite values; got nan"):
        Grid({"a": (1.0, math.nan)}, 1)


@pytest.mark.parametrize("name", ["replicate", "seconds", "claim", "version", "not an id", 3])
def test_grid_rejects_reserved_or_bad_parameter_names(name):
    with pytest.raises(ValueError, match="params: expected parameter names that are identifiers"):
        Grid({name: (1,)}, 1)


# ---------------------------------------------------------------- Claim

PAPER = Paper("T", "A", "V", "0000.0000")


def _run(params, rng):
    return {"m": 0.0}


def _analyse(table):
    return Verdict.from_interval("q", 0, (0, 0), 0, 1)


def _plot(table, ax=None):
    return ax


def _claim(**kw):
    base = dict(
        id="p/c", paper=PAPER, theorem="Thm 1", statement="s", provenance="paper",
        grids={s: Grid({"a": (1,)}, 1) for s in SCALES}, run=_run, analyse=_analyse, plot=_plot,
    )
    base.update(kw)
    return Claim(**base)


def test_claim_accepts_a_valid_definition():
    c = _claim()
    assert c.paper_key == "p" and c.version == 1
    with pytest.raises(TypeError):
        c.grids["smoke"] = None  # read-only


@pytest.mark.parametrize("bad", ["nopaper", "p/ c", " p/c", "p c/x"])
def test_claim_rejects_bad_id(bad):
    with pytest.raises(ValueError, match="id: expected 'paper/claim' without spaces"):
        _claim(id=bad)


def test_claim_rejects_unknown_provenance():
    with pytest.raises(ValueError, match="provenance: expected one of"):
        _claim(provenance="folklore")


def test_claim_rejects_version_zero():
    with pytest.raises(ValueError, match="version: expected an integer >= 1"):
        _claim(version=0)


def test_claim_rejects_missing_scale():
    with pytest.raises(ValueError, match=r"grids: expected a Grid for every scale .*missing \['full'\]"):
        _claim(grids={"smoke": Grid({}, 1), "quick": Grid({}, 1)})


def test_claim_rejects_non_grid():
    grids = {s: Grid({}, 1) for s in SCALES} | {"full": {"a": (1,)}}
    with pytest.raises(TypeError, match=r"grids\['full'\]: expected a Grid; got dict"):
        _claim(grids=grids)


def test_claim_rejects_non_callable_run():
    with pytest.raises(TypeError, match="run: expected a callable"):
        _claim(run="not callable")


def test_paper_cite():
    assert PAPER.cite() == 'A, "T", V (arXiv 0000.0000)'
