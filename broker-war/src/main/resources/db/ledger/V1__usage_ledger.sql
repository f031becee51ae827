-- The usage ledger (issue 13): a row per relayed request, and daily totals per user and model.
-- Written for both databases the broker supports (H2 2.x embedded, PostgreSQL 12+): standard
-- SQL only. Flyway applies it; never edit an applied migration, add V2__... instead.

-- JPA hands out ids a hundred at a time (allocationSize 100): each value taken is the top of the
-- next hundred, so both providers (EclipseLink, Hibernate) use ids v-99..v and never collide.
CREATE SEQUENCE usage_record_seq START WITH 100 INCREMENT BY 100;

CREATE TABLE usage_record (
  id BIGINT NOT NULL PRIMARY KEY,
  started_at TIMESTAMP WITH TIME ZONE NOT NULL,
  request_id VARCHAR(128) NOT NULL,
  user_name VARCHAR(256),
  model VARCHAR(256) NOT NULL,
  connector_id VARCHAR(128),
  api VARCHAR(32) NOT NULL,
  endpoint VARCHAR(128) NOT NULL,
  status INTEGER NOT NULL,
  streamed BOOLEAN NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  first_token_ms BIGINT,
  duration_ms BIGINT NOT NULL,
  cancelled BOOLEAN NOT NULL,
  estimated BOOLEAN NOT NULL
);

CREATE INDEX usage_record_started ON usage_record (started_at);
CREATE INDEX usage_record_user ON usage_record (user_name, started_at);

-- user_name is '' for requests of no named user (a --user-api-key key, anonymous access).
CREATE TABLE usage_daily (
  usage_day DATE NOT NULL,
  user_name VARCHAR(256) NOT NULL,
  model VARCHAR(256) NOT NULL,
  requests BIGINT NOT NULL,
  failed_requests BIGINT NOT NULL,
  estimated_requests BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  PRIMARY KEY (usage_day, user_name, model)
);
