-- JIT Guard JDBC grant store: schema for PostgreSQL 11 or later.
-- Idempotent: every statement can run again on an existing schema (JdbcGrantStore.builder(..).createSchema(true)
-- runs this file at start-up, in one transaction, under an advisory lock). Tables go to the first schema on the
-- connection's search_path. Instants are BIGINT milliseconds since the epoch (UTC), durations ISO-8601 text, and
-- lists JSON text written by the store (see docs/jdbc.md for their shapes).

CREATE TABLE IF NOT EXISTS jitguard_requests (
  id                 VARCHAR(32)  NOT NULL PRIMARY KEY,
  subject_id         VARCHAR(256) NOT NULL,
  subject_groups     TEXT         NOT NULL, -- JSON array of strings
  subject_attributes TEXT         NOT NULL, -- JSON object, string values
  privilege          VARCHAR(128) NOT NULL,
  justification      TEXT         NOT NULL,
  ticket             VARCHAR(128),
  duration           VARCHAR(64),           -- ISO-8601, for example PT30M
  start_at           BIGINT,
  uses               INTEGER,
  amount_limit       VARCHAR(64),           -- requested total of a metered grant, exact decimal text (NULL: none)
  action_name        VARCHAR(200),          -- JIT action approval: the exact call asked for (NULL: none)
  action_digest      VARCHAR(64),           -- SHA-256 of the canonical arguments, 64 lowercase hex characters
  action_preview     TEXT,                  -- what the approver sees
  status             VARCHAR(16)  NOT NULL, -- PENDING, APPROVED, DENIED, EXPIRED, WITHDRAWN
  created_at         BIGINT       NOT NULL,
  expires_at         BIGINT       NOT NULL,
  approvals_required INTEGER      NOT NULL,
  approver_groups    TEXT         NOT NULL, -- JSON array of strings
  approvals          TEXT         NOT NULL, -- JSON array of approvals (with the channel context, if any)
  denials            TEXT         NOT NULL, -- JSON array of approvals
  reminded_at        BIGINT,
  escalated_at       BIGINT,
  break_glass        BOOLEAN      NOT NULL,
  reviewed_at        BIGINT,
  reviewed_by        VARCHAR(256),
  review_comment     TEXT,
  decided_at         BIGINT,
  decided_by         VARCHAR(256),
  decision_reason    VARCHAR(64),
  decision_comment   TEXT,
  grant_id           VARCHAR(32),
  policy_version     TEXT         NOT NULL,
  version            BIGINT       NOT NULL,
  CONSTRAINT jitguard_requests_action_whole CHECK ((action_name IS NULL) = (action_digest IS NULL)
    AND (action_name IS NULL) = (action_preview IS NULL))
);

-- One pending request per subject, privilege and action call (none, or the same action name and argument digest),
-- across every instance, as the guard's rule: a second insert fails (SQLState 23505) and the store throws
-- DuplicatePendingRequestException. Requests for different calls of one action are different requests.
CREATE UNIQUE INDEX IF NOT EXISTS jitguard_requests_one_pending
  ON jitguard_requests (subject_id, privilege, COALESCE(action_name, ''), COALESCE(action_digest, ''))
  WHERE status = 'PENDING';
CREATE INDEX IF NOT EXISTS jitguard_requests_subject ON jitguard_requests (subject_id);
CREATE INDEX IF NOT EXISTS jitguard_requests_open_review
  ON jitguard_requests (created_at) WHERE break_glass AND reviewed_at IS NULL;
-- An approver's pending approvals: pending requests of some privileges (exact names, or a prefix's range, compared in
-- the "C" collation so that a range is a plain byte range), in creation order, a page at a time.
CREATE INDEX IF NOT EXISTS jitguard_requests_pending
  ON jitguard_requests ((privilege COLLATE "C"), created_at, id) WHERE status = 'PENDING';

CREATE TABLE IF NOT EXISTS jitguard_grants (
  id             VARCHAR(32)  NOT NULL PRIMARY KEY,
  request_id     VARCHAR(32)  NOT NULL,
  subject_id     VARCHAR(256) NOT NULL,
  privilege      VARCHAR(128) NOT NULL,
  status         VARCHAR(16)  NOT NULL, -- ACTIVE, SCHEDULED, EXPIRED, REVOKED, CONSUMED
  issued_at      BIGINT       NOT NULL,
  not_before     BIGINT       NOT NULL,
  expires_at     BIGINT       NOT NULL,
  cap_expires_at BIGINT       NOT NULL,
  uses_granted   INTEGER      NOT NULL, -- 0 for a time-bound grant
  uses_left      INTEGER      NOT NULL,
  amount_limit   VARCHAR(64),           -- a metered grant: the total its calls may spend, exact decimal text ...
  amount_used    VARCHAR(64),           -- ... and what they spent so far (both NULL: not metered)
  action_name    VARCHAR(200),          -- an action grant: usable only for this action ... (NULL: none)
  action_digest  VARCHAR(64),           -- ... with these arguments (SHA-256 of the canonical arguments)
  approvers      TEXT         NOT NULL, -- JSON array of strings
  ended_at       BIGINT,
  ended_by       VARCHAR(256),
  end_reason     TEXT,
  policy_version TEXT         NOT NULL,
  version        BIGINT       NOT NULL,
  CONSTRAINT jitguard_grants_action_whole CHECK ((action_name IS NULL) = (action_digest IS NULL)),
  CONSTRAINT jitguard_grants_amount_whole CHECK ((amount_limit IS NULL) = (amount_used IS NULL))
);

-- Upgrades a database created before metered grants: CREATE TABLE IF NOT EXISTS leaves an existing table as it is,
-- so the columns (and their constraint) are added here when missing. Each ALTER runs only if its column or constraint
-- is missing: even with IF NOT EXISTS, ALTER TABLE takes an ACCESS EXCLUSIVE lock, which at every start-up would
-- queue every read of the table behind any long transaction on it.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'jitguard_requests'::regclass
                 AND attname = 'amount_limit' AND NOT attisdropped) THEN
    ALTER TABLE jitguard_requests ADD COLUMN IF NOT EXISTS amount_limit VARCHAR(64);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'jitguard_grants'::regclass
                 AND attname = 'amount_limit' AND NOT attisdropped) THEN
    ALTER TABLE jitguard_grants ADD COLUMN IF NOT EXISTS amount_limit VARCHAR(64);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'jitguard_grants'::regclass
                 AND attname = 'amount_used' AND NOT attisdropped) THEN
    ALTER TABLE jitguard_grants ADD COLUMN IF NOT EXISTS amount_used VARCHAR(64);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'jitguard_grants'::regclass
                 AND conname = 'jitguard_grants_amount_whole') THEN
    ALTER TABLE jitguard_grants ADD CONSTRAINT jitguard_grants_amount_whole
      CHECK ((amount_limit IS NULL) = (amount_used IS NULL));
  END IF;
END
$$;

CREATE INDEX IF NOT EXISTS jitguard_grants_subject ON jitguard_grants (subject_id, privilege);
CREATE INDEX IF NOT EXISTS jitguard_grants_request ON jitguard_grants (request_id);
CREATE INDEX IF NOT EXISTS jitguard_grants_live ON jitguard_grants (status) WHERE status IN ('ACTIVE', 'SCHEDULED');
-- Maintenance reads the live grants that end by a time (expiry and warnings), not every live grant.
CREATE INDEX IF NOT EXISTS jitguard_grants_ending ON jitguard_grants (expires_at) WHERE status IN ('ACTIVE', 'SCHEDULED');

-- Every insert and update of a grant, by JIT Guard or by hand, notifies channel jitguard_grants with the grant id.
-- PostgreSQL delivers it when the transaction commits; the stores of the other instances LISTEN and re-read it.
CREATE OR REPLACE FUNCTION jitguard_notify_grant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('jitguard_grants', NEW.id);
  RETURN NULL;
END
$$;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger
                 WHERE tgname = 'jitguard_grants_notify' AND tgrelid = 'jitguard_grants'::regclass) THEN
    CREATE TRIGGER jitguard_grants_notify AFTER INSERT OR UPDATE ON jitguard_grants
      FOR EACH ROW EXECUTE FUNCTION jitguard_notify_grant();
  END IF;
END
$$;
