"""The claim registry: built once, read-only, ordered, unique ids, helpful errors."""

import sys
import types

import pytest

from theory import _registry
from theory._registry import (
    EXTRA_CLAIMS_ENV,
    RegistryError,
    UnknownClaimError,
    get_claim,
    registry,
    select,
)

TOY = "tests.theory._toyclaims"


@pytest.fixture
def toy_only(monkeypatch):
    """The registry holds the toy claims only (independent of the paper modules)."""
    monkeypatch.setattr(_registry, "PAPER_MODULES", ())
    monkeypatch.setenv(EXTRA_CLAIMS_ENV, TOY)
    from tests.theory import _toyclaims

    return _toyclaims


def test_registry_is_ordered_read_only_and_cached(toy_only):
    reg = registry()
    assert list(reg) == [c.id for c in toy_only.CLAIMS]
    assert registry() is reg
    with pytest.raises(TypeError):
        reg["x/y"] = toy_only.CLAIMS[0]


def test_paper_modules_come_before_extra_modules(monkeypatch):
    monkeypatch.setattr(_registry, "PAPER_MODULES", (TOY,))
    monkeypatch.setenv(EXTRA_CLAIMS_ENV, " ")  # blank entries are ignored
    assert list(registry())[0] == "toy/unbiased"


def test_duplicate_ids_are_an_error_at_build(monkeypatch, tmp_path):
    # a second module exposing a claim with the same id (the same module named twice is
    # loaded once, see test_plugins)
    other = tmp_path / "other.py"
    other.write_text(f"from {TOY} import CLAIMS\n")
    monkeypatch.setattr(_registry, "PAPER_MODULES", (TOY,))
    monkeypatch.setenv(EXTRA_CLAIMS_ENV, str(other))
    with pytest.raises(RegistryError, match="claim id 'toy/unbiased': expected unique ids; got it "
                                            f"from both {TOY} and {other}"):
        registry()
    monkeypatch.setenv(EXTRA_CLAIMS_ENV, TOY)
    assert "toy/unbiased" in registry()


def test_missing_module_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(_registry, "PAPER_MODULES", ("theory.no_such_paper",))
    monkeypatch.delenv(EXTRA_CLAIMS_ENV, raising=False)
    with pytest.raises(RegistryError, match="claim module 'theory.no_such_paper': expected an importable"):
        registry()


def test_module_without_claims_tuple_is_an_error(monkeypatch):
    monkeypatch.setattr(_registry, "PAPER_MODULES", ("tests.theory",))
    monkeypatch.delenv(EXTRA_CLAIMS_ENV, raising=False)
    with pytest.raises(RegistryError, match="tests.theory.CLAIMS: expected a tuple of Claim; got NoneType"):
        registry()


def test_module_with_a_non_claim_is_an_error(monkeypatch):
    fake = types.ModuleType("fake_paper_mod")
    fake.CLAIMS = ("not a claim",)
    monkeypatch.setitem(sys.modules, "fake_paper_mod", fake)
    monkeypatch.setattr(_registry, "PAPER_MODULES", ("fake_paper_mod",))
    monkeypatch.delenv(EXTRA_CLAIMS_ENV, raising=False)
    with pytest.raises(RegistryError, match="an element of type str"):
        registry()


def test_get_claim(toy_only):
    assert get_claim("toy/unbiased") is toy_only.CLAIMS[0]


def test_get_claim_unknown_names_close_matches(toy_only):
    with pytest.raises(UnknownClaimError, match=r"unknown claim id 'toy/unbiasd'; did you mean toy/unbiased\?"):
        get_claim("toy/unbiasd")


def test_get_claim_unknown_without_close_match(toy_only):
    with pytest.raises(UnknownClaimError) as err:
        get_claim("zzzzzzzz")
    assert "did you mean" not in str(err.value)
    assert isinstance(err.value, ValueError)


def test_select_ids_and_paper_prefixes(toy_only):
    ids = [c.id for c in select(["toybad"])]
    assert ids == ["toybad/false", "toybad/raises"]
    assert [c.id for c in select(["toybad/"])] == ids
    # pattern order kept, each claim once
    mixed = [c.id for c in select(["toybad/raises", "toy", "toybad"])]
    assert mixed == ["toybad/raises", "toy/unbiased", "toybad/false"]
    assert [c.id for c in select("toy/unbiased")] == ["toy/unbiased"]


def test_select_empty_means_everything(toy_only):
    assert [c.id for c in select([])] == list(registry())


def test_select_unknown_pattern(toy_only):
    with pytest.raises(UnknownClaimError, match=r"unknown claim id or paper 'toyba'; did you mean .*toybad"):
        select(["toyba"])


def test_public_surface_resolves_lazily():
    import theory

    for name in theory.__all__:
        assert getattr(theory, name) is not None
    assert theory.Claim.__module__ == "theory._claim" and callable(theory.verify)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        theory.nope  # noqa: B018


def test_every_rate_or_bound_claim_declares_a_control():
    """Issue 9: a rate or bound claim verifies nothing unless a baseline or an
    assumption-violating variant is run through its own analysis and must not PASS it; only
    exact identities (certificates, closed forms) may go without one."""
    from theory._registry import registry

    claims = list(registry().values())
    assert claims, "the registry is empty"
    for claim in claims:
        assert claim.kind in ("rate", "bound", "identity"), claim.id
        if claim.kind != "identity":
            assert claim.controls, f"{claim.id} ({claim.kind}) declares no negative control"
        for control in claim.controls:
            # the control's grid at every scale differs from the claim's own (checked at
            # construction) and is a grid of the same parameters
            for scale, grid in claim.grids.items():
                assert set(control.grid(grid).params) == set(grid.params), (claim.id, scale)
