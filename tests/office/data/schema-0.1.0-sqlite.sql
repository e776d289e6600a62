-- The back office's schema as release 0.1.0 created it (before migrations), sqlite.
-- Frozen: generated once from that release's concierge_office/db.py; never edit.

CREATE TABLE assets (
	id VARCHAR(64) NOT NULL, 
	site_id VARCHAR(64) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	model VARCHAR(200) NOT NULL, 
	serial VARCHAR(200) NOT NULL, 
	install_date VARCHAR(10) NOT NULL, 
	service_limits JSON NOT NULL, 
	version INTEGER NOT NULL, 
	updated_at FLOAT NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_assets_site_id ON assets (site_id);

CREATE TABLE attachment_owners (
	sha256 VARCHAR(64) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	PRIMARY KEY (sha256, user_id)
);

CREATE TABLE attachments (
	sha256 VARCHAR(64) NOT NULL, 
	content_type VARCHAR(100) NOT NULL, 
	size INTEGER NOT NULL, 
	content BLOB NOT NULL, 
	created_at FLOAT NOT NULL, 
	PRIMARY KEY (sha256)
);

CREATE TABLE changes (
	seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	technician_id VARCHAR(64), 
	entity VARCHAR(16) NOT NULL, 
	entity_id VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	deleted BOOLEAN NOT NULL, 
	op_id VARCHAR(36), 
	at FLOAT NOT NULL
);

CREATE INDEX ix_changes_op_id ON changes (op_id);

CREATE TABLE feed (
	technician_id VARCHAR(64) NOT NULL, 
	entity VARCHAR(16) NOT NULL, 
	entity_id VARCHAR(64) NOT NULL, 
	seq INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	deleted BOOLEAN NOT NULL, 
	at FLOAT NOT NULL, 
	PRIMARY KEY (technician_id, entity, entity_id)
);

CREATE INDEX ix_feed_technician_seq ON feed (technician_id, seq);

CREATE TABLE insights (
	id VARCHAR(64) NOT NULL, 
	"key" VARCHAR(400) NOT NULL, 
	asset_id VARCHAR(64) NOT NULL, 
	site_id VARCHAR(64) NOT NULL, 
	metric VARCHAR(64) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	severity VARCHAR(16) NOT NULL, 
	confidence FLOAT NOT NULL, 
	predicted_impact_at FLOAT, 
	evidence JSON NOT NULL, 
	explanation TEXT NOT NULL, 
	headline VARCHAR(400) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	created_at FLOAT NOT NULL, 
	updated_at FLOAT NOT NULL, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE ("key")
);

CREATE INDEX ix_insights_asset_id ON insights (asset_id);

CREATE INDEX ix_insights_site_id ON insights (site_id);

CREATE TABLE meta (
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);

CREATE TABLE ops (
	op_id VARCHAR(36) NOT NULL, 
	technician_id VARCHAR(64) NOT NULL, 
	entity VARCHAR(16) NOT NULL, 
	entity_id VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	result JSON NOT NULL, 
	deliveries INTEGER NOT NULL, 
	received_at FLOAT NOT NULL, 
	PRIMARY KEY (op_id)
);

CREATE INDEX ix_ops_technician_id ON ops (technician_id);

CREATE TABLE refresh_rotations (
	token_hash VARCHAR(64) NOT NULL, 
	family VARCHAR(64) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	rotated_at FLOAT NOT NULL, 
	expires_at FLOAT NOT NULL, 
	PRIMARY KEY (token_hash)
);

CREATE TABLE regions (
	id VARCHAR(64) NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE series (
	id INTEGER NOT NULL, 
	asset_id VARCHAR(64) NOT NULL, 
	metric VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_series_asset_metric UNIQUE (asset_id, metric)
);

CREATE TABLE sessions (
	id VARCHAR(64) NOT NULL, 
	visit_id VARCHAR(64) NOT NULL, 
	technician_id VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	step VARCHAR(200) NOT NULL, 
	data JSON NOT NULL, 
	attachments JSON NOT NULL, 
	started_at FLOAT NOT NULL, 
	completed_at FLOAT, 
	version INTEGER NOT NULL, 
	updated_at FLOAT NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_sessions_technician_id ON sessions (technician_id);

CREATE INDEX ix_sessions_visit_id ON sessions (visit_id);

CREATE TABLE sites (
	id VARCHAR(64) NOT NULL, 
	customer_name VARCHAR(200) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	address VARCHAR(400) NOT NULL, 
	latitude FLOAT NOT NULL, 
	longitude FLOAT NOT NULL, 
	region VARCHAR(64) NOT NULL, 
	contact_name VARCHAR(200) NOT NULL, 
	contact_phone VARCHAR(64) NOT NULL, 
	contact_email VARCHAR(200) NOT NULL, 
	access_notes TEXT NOT NULL, 
	version INTEGER NOT NULL, 
	updated_at FLOAT NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE telemetry (
	series_id INTEGER NOT NULL, 
	ts FLOAT NOT NULL, 
	value FLOAT NOT NULL, 
	PRIMARY KEY (series_id, ts)
)
 WITHOUT ROWID;

CREATE TABLE telemetry_hourly (
	asset_id VARCHAR(64) NOT NULL, 
	metric VARCHAR(64) NOT NULL, 
	hour BIGINT NOT NULL, 
	min FLOAT NOT NULL, 
	max FLOAT NOT NULL, 
	sum FLOAT NOT NULL, 
	count INTEGER NOT NULL, 
	PRIMARY KEY (asset_id, metric, hour)
)
 WITHOUT ROWID;

CREATE TABLE templates (
	id VARCHAR(64) NOT NULL, 
	asset_kind VARCHAR(32) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	steps JSON NOT NULL, 
	version INTEGER NOT NULL, 
	updated_at FLOAT NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_templates_asset_kind ON templates (asset_kind);

CREATE TABLE token_families (
	token_hash VARCHAR(64) NOT NULL, 
	family VARCHAR(64) NOT NULL, 
	expires_at FLOAT NOT NULL, 
	PRIMARY KEY (token_hash)
);

CREATE INDEX ix_token_families_family ON token_families (family);

CREATE TABLE tokens (
	token_hash VARCHAR(64) NOT NULL, 
	kind VARCHAR(8) NOT NULL, 
	user_id VARCHAR(64) NOT NULL, 
	expires_at FLOAT NOT NULL, 
	PRIMARY KEY (token_hash)
);

CREATE INDEX ix_tokens_user_id ON tokens (user_id);

CREATE TABLE users (
	id VARCHAR(64) NOT NULL, 
	login VARCHAR(64) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	region VARCHAR(64), 
	skills JSON NOT NULL, 
	password_hash VARCHAR(256) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (login)
);

CREATE TABLE visit_assets (
	visit_id VARCHAR(64) NOT NULL, 
	asset_id VARCHAR(64) NOT NULL, 
	PRIMARY KEY (visit_id, asset_id)
);

CREATE INDEX ix_visit_assets_asset_id ON visit_assets (asset_id);

CREATE TABLE visit_insights (
	visit_id VARCHAR(64) NOT NULL, 
	insight_id VARCHAR(64) NOT NULL, 
	PRIMARY KEY (visit_id, insight_id)
);

CREATE INDEX ix_visit_insights_insight_id ON visit_insights (insight_id);

CREATE TABLE visits (
	id VARCHAR(64) NOT NULL, 
	site_id VARCHAR(64) NOT NULL, 
	technician_id VARCHAR(64) NOT NULL, 
	asset_ids JSON NOT NULL, 
	insight_ids JSON NOT NULL, 
	window_start FLOAT NOT NULL, 
	window_end FLOAT NOT NULL, 
	priority INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	summary TEXT NOT NULL, 
	office_notes TEXT NOT NULL, 
	technician_notes TEXT NOT NULL, 
	outcome TEXT, 
	version INTEGER NOT NULL, 
	created_at FLOAT NOT NULL, 
	updated_at FLOAT NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_visits_site_id ON visits (site_id);

CREATE INDEX ix_visits_technician_id ON visits (technician_id);
