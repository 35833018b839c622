"""Tabular, linear-mixture and linear MDPs: models, exact solvers, certificates, sampling."""

from ._models import DiscountedMDP, TabularMDP

__all__ = ["TabularMDP", "DiscountedMDP"]
