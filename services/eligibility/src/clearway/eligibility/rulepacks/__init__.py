"""Rule packs, registered by name; each policy name belongs to one pack.

A pack is a package of its own (see `ca_prop64/` and `model.py`). Adding one is its
package and one line in `BUILT_IN` here, or, for a pack shipped as a separate
distribution, an entry point in the `clearway.rulepacks` group naming its `PACK`.
"""
from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from clearway.eligibility.rulepacks.model import Policy, RulePack

# The registry entries of the packs shipped with the service: module -> its PACK.
BUILT_IN = ("clearway.eligibility.rulepacks.ca_prop64",)
ENTRY_POINT_GROUP = "clearway.rulepacks"

# Contract 4.4: the shipped policy table maps CA-LA to dismiss-all; every other court
# gets the default policy.
DEFAULT_POLICY = "statewide"
# The reason every pack gives a count whose outcome depends on which court's view of the
# person is right (engine.py decides on each court's date of birth).
IDENTITY_CONFLICT = "IDENTITY_CONFLICT"
SHIPPED_POLICY_TABLE: dict[str, str] = {"CA-LA": "dismiss-all"}

_PACKS: dict[str, RulePack] = {}
_POLICIES: dict[str, tuple[RulePack, Policy]] = {}


class UnknownPolicy(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown policy {name!r}; known: {', '.join(policy_names())}")
        self.name = name


def register(pack: RulePack) -> RulePack:
    """Make `pack` and its policies known by name. A policy name may belong to one pack
    only; registering the same pack again replaces it (a reload)."""
    for policy in pack.policies:
        owner = _POLICIES.get(policy.name)
        if owner is not None and owner[0].name != pack.name:
            raise ValueError(f"policy {policy.name!r} of {pack.name} is already "
                             f"{owner[0].name}'s")
    old = _PACKS.get(pack.name)
    if old is not None:
        for policy in old.policies:
            _POLICIES.pop(policy.name, None)
    _PACKS[pack.name] = pack
    for policy in pack.policies:
        _POLICIES[policy.name] = (pack, policy)
    return pack


def register_policy(pack_name: str, policy: Policy) -> None:
    """Add a policy built from configuration (a county's document, contract 4.5) to a
    registered pack. A name already taken by another pack's policy is refused; the same
    pack's policy of that name is replaced (a new version of the document)."""
    pack = _PACKS[pack_name]
    owner = _POLICIES.get(policy.name)
    if owner is not None and owner[0].name != pack_name:
        raise ValueError(f"policy {policy.name!r} is already {owner[0].name}'s")
    if owner is not None and owner[1] in pack.policies:
        raise ValueError(f"policy {policy.name!r} is one of {pack_name}'s own; name the "
                         "county's document differently")
    _POLICIES[policy.name] = (pack, policy)


def unregister(name: str) -> None:
    pack = _PACKS.pop(name, None)
    if pack is not None:
        for policy in pack.policies:
            _POLICIES.pop(policy.name, None)


def pack_named(name: str) -> RulePack:
    return _PACKS[name]


def packs() -> list[RulePack]:
    return list(_PACKS.values())


def policy_named(name: str) -> tuple[RulePack, Policy]:
    try:
        return _POLICIES[name]
    except KeyError:
        raise UnknownPolicy(name) from None


def policy_names() -> list[str]:
    return sorted(_POLICIES)


def default_pack() -> RulePack:
    return policy_named(DEFAULT_POLICY)[0]


def _load() -> None:
    for module in BUILT_IN:
        register(importlib.import_module(module).PACK)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        register(entry.load())


_load()
