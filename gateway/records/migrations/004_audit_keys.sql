-- Every public key that ever signed an audit checkpoint or an archive manifest: the audit's own key
-- history. A rotation takes the old key out of /.well-known/jwks.json (the subgraphs must stop accepting
-- it), but what it signed in the audit stays checkable against this table (GET /audit/keys). A row is
-- written in the transaction that stores the first signature made with its key, and `last_used` moves
-- with each later one. `kid` is the RFC 7638 thumbprint of `jwk`; a row where it is not is not trusted.
CREATE TABLE govshare.audit_keys (
  kid        text PRIMARY KEY,
  jwk        jsonb NOT NULL,
  first_used text NOT NULL,
  last_used  text NOT NULL
);
