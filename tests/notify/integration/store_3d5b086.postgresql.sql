-- The notify store's tables as commit 3d5b086 made them (postgresql): `metadata.create_all` of
-- `git show 3d5b086:services/notify/src/clearway/notify/store.py`, compiled for postgresql.
CREATE TABLE api_keys (
	key_id VARCHAR(32) NOT NULL,
	secret_sha256 VARCHAR(64) NOT NULL,
	name VARCHAR(200) NOT NULL,
	scopes VARCHAR(500) NOT NULL,
	courts VARCHAR(2000) NOT NULL,
	created_at FLOAT NOT NULL,
	revoked_at FLOAT,
	PRIMARY KEY (key_id)
);

CREATE TABLE contacts (
	subject_id VARCHAR(64) NOT NULL,
	first_name VARCHAR(100),
	last_name VARCHAR(100),
	names_at FLOAT,
	email VARCHAR(320),
	phone VARCHAR(20),
	postal_address BYTEA,
	language VARCHAR(35),
	contact_at FLOAT,
	PRIMARY KEY (subject_id)
);

CREATE TABLE count_decisions (
	subject_id VARCHAR(64) NOT NULL,
	court VARCHAR(20) NOT NULL,
	case_number VARCHAR(40) NOT NULL,
	count INTEGER NOT NULL,
	decision_id VARCHAR(100) NOT NULL,
	version INTEGER NOT NULL,
	relief VARCHAR(30) NOT NULL,
	PRIMARY KEY (subject_id, court, case_number, count)
);

CREATE TABLE deaths (
	subject_id VARCHAR(64) NOT NULL,
	date VARCHAR(10) NOT NULL,
	PRIMARY KEY (subject_id)
);

CREATE TABLE deliveries (
	delivery_id VARCHAR(36) NOT NULL,
	dedupe_key VARCHAR(320) NOT NULL,
	notice_id VARCHAR(36) NOT NULL,
	subject_id VARCHAR(64) NOT NULL,
	court VARCHAR(20) NOT NULL,
	channel VARCHAR(10) NOT NULL,
	status VARCHAR(20) NOT NULL,
	stage VARCHAR(10),
	attempts INTEGER NOT NULL,
	round_base INTEGER NOT NULL,
	next_attempt_at FLOAT NOT NULL,
	lease_owner VARCHAR(32),
	lease_until FLOAT,
	provider_id VARCHAR(200),
	language VARCHAR(35),
	last_error VARCHAR(200),
	created_at FLOAT NOT NULL,
	updated_at FLOAT NOT NULL,
	PRIMARY KEY (delivery_id),
	CONSTRAINT uq_deliveries_notice_channel UNIQUE (notice_id, channel),
	UNIQUE (dedupe_key)
);

CREATE INDEX ix_deliveries_due ON deliveries (status, next_attempt_at);

CREATE INDEX ix_deliveries_subject_id ON deliveries (subject_id);

CREATE TABLE notices (
	notice_id VARCHAR(36) NOT NULL,
	dedupe_key VARCHAR(300) NOT NULL,
	subject_id VARCHAR(64) NOT NULL,
	court VARCHAR(20) NOT NULL,
	case_number VARCHAR(40) NOT NULL,
	kind VARCHAR(20) NOT NULL,
	reliefs VARCHAR(200) NOT NULL,
	source_id VARCHAR(200) NOT NULL,
	state VARCHAR(20) NOT NULL,
	not_before FLOAT NOT NULL,
	created_at FLOAT NOT NULL,
	updated_at FLOAT NOT NULL,
	PRIMARY KEY (notice_id),
	UNIQUE (dedupe_key)
);

CREATE INDEX ix_notices_state ON notices (state, not_before);

CREATE INDEX ix_notices_subject_id ON notices (subject_id);

CREATE TABLE opt_outs (
	subject_id VARCHAR(64) NOT NULL,
	channel VARCHAR(10) NOT NULL,
	at FLOAT NOT NULL,
	PRIMARY KEY (subject_id, channel)
);

CREATE TABLE outbox (
	id BIGSERIAL NOT NULL,
	topic VARCHAR(200) NOT NULL,
	key VARCHAR(200),
	value BYTEA NOT NULL,
	headers TEXT NOT NULL,
	created_at FLOAT NOT NULL,
	published_at FLOAT,
	partition INTEGER,
	"offset" BIGINT,
	lease_owner VARCHAR(64),
	lease_until FLOAT,
	PRIMARY KEY (id)
);

CREATE INDEX ix_outbox_unpublished ON outbox (published_at, id);

CREATE TABLE processed_events (
	court VARCHAR(20) NOT NULL,
	event_id VARCHAR(128) NOT NULL,
	PRIMARY KEY (court, event_id)
);

CREATE TABLE subject_courts (
	subject_id VARCHAR(64) NOT NULL,
	court VARCHAR(20) NOT NULL,
	PRIMARY KEY (subject_id, court)
);
