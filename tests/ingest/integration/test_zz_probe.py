import sqlite3
from tests.ingest.integration.test_ingest_durability import *  # noqa

def test_probe(ingest, embedded_broker):
    ingest.start().process.wait_ready(30)
    events = [person(i, prefix="K") for i in range(400)]
    push_mixed(ingest, events)
    ingest.kill()
    db = sqlite3.connect(ingest.workdir / "data" / "ingest.db")
    print("UNPUBLISHED", db.execute("select count(*) from outbox where published_at is null").fetchone(),
          "LEASED", db.execute("select count(*) from outbox where published_at is null and lease_until is not null").fetchone())
