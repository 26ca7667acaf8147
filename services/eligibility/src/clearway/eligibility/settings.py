from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from clearway.common.settings import ServiceSettings
from clearway.eligibility.rulepacks import SHIPPED_POLICY_TABLE, policy_names


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

    def policies(self) -> dict[str, str]:
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
