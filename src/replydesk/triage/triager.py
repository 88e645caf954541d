"""The one way a review gets its label: the explained rules and the learned model together.

The rules read the review first and quote their evidence (``rules.py``); the learned
model (``learned.py``) takes the rules' findings as features beside the review's letters
and words, and makes the two decisions the product needs: is this criticism (it deserves
a real answer) and, if not, is it provocation (hostile and generic). What is neither
keeps the rules' finer call between praise and vague.

Every verdict keeps the rules' evidence spans and adds the learned features that tipped
it ("learned: letters of "crashes" +0.84"), its calibrated probabilities, and a
confidence; below ``[triage] unsure_below`` it is *unsure*, which is where a person (or,
when configured, the model's second opinion) should look first. ``docs/triage.md``
explains how to read one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from replydesk.domain.models import Evidence, Label, Triage
from replydesk.triage.learned import Contribution, LearnedModel, LearnedVerdict, default_model
from replydesk.triage.rules import Rules

if TYPE_CHECKING:
    from replydesk.config.models import TriageConfig

METHOD = "rules+learned"
TIPPED_KEPT = 3  # the learned features kept on a verdict (all are in an explanation)
UNSURE_BELOW = 0.6  # the default of [triage] unsure_below
# the rules' criticism or provocation stands unless the learned model puts that decision
# below this: the model has seen reviews in two languages only and insults mostly in
# tweets, while the rules carry the house style's definition in every language
STANDS = 0.1
# the model turns the rules' vague or praise into criticism only when it is more likely
# than not: its own threshold is set for recall on app reviews (where most are criticism)
OVERRIDES = 0.5


@dataclass(frozen=True)
class Reading:
    """A verdict with everything behind it, for ``triage --explain``: the rules' own
    verdict, the learned model's, and the combined one that is stored."""

    verdict: Triage
    rules: Triage
    learned: LearnedVerdict | None
    unsure_below: float
    covers: tuple[bool, bool] = (True, True)  # the model took (criticism, provocation)


class Triager:
    """Rules and learned model, built once per workspace; ``classify`` is pure and
    thread-safe."""

    def __init__(
        self,
        rules: Rules | None = None,
        model: LearnedModel | None = None,
        *,
        learned: bool = True,
        unsure_below: float = UNSURE_BELOW,
    ) -> None:
        self.rules = rules or Rules()
        self.model = (model or default_model()) if learned else None
        self.unsure_below = unsure_below

    @classmethod
    def from_config(cls, config: TriageConfig) -> Triager:
        return cls(
            Rules.from_config(config), learned=config.learned, unsure_below=config.unsure_below
        )

    def classify(self, text: str, rating: int | None = None, language: str = "") -> Triage:
        return self.read(text, rating, language).verdict

    def read(self, text: str, rating: int | None = None, language: str = "") -> Reading:
        rules = self.rules.classify(text, rating, language)
        if self.model is None:
            verdict = _sure_or_not(rules, rules.score, self.unsure_below)
            return Reading(verdict, rules, None, self.unsure_below)
        learned = self.model.score(text, rating, language, rules)
        covers = (
            covered(self.model, "criticism", language),
            covered(self.model, "provocation", language),
        )
        verdict = combine(rules, learned, self.unsure_below, covers)
        return Reading(verdict, rules, learned, self.unsure_below, covers)


# The languages each learned decision has labelled examples of, both ways (the model's
# README lists the sets). Elsewhere its letters and words mean nothing reliable (a
# language seen only among insults would read as hostile), and the rules decide.
COVERAGE = {
    "criticism": ("en", "fr"),  # app and game reviews
    "provocation": ("de", "el", "es", "fr", "it", "pt", "ru"),  # insult and tweet sets
}


def covered(model: LearnedModel, head: str, language: str) -> bool:
    """Whether ``head`` of ``model`` has seen ``language`` (the weight file may say)."""
    table = model.meta.get("coverage") or COVERAGE
    return (language or "").split("-")[0].lower() in table.get(head, ())


def combine(
    rules: Triage,
    learned: LearnedVerdict,
    unsure_below: float,
    covers: tuple[bool, bool] = (True, True),
) -> Triage:
    """One verdict from both readings.

    For each of its two decisions, in a language it has seen (``covers``), the learned
    model decides (it has weighed the rules' findings already), and the rules' criticism
    or provocation still stands unless the model puts it below ``STANDS``; in a language
    it has not seen, the rules decide and their confidence stands in for its
    probability. What is neither is praise when the rules say so, else vague. The
    confidence is the probability of the path taken: p(criticism) for criticism (or the
    rules' own when they agree and are surer); p(provocation) x p(not criticism) for
    provocation; p(neither) for praise and vague.
    """
    crit = learned.probabilities.get("criticism", 0.0)
    prov = learned.probabilities.get("provocation", 0.0)
    said_crit = rules.label is Label.CRITICISM
    said_prov = rules.label is Label.PROVOCATION
    if covers[0]:
        overrides = learned.label is Label.CRITICISM and crit >= OVERRIDES
        is_crit = overrides or (said_crit and crit >= STANDS)
    else:
        is_crit, crit = said_crit, rules.score if said_crit else 1 - rules.score
    if covers[1]:
        is_prov = learned.label is Label.PROVOCATION or (said_prov and prov >= STANDS)
        is_prov = is_prov and not (covers[0] is False and said_crit)
    else:
        is_prov, prov = said_prov, rules.score if said_prov else 1 - rules.score
    if is_crit:
        label, confidence = Label.CRITICISM, crit
        if said_crit:  # both agree: the surer of the two
            confidence = max(crit, rules.score * (1 - prov))
    elif is_prov:
        label, confidence = Label.PROVOCATION, prov * (1 - crit)
    else:
        label = Label.PRAISE if rules.label is Label.PRAISE else Label.VAGUE
        confidence = (1 - crit) * (1 - prov)
    reasons = list(rules.reasons)
    if rules.label is not label:
        reasons.insert(0, Evidence(f"note: the rules alone said {rules.label}"))
    reasons += [_evidence(c) for c in tipped(learned, label, covers)[:TIPPED_KEPT]]
    verdict = Triage(
        label=label,
        score=round(confidence, 3),
        reasons=reasons,
        method=METHOD,
        decided_by=METHOD,
        scores={"criticism": round(crit, 4), "provocation": round(prov, 4)},
    )
    return _sure_or_not(verdict, confidence, unsure_below)


def tipped(
    learned: LearnedVerdict, label: Label, covers: tuple[bool, bool] = (True, True)
) -> list[Contribution]:
    """The learned features that pushed toward ``label``, strongest first: toward
    criticism or provocation for those; away from criticism for praise and vague. None
    from a decision the model did not take (a language it has not seen)."""
    if label is Label.CRITICISM or label is Label.PROVOCATION:
        if not covers[label is Label.PROVOCATION]:
            return []
        found = learned.contributions.get(str(label), ())
        return [c for c in found if c.weight > 0]
    if not covers[0]:
        return []
    found = learned.contributions.get("criticism", ())
    return [c for c in found if c.weight < 0]


def _evidence(c: Contribution) -> Evidence:
    return Evidence(f"learned: {c.feature}", weight=c.weight)


def _sure_or_not(verdict: Triage, confidence: float, unsure_below: float) -> Triage:
    """Mark a verdict unsure below the threshold; a threshold of 1 marks every one."""
    unsure = confidence < unsure_below or unsure_below >= 1
    return replace(verdict, unsure=True) if unsure else verdict
