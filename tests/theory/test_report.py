"""theory._report.write_report: Markdown + HTML + one PNG per claim, robust to bad plots."""

import dataclasses

import pytest

from tests.theory._toyclaims import CLAIMS
from theory._report import figure_name, format_measured, format_predicted, write_report
from theory._store import Store
from theory._verify import verify_outcomes

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def toy():
    # the serial executor runs the claim objects given; no registry lookup is involved
    return {c.id: c for c in CLAIMS}


@pytest.fixture(scope="module")
def verified(toy, tmp_path_factory):
    """A store holding smoke verdicts of four toy claims, and their outcomes (built once;
    the tests only read it)."""
    claims = [toy[c] for c in ("toy/unbiased", "toybad/false", "toybad/raises", "toyplot/broken_plot")]
    store = Store(tmp_path_factory.mktemp("report") / "s.sqlite")
    outcomes = verify_outcomes(claims, scale="smoke", store=store, executor="serial", progress=False)
    yield store, claims, outcomes
    store.close()


@pytest.fixture(scope="module")
def written(verified, tmp_path_factory):
    """The report of the verify run, written once: (out_dir, markdown text, pyplot figs
    before, after)."""
    import matplotlib.pyplot as plt

    store, claims, outcomes = verified
    out = tmp_path_factory.mktemp("rep")
    before = plt.get_fignums()
    md = write_report(store, claims, out, outcomes=outcomes)
    after = plt.get_fignums()
    assert md == out / "report.md"
    return out, md.read_text(), before, after


def test_report_files_and_verdict_table_first(verified, written):
    _, claims, _ = verified
    out, text, _, _ = written
    head = text.split("\n## ", 1)[0]  # everything before the first claim section
    for claim, status in zip(claims, ["PASS", "FAIL", "ERROR", "PASS"]):
        assert f"| {claim.id} | {claim.theorem} |" in head
        assert f"**{status}**" in head
    section = text.split("## toy/unbiased", 1)[1].split("\n## ", 1)[0]
    assert claims[0].statement in section and "**Provenance:** derived" in section
    assert "![toy/unbiased](toy__unbiased.png)" in section
    assert (out / "toy__unbiased.png").read_bytes()[:8] == PNG_MAGIC


def test_report_plot_error_is_a_line_not_a_crash(written):
    out, text, _, _ = written
    assert "**Figure error:** plot raised ValueError: planted bug in plot" in text
    assert not (out / "toyplot__broken_plot.png").exists()


def test_report_shows_the_error_traceback(written):
    _, text, _, _ = written
    section = text.split("## toybad/raises", 1)[1].split("\n## ", 1)[0]
    assert "analyse raised RuntimeError: planted bug in analyse" in section
    assert "Traceback (most recent call last)" in section


def test_html_is_self_contained(written):
    out = written[0]
    page = (out / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count("data:image/png;base64,") == 3  # broken_plot has none
    assert "class='FAIL'>FAIL<" in page and "planted bug in plot" in page


def test_report_from_stored_verdicts_only(verified, tmp_path):
    store, claims, _ = verified
    text = write_report(store, claims[:2], tmp_path / "rep").read_text()
    head = text.split("\n## ", 1)[0]
    assert "**PASS**" in head and "**FAIL**" in head and "| smoke |" in head
    assert (tmp_path / "rep" / "toybad__false.png").exists()


def test_report_of_unverified_claim(toy, tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        text = write_report(store, [toy["toy/unbiased"]], tmp_path / "rep").read_text()
    assert "**NOT VERIFIED**" in text and "No stored cells: no figure." in text


def test_report_flags_a_verdict_of_an_older_version(verified, tmp_path):
    store, claims, _ = verified
    newer = dataclasses.replace(claims[0], version=2)
    text = write_report(store, [newer], tmp_path / "rep").read_text()
    assert "stored verdict is for version 1; the claim is now version 2" in text


def test_report_uses_no_pyplot_state(written):
    _, _, before, after = written
    assert after == before


def test_formatting_helpers(verified):
    _, claims, outcomes = verified
    v = outcomes[0].verdict
    assert format_measured(v).startswith(f"{v.measured:.4g} [")
    assert format_predicted(v) == "0 ± 0.5"
    assert format_measured(outcomes[2].verdict) == "—"
    assert figure_name(claims[0]) == "toy__unbiased.png"
