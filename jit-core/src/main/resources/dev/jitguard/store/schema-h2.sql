-- JIT Guard JDBC grant store: schema for H2 2.x.
-- Idempotent: every statement can run again on an existing schema (JdbcGrantStore.builder(..).createSchema(true)
-- runs this file at start-up). Instants are BIGINT milliseconds since the epoch (UTC), durations ISO-8601 text, and
-- lists JSON text written by the store (see docs/jdbc.md for their shapes).

CREATE TABLE IF NOT EXISTS jitguard_requests (
  id                 VARCHAR(32)  NOT NULL PRIMARY KEY,
  subject_id         VARCHAR(256) NOT NULL,
  subject_groups     VARCHAR      NOT NULL, -- JSON array of strings
  subject_attributes VARCHAR      NOT NULL, -- JSON object, string values
  privilege          VARCHAR(128) NOT NULL,
  justification      VARCHAR      NOT NULL,
  ticket             VARCHAR(128),
  duration           VARCHAR(64),           -- ISO-8601, for example PT30M
  start_at           BIGINT,
  uses               INTEGER,
  amount_limit       VARCHAR(64),           -- requested total of a metered grant, exact decimal text (NULL: none)
  action_name        VARCHAR(200),          -- JIT action approval: the exact call asked for (NULL: none)
  action_digest      VARCHAR(64),           -- SHA-256 of the canonical arguments, 64 lowercase hex characters
  action_preview     VARCHAR,               -- what the approver sees
  status             VARCHAR(16)  NOT NULL, -- PENDING, APPROVED, DENIED, EXPIRED, WITHDRAWN
  created_at         BIGINT       NOT NULL,
  expires_at         BIGINT       NOT NULL,
  approvals_required INTEGER      NOT NULL,
  approver_groups    VARCHAR      NOT NULL, -- JSON array of strings
  approvals          VARCHAR      NOT NULL, -- JSON array of approvals (with the channel context, if any)
  denials            VARCHAR      NOT NULL, -- JSON array of approvals
  reminded_at        BIGINT,
  escalated_at       BIGINT,
  break_glass        BOOLEAN      NOT NULL,
  reviewed_at        BIGINT,
  reviewed_by        VARCHAR(256),
  review_comment     VARCHAR,
  decided_at         BIGINT,
  decided_by         VARCHAR(256),
  decision_reason    VARCHAR(64),
  decision_comment   VARCHAR,
  grant_id           VARCHAR(32),
  policy_version     VARCHAR      NOT NULL,
  version            BIGINT       NOT NULL,
  -- H2 has no partial indexes: this column is NULL unless the request is pending, and a unique index on it allows
  -- any number of NULLs. The key is unambiguous: the subject id is length-prefixed, a privilege has no spaces, and
  -- an argument digest is 64 hex characters, followed by the action name (or nothing for a time-bound request).
  pending_key        VARCHAR GENERATED ALWAYS AS
                       (CASE WHEN status = 'PENDING' THEN CAST(CHAR_LENGTH(subject_id) AS VARCHAR) || ':'
                          || subject_id || ' ' || privilege || ' ' || COALESCE(action_digest || ' ' || action_name, '')
                        END),
  CONSTRAINT jitguard_requests_action_whole CHECK ((action_name IS NULL) = (action_digest IS NULL)
    AND (action_name IS NULL) = (action_preview IS NULL))
);

-- One pending request per subject, privilege and action call (none, or the same action name and argument digest),
-- as the guard's rule: a second insert fails (SQLState 23505) and the store throws DuplicatePendingRequestException.
-- Requests for different calls of one action are different requests.
CREATE UNIQUE INDEX IF NOT EXISTS jitguard_requests_one_pending ON jitguard_requests (pending_key);
CREATE INDEX IF NOT EXISTS jitguard_requests_subject ON jitguard_requests (subject_id);
CREATE INDEX IF NOT EXISTS jitguard_requests_status ON jitguard_requests (status);
-- An approver's pending approvals (pending requests of some privileges, in creation order) and open reviews, a page
-- at a time.
CREATE INDEX IF NOT EXISTS jitguard_requests_pending ON jitguard_requests (status, privilege, created_at, id);
CREATE INDEX IF NOT EXISTS jitguard_requests_review ON jitguard_requests (break_glass, reviewed_at, created_at, id);

-- Drawn on every insert and update of a grant (also by hand): subscribers poll it, H2 having no LISTEN/NOTIFY.
CREATE SEQUENCE IF NOT EXISTS jitguard_grant_changes;

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
  approvers      VARCHAR      NOT NULL, -- JSON array of strings
  ended_at       BIGINT,
  ended_by       VARCHAR(256),
  end_reason     VARCHAR,
  policy_version VARCHAR      NOT NULL,
  version        BIGINT       NOT NULL,
  change_seq     BIGINT       DEFAULT NEXT VALUE FOR jitguard_grant_changes
                              ON UPDATE NEXT VALUE FOR jitguard_grant_changes NOT NULL,
  CONSTRAINT jitguard_grants_action_whole CHECK ((action_name IS NULL) = (action_digest IS NULL)),
  CONSTRAINT jitguard_grants_amount_whole CHECK ((amount_limit IS NULL) = (amount_used IS NULL))
);

-- Upgrades a database created before metered grants: CREATE TABLE IF NOT EXISTS leaves an existing table as it is,
-- so the columns (and their constraint) are added here when missing, and left alone when present.
ALTER TABLE jitguard_requests ADD COLUMN IF NOT EXISTS amount_limit VARCHAR(64);
ALTER TABLE jitguard_grants ADD COLUMN IF NOT EXISTS amount_limit VARCHAR(64);
ALTER TABLE jitguard_grants ADD COLUMN IF NOT EXISTS amount_used VARCHAR(64);
ALTER TABLE jitguard_grants ADD CONSTRAINT IF NOT EXISTS jitguard_grants_amount_whole
  CHECK ((amount_limit IS NULL) = (amount_used IS NULL));

CREATE INDEX IF NOT EXISTS jitguard_grants_subject ON jitguard_grants (subject_id, privilege);
CREATE INDEX IF NOT EXISTS jitguard_grants_request ON jitguard_grants (request_id);
CREATE INDEX IF NOT EXISTS jitguard_grants_status ON jitguard_grants (status);
CREATE INDEX IF NOT EXISTS jitguard_grants_ending ON jitguard_grants (status, expires_at);
CREATE INDEX IF NOT EXISTS jitguard_grants_change ON jitguard_grants (change_seq);
