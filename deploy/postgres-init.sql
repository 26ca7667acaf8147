-- Run once by the postgres image on an empty data volume (docker-entrypoint-initdb.d),
-- as the POSTGRES_USER (clearway), which then owns every database.
-- One database per service: each service owns its store. `keys` is the one key authority
-- every service checks API keys against (CLEARWAY_KEYS_DATABASE_URL).
CREATE DATABASE ingest OWNER clearway;
CREATE DATABASE eligibility OWNER clearway;
CREATE DATABASE filing OWNER clearway;
CREATE DATABASE notify OWNER clearway;
CREATE DATABASE keys OWNER clearway;
