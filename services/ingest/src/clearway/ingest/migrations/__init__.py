"""The ingest store's Alembic environment (env.py, script.py.mako, versions/), run by
`clearway.common.migrations`: at start and by `clearway-ingest migrate`."""
