-- Whose records each data read touched (issue 16: recall notices and "who read my data"), without the
-- subject keys themselves: `digest` is HMAC-SHA-256 of the normalised key (an ID number, a USCC) under a key
-- derived from GOVSHARE_AUDIT_KEY (gateway/state/subject-digest.ts). One row per subject and audit record,
-- written in the statement that appends the record (gateway/records/sql-audit.ts), so a record and its rows
-- commit together. They are not part of the hash chain: the chain's records say who read which fields when,
-- these rows only index them by subject.
CREATE TABLE govshare.audit_subjects (
  digest        bytea NOT NULL,
  seq           bigint NOT NULL,
  at            timestamptz NOT NULL,
  consumer      text NOT NULL,
  purpose       text,
  -- The coordinates read of this subject (its entity's fields, the value types below them, the lookup itself).
  fields        text[] NOT NULL,
  -- Reads cleared by a confidential grant stay out of subject access logs until then; null: shown at once.
  embargo_until timestamptz,
  PRIMARY KEY (digest, seq)
);
-- Retention deletes the rows of archived records by seq; appended in seq order, so BRIN is enough.
CREATE INDEX audit_subjects_seq ON govshare.audit_subjects USING brin (seq);

-- A grant approved as confidential (AccessApplicationInput.confidentialUntil): a calendar date, Asia/Shanghai.
ALTER TABLE govshare.grants ADD COLUMN confidential_until text;
