-- A MAC over each row of the audit's key history (gateway/audit/audit-key-mac.ts), keyed from
-- GOVSHARE_AUDIT_KEY: whoever can write the records database but does not hold that key cannot enter a
-- key of their own and sign checkpoints of a rewritten log with it. Rows without one (entered before this
-- migration) are not trusted; the gateway's current key gets its MAC with its next checkpoint.
ALTER TABLE govshare.audit_keys ADD COLUMN mac text;
