"""County policy (4.5), `RELATED_CHARGE`: with `related_charges: true`, the listed related
counts convicted in the same case as a granted Prop 64 count are dismissed without sealing
(HS 11361.8's sealing does not reach them): relief `dismiss`, PC 1385."""
from clearway.eligibility.domain.history import CountRecord
from clearway.eligibility.domain.statutes import Statute, parse_statute
from clearway.eligibility.rulepacks.model import Citation, RelatedCharges, Unit

LISTED = ("PC 647(f)", "PC 602", "PC 466", "PC 148", "PC 148.9", "PC 1320", "HS 11364",
          "HS 11550", "BP 4060", "BP 4140", "BP 4149", "VC 40508")
_PARSED: tuple[Statute, ...] = tuple(s for s in map(parse_statute, LISTED) if s is not None)
assert len(_PARSED) == len(LISTED), "a related charge that does not parse"


def is_related(count: CountRecord) -> bool:
    """The count's statute is a listed section (any deeper subsection of it)."""
    statute = count.statute
    if statute is None:
        return False
    return any(statute.code == s.code and statute.section == s.section
               and statute.subsections[:len(s.subsections)] == s.subsections for s in _PARSED)


def _never_alone(facts: object) -> bool:
    return False  # the engine gives it, in a case with a granted count


UNIT = Unit(
    code="RELATED_CHARGE",
    condition="A listed related charge (" + ", ".join(LISTED) + ") convicted in the same "
              "case as a granted Prop 64 count (`related_charges: true`)",
    text="This charge was part of the same case as a cannabis conviction that is being "
         "cleared. The prosecutor's policy asks the court to dismiss it in the interest of "
         "justice, without sealing; whether the court can after the sentence has ended is for "
         "the court to decide.",
    citation=Citation("PC 1385"),
    when=_never_alone,
)

RELATED = RelatedCharges(is_related=is_related, unit=UNIT)
