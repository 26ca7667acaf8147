-- Run once by the postgres image on an empty data volume (docker-entrypoint-initdb.d),
-- as the POSTGRES_USER (clearway), which then owns every database.
-- One database per service: each service owns its store; nothing is shared between them.
CREATE DATABASE ingest OWNER clearway;
CREATE DATABASE eligibility OWNER clearway;
CREATE DATABASE filing OWNER clearway;
CREATE DATABASE notify OWNER clearway;
