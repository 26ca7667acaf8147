"""The ingest store's revisions: NNNN_<slug>.py, revision "NNNN", one after another."""
