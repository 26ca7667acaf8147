"""Which subdivision of each section a bar comes from (contract 4.2, last paragraph)."""
from clearway.eligibility.rulepacks.model import Citation

PRIOR_OFFENSE = {  # a super strike or a PC 290 offense before the count
    "11358": "HS 11358(d)(1)",
    "11359": "HS 11359(c)(1)",
    "11360": "HS 11360(a)(3)(A)",
}
TWO_PRIORS = {"11358": "HS 11358(d)(2)", "11359": "HS 11359(c)(2)", "11360": "HS 11360(a)(3)(B)"}


def own_section_first(by_section: dict[str, str], then: str = "") -> Citation:
    """The count's own subdivision, then `then` (the list the bar comes from)."""
    tail = [then] if then else []
    return Citation(
        "; ".join([*by_section.values(), *tail]),
        by_section={section: "; ".join([cite, *tail]) for section, cite in by_section.items()},
    )
