-- What the admin API changes (issue 14), so that it outlives a restart: user keys created by an
-- admin, connector tokens an admin revoked, and the audit log. Standard SQL for H2 2.x and
-- PostgreSQL 12+, like V1. Keys and tokens are never stored: only their SHA-256 / token id.

-- One row per key ever issued; a revoked key keeps its row (revoked_at set), so the name may be
-- issued again with a new key. key_sha256 is the whole SHA-256 of the key, in hex.
CREATE TABLE admin_user_key (
  key_sha256 VARCHAR(64) NOT NULL PRIMARY KEY,
  user_name VARCHAR(64) NOT NULL,
  key_fingerprint VARCHAR(64) NOT NULL,
  requests_per_minute BIGINT NOT NULL,
  tokens_per_minute BIGINT NOT NULL,
  tokens_per_day BIGINT NOT NULL,
  max_concurrent BIGINT NOT NULL,
  -- The allow-list as a JSON array of globs (the admin API takes at most 64 KiB); NULL: any model.
  models VARCHAR(65536),
  created_at TIMESTAMP WITH TIME ZONE NOT NULL,
  revoked_at TIMESTAMP WITH TIME ZONE
);

CREATE INDEX admin_user_key_name ON admin_user_key (user_name);

-- token_id is the connector token's id (a hash of the whole token), the fingerprint is for people.
CREATE TABLE admin_revoked_token (
  token_id VARCHAR(128) NOT NULL PRIMARY KEY,
  token_fingerprint VARCHAR(64) NOT NULL,
  revoked_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Ids a hundred at a time, as usage_record_seq (see V1).
CREATE SEQUENCE admin_audit_seq START WITH 100 INCREMENT BY 100;

CREATE TABLE admin_audit (
  id BIGINT NOT NULL PRIMARY KEY,
  recorded_at TIMESTAMP WITH TIME ZONE NOT NULL,
  admin_fingerprint VARCHAR(64) NOT NULL,
  admin_action VARCHAR(64) NOT NULL,
  target_name VARCHAR(256) NOT NULL,
  detail VARCHAR(4000) NOT NULL
);

CREATE INDEX admin_audit_at ON admin_audit (recorded_at);
