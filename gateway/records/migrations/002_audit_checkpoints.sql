-- Signed audit checkpoints (CONTRACT §10): the gateway's signature over the head of the chain at a moment.
-- `sequence` counts 1, 2, 3… without gaps and `record_seq` only grows: a checkpoint is inserted under a
-- transaction-scoped advisory lock after reading the last one, so replicas sharing the database never make
-- two for the same head. No foreign key to audit_records: its records may be archived and dropped
-- (retention), and the checkpoint stays, its signature still checkable.
CREATE TABLE govshare.audit_checkpoints (
  sequence   bigint PRIMARY KEY CHECK (sequence >= 1),
  record_seq bigint NOT NULL UNIQUE CHECK (record_seq >= 1),
  head_hash  text NOT NULL,
  at         text NOT NULL,
  -- Compact JWS over {"sequence","recordId","headHash","at"}, signed with the gateway's key (kid in its header).
  signature  text NOT NULL
);

-- How far verifyAuditChain got, shared by the replicas: the last checkpoint whose records it walked and
-- whose signature it checked. `mac` is an HMAC under a key derived from GOVSHARE_AUDIT_KEY, so whoever can
-- write this table cannot point it past a region it has rewritten; an incremental check starts from it,
-- a full check ignores it.
CREATE TABLE govshare.audit_verification (
  only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  checkpoint  bigint NOT NULL,
  record_seq  bigint NOT NULL,
  head_hash   text NOT NULL,
  verified_at text NOT NULL,
  mac         text NOT NULL
);
