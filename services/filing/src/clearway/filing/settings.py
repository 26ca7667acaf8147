"""Filing's settings: environment variables `CLEARWAY_FILING_<NAME>` (see README.md), plus
the shared `KAFKA_BOOTSTRAP_SERVERS`, `CLEARWAY_TOPIC_PARTITIONS` and
`CLEARWAY_BOOTSTRAP_API_KEY`."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from clearway.common.pdf_fonts import FontSpec, parse_font_list
from clearway.common.settings import ServiceSettings


class FilingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLEARWAY_FILING_", extra="ignore")

    service_name: str = "filing"
    http_port: int = 8003
    documents_dir: Path | None = Field(
        default=None, description="the document store folder; default <data_dir>/documents")
    render_workers: int = Field(
        default=1, ge=1, le=64, description="processes rendering motion PDFs in parallel "
        "(1: in the consumer's thread); one PDF takes tens of milliseconds")
    pdf_fonts: str = Field(
        default="", description="Unicode TrueType fonts for names outside Latin-1 in motion "
        "PDFs, in fallback order, '|' separated, 'path#face' for a collection (.ttc); empty: "
        "DejaVu Sans and Noto Sans CJK (TC face) from the usual system folders")
    bulk_attempts: int = Field(
        default=3, ge=1, description="builds of a bulk motion before giving up when its "
        "motions keep changing while it is built")

    def pdf_font_specs(self) -> tuple[FontSpec, ...] | None:
        """The configured fonts; None: the defaults (`clearway.common.pdf_fonts`)."""
        return parse_font_list(self.pdf_fonts) or None

    def documents_path(self) -> Path:
        return self.documents_dir or self.data_dir / "documents"
