-- The SQLite schema that warning made before versioned migrations (main at 87f154d),
-- from sqlite3 .schema: tests/test_schema.py upgrades a store made from it.
CREATE TABLE report (
	id INTEGER NOT NULL, 
	source VARCHAR NOT NULL, 
	ref VARCHAR NOT NULL, 
	url VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	text TEXT NOT NULL, 
	content_hash VARCHAR NOT NULL, 
	received_at DATETIME NOT NULL, 
	scored_at DATETIME, 
	language VARCHAR NOT NULL, 
	signals VARCHAR NOT NULL, 
	country VARCHAR NOT NULL, 
	towns VARCHAR NOT NULL, 
	published_at DATETIME, 
	outlet VARCHAR NOT NULL, 
	canonical_url VARCHAR NOT NULL, 
	fingerprint BLOB, 
	event_id INTEGER, 
	places VARCHAR NOT NULL, 
	retold BOOLEAN DEFAULT 0 NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_report_source ON report (source);
CREATE INDEX ix_report_event_id ON report (event_id);
CREATE UNIQUE INDEX ix_report_content_hash ON report (content_hash);
CREATE INDEX ix_report_scored_at ON report (scored_at);
CREATE INDEX ix_report_country ON report (country);
CREATE INDEX ix_report_source_ref ON report (source, ref);
CREATE INDEX ix_report_canonical_url ON report (canonical_url);
CREATE TABLE event (
	id INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	country VARCHAR NOT NULL, 
	towns VARCHAR NOT NULL, 
	signals VARCHAR NOT NULL, 
	reports INTEGER NOT NULL, 
	sources INTEGER NOT NULL, 
	places VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_event_updated_at ON event (updated_at);
CREATE INDEX ix_event_country ON event (country);
CREATE INDEX ix_event_created_at ON event (created_at);
CREATE TABLE sourcestate (
	name VARCHAR NOT NULL, 
	last_run_at DATETIME, 
	last_success DATETIME, 
	last_error VARCHAR NOT NULL, 
	last_error_at DATETIME, 
	failures INTEGER NOT NULL, 
	next_run_at DATETIME, 
	items_seen INTEGER NOT NULL, 
	items_new INTEGER NOT NULL, 
	total_new INTEGER NOT NULL, 
	etag VARCHAR NOT NULL, 
	last_modified VARCHAR NOT NULL, 
	cursor VARCHAR NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE silence (
	id INTEGER NOT NULL, 
	matchers VARCHAR NOT NULL, 
	starts_at DATETIME NOT NULL, 
	ends_at DATETIME NOT NULL, 
	comment VARCHAR NOT NULL, 
	author VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_silence_ends_at ON silence (ends_at);
CREATE TABLE user (
	name VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	password_hash VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE alert (
	id INTEGER NOT NULL, 
	report_id INTEGER NOT NULL, 
	event_id INTEGER, 
	updated_at DATETIME, 
	merged_into INTEGER, 
	reports INTEGER NOT NULL, 
	sources INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	severity VARCHAR NOT NULL, 
	severity_rank INTEGER NOT NULL, 
	place VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	url VARCHAR NOT NULL, 
	signals VARCHAR NOT NULL, 
	assessment TEXT NOT NULL, 
	labels VARCHAR NOT NULL, 
	silenced_by INTEGER, 
	acked_at DATETIME, 
	acked_by VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (report_id), 
	FOREIGN KEY(report_id) REFERENCES report (id)
);
CREATE INDEX ix_alert_created_at ON alert (created_at);
CREATE INDEX ix_alert_event_id ON alert (event_id);
CREATE INDEX ix_alert_severity ON alert (severity);
CREATE TABLE websession (
	token_hash VARCHAR NOT NULL, 
	user VARCHAR NOT NULL, 
	csrf VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (token_hash), 
	FOREIGN KEY(user) REFERENCES user (name)
);
CREATE INDEX ix_websession_user ON websession (user);
CREATE INDEX ix_websession_expires_at ON websession (expires_at);
CREATE TABLE delivery (
	id INTEGER NOT NULL, 
	alert_id INTEGER NOT NULL, 
	channel VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	attempts INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	last_attempt_at DATETIME, 
	next_attempt_at DATETIME NOT NULL, 
	claimed_until DATETIME, 
	failing_since DATETIME, 
	failures INTEGER NOT NULL, 
	error VARCHAR NOT NULL, 
	redact VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	note VARCHAR NOT NULL, 
	route VARCHAR NOT NULL, 
	group_key VARCHAR NOT NULL, 
	hold VARCHAR NOT NULL, 
	sent_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(alert_id) REFERENCES alert (id)
);
CREATE INDEX ix_delivery_status ON delivery (status);
CREATE INDEX ix_delivery_alert_id ON delivery (alert_id);
CREATE INDEX ix_delivery_next_attempt_at ON delivery (next_attempt_at);
CREATE INDEX ix_delivery_group ON delivery (channel, group_key, status);
CREATE TABLE alerthistory (
	id INTEGER NOT NULL, 
	alert_id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	what VARCHAR NOT NULL, 
	channel VARCHAR NOT NULL, 
	"by" VARCHAR NOT NULL, 
	detail VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(alert_id) REFERENCES alert (id)
);
CREATE INDEX ix_alerthistory_alert_id ON alerthistory (alert_id);
CREATE TABLE verdict (
	id INTEGER NOT NULL, 
	alert_id INTEGER NOT NULL, 
	signal VARCHAR NOT NULL, 
	verdict VARCHAR NOT NULL, 
	note VARCHAR NOT NULL, 
	"by" VARCHAR NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(alert_id) REFERENCES alert (id)
);
CREATE INDEX ix_verdict_alert_id ON verdict (alert_id);
CREATE TABLE attempt (
	id INTEGER NOT NULL, 
	delivery_id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	ok BOOLEAN NOT NULL, 
	error VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(delivery_id) REFERENCES delivery (id)
);
CREATE INDEX ix_attempt_delivery_id ON attempt (delivery_id);
