-- The platform's records (CONTRACT §9). Timestamps the API hands out are kept as the ISO 8601 text it
-- hands out, so a record reads back exactly as it was written.

CREATE TABLE govshare.grants (
  id             text PRIMARY KEY,
  consumer       text NOT NULL,
  resource       text NOT NULL,
  fields         jsonb NOT NULL,
  raw            boolean NOT NULL,
  purpose        text NOT NULL,
  valid_until    text NOT NULL,
  created_at     text NOT NULL,
  application_id text,
  -- A revocation is written once (UPDATE … WHERE revoked_at IS NULL) and never undone.
  revoked_at     text,
  revoke_reason  text
);
CREATE INDEX grants_by_consumer ON govshare.grants (consumer, created_at, id);
CREATE INDEX grants_by_resource ON govshare.grants (resource, created_at, id);

-- Workflow records (applications, data issues, catalog and registry history, lookup misses): one row per
-- record, `status` for compare-and-set, `ord` the store's order (creation time), `created` the tie-break.
CREATE TABLE govshare.records (
  kind    text NOT NULL,
  id      text NOT NULL,
  status  text NOT NULL,
  data    jsonb NOT NULL,
  ord     double precision NOT NULL,
  created bigserial,
  PRIMARY KEY (kind, id)
);
CREATE INDEX records_in_order ON govshare.records (kind, ord, created);
CREATE TABLE govshare.record_index (
  kind  text NOT NULL,
  name  text NOT NULL,
  value text NOT NULL,
  id    text NOT NULL,
  PRIMARY KEY (kind, name, value, id)
);

-- The audit chain. One row holds its head; appends lock it (SELECT … FOR UPDATE), so every replica
-- chains on the same head and no two records share a seq.
CREATE TABLE govshare.audit_head (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  seq      bigint NOT NULL,
  hash     text NOT NULL
);
INSERT INTO govshare.audit_head (seq, hash) VALUES (0, repeat('0', 64));
CREATE TABLE govshare.audit_records (
  seq    bigint PRIMARY KEY,
  at     timestamptz NOT NULL,
  record jsonb NOT NULL
);
-- Appended in time order: a BRIN index costs almost nothing to keep and narrows a time range.
CREATE INDEX audit_records_at ON govshare.audit_records USING brin (at);
-- The secondary indexes of gateway/state/audit-query.ts (by-consumer:, by-provider:, by-resource:,
-- visible-to:), each a keyset (name, seq) read newest first.
CREATE TABLE govshare.audit_index (
  name text NOT NULL,
  seq  bigint NOT NULL,
  PRIMARY KEY (name, seq)
);
-- How many records each index name holds, kept in the append's transaction: `evaluation` counts and
-- the choice of the smallest index for a page read this, never the records.
CREATE TABLE govshare.audit_counts (
  name text PRIMARY KEY,
  n    bigint NOT NULL
);
