"""The ca-prop64 policies: which rules run, in which order (first verdict wins)."""
from clearway.eligibility.rulepacks.ca_prop64.bars import (
    environmental_harm,
    import_export,
    involved_minor,
    pc290_registrant,
    possible_import_export,
    possible_pc290_registrant,
    possible_super_strike,
    prior_super_strike,
    two_priors_same_section,
)
from clearway.eligibility.rulepacks.ca_prop64.facts import Facts
from clearway.eligibility.rulepacks.ca_prop64.rules import (
    after_prop64,
    age_unknown,
    concentrated_cannabis_reduction,
    concentrated_cannabis_review,
    conduct_date_unknown,
    cultivation_age_18_20,
    cultivation_six_plants,
    dismiss_all_policy,
    felony_reduction,
    juvenile,
    other_11357,
    possession_adult,
    possession_age_18_20,
    possible_cannabis_count,
    still_a_misdemeanor,
    transport_small_amount,
    transport_small_amount_age_18_20,
    unparseable_statute,
)
from clearway.eligibility.rulepacks.model import Bar, Bars, Collect, Policy

# Rule 6's bars in the contract's order: definite ones first, then possible ones.
BARS: tuple[Bar, ...] = (
    prior_super_strike.BAR,
    pc290_registrant.BAR,
    two_priors_same_section.BAR,
    involved_minor.BAR,
    environmental_harm.BAR,
    import_export.BAR,
    possible_super_strike.BAR,
    possible_pc290_registrant.BAR,
    possible_import_export.BAR,
)


def _subject_to_bars(facts: Facts) -> bool:
    return facts.subject_to_bars


def _every_count(facts: Facts) -> bool:
    return True


STATEWIDE = Policy(
    name="statewide",
    summary="The statutory baseline (contract 4.2): each rule below in order, first match "
            "wins.",
    steps=(
        after_prop64.RULE,
        conduct_date_unknown.RULE,
        unparseable_statute.RULE,
        possible_cannabis_count.RULE,
        age_unknown.RULE,
        juvenile.RULE,
        other_11357.RULE,
        possession_adult.RULE,
        possession_age_18_20.RULE,
        concentrated_cannabis_reduction.RULE,
        concentrated_cannabis_review.RULE,
        cultivation_six_plants.RULE,
        cultivation_age_18_20.RULE,
        transport_small_amount.RULE,
        transport_small_amount_age_18_20.RULE,
        Bars(applies=_subject_to_bars,
             applies_text="Every other HS 11358, 11359 and 11360 count", bars=BARS),
        felony_reduction.RULE,
        still_a_misdemeanor.RULE,
    ),
)

DISMISS_ALL = Policy(
    name="dismiss-all",
    summary="A prosecutor's blanket motion (contract 4.3): the date and statute rules "
            "stand; a count with any bar (definite or possible) or a person under 18 at the "
            "conduct goes to review; every other count is dismissed and sealed.",
    steps=(
        after_prop64.RULE,
        conduct_date_unknown.RULE,
        unparseable_statute.RULE,
        possible_cannabis_count.RULE,
        Collect(applies=_every_count, applies_text="Every count",
                units=(*BARS, age_unknown.RULE, juvenile.RULE)),
        dismiss_all_policy.RULE,
    ),
)
