"""SparseCCE (Foster, Golowich & Kakade, ICML 2023): the normal-form building blocks so far
(no-regret => CCE, the LP certificates). The Markov-game parts -- the kibitzer construction
and the Nash extraction of notes §1.5 -- are not built yet. Uses :mod:`games`."""

from ._claims import CLAIMS, PAPER

__all__ = ["CLAIMS", "PAPER"]
