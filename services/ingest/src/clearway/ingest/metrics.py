from prometheus_client import Counter

ACCEPTED = Counter("clearway_ingest_records_total", "Record events answered 2xx", ["status"])
REJECTED = Counter("clearway_ingest_rejected_total", "Record events rejected", ["reason"])
