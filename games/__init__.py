"""Normal-form and Markov games: equilibrium LPs (CE, CCE, Nash), SparseCCE and the Nash
reduction. Not built yet: no issue has landed for this package. The occupancy-measure LP
layer it will reuse lives in :mod:`mdps._lp`."""

__all__: list[str] = []
