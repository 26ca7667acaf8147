from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from clearway.common.settings import ServiceSettings
from clearway.eligibility.rulepacks import SHIPPED_POLICY_TABLE, policy_names, register_policy
from clearway.eligibility.rulepacks.ca_prop64.county import CountyPolicyDocument
from clearway.eligibility.rulepacks.ca_prop64.county import build as build_county_policy


class EligibilitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLEARWAY_ELIGIBILITY_", extra="ignore")

    service_name: str = "eligibility"
    http_port: int = 8002
    # Larger than the other services' 2,000: per batch, the store's statements and the
    # relay's claim are paid once; x1 throughput rose by an eighth (bench/README.md).
    batch_max_records: int = 5000
    policy_table: str | None = Field(
        default=None,
        description="court-to-policy table: inline JSON ({\"CA-LA\": \"dismiss-all\"}) or a "
        "path to a YAML/JSON file; default maps CA-LA to dismiss-all",
    )

    policy_files: str | None = Field(
        default=None,
        description="county policy documents (contract 4.5), YAML or JSON: paths separated "
        "by commas, or a folder of *.yaml / *.yml / *.json files; each is registered by its "
        "`name` and may be named in the policy table",
    )

    def county_policies(self) -> list[CountyPolicyDocument]:
        """The county policy documents configured, each checked (a clear error names the
        file and the field)."""
        if not self.policy_files:
            return []
        paths: list[Path] = []
        for part in (p.strip() for p in self.policy_files.split(",") if p.strip()):
            path = Path(part)
            paths += sorted(q for q in path.iterdir() if q.suffix in (".yaml", ".yml", ".json")) \
                if path.is_dir() else [path]
        docs = []
        for path in paths:
            try:
                docs.append(CountyPolicyDocument.model_validate(yaml.safe_load(path.read_text())))
            except (OSError, ValueError, yaml.YAMLError) as exc:
                raise ValueError(f"county policy {path}: {exc}") from None
        return docs

    def policies(self) -> dict[str, str]:
        """The court -> policy table, after registering the configured county policies."""
        for doc in self.county_policies():
            register_policy("ca-prop64", build_county_policy(doc))
        if not self.policy_table:
            return dict(SHIPPED_POLICY_TABLE)
        raw = self.policy_table.strip()
        table = json.loads(raw) if raw.startswith("{") else yaml.safe_load(Path(raw).read_text())
        if not isinstance(table, dict):
            raise ValueError("the policy table must map court codes to policy names")
        known = policy_names()
        unknown = {v for v in table.values() if v not in known}
        if unknown:
            raise ValueError(f"unknown policy {sorted(unknown)}; known: {known}")
        return {str(k): str(v) for k, v in table.items()}
