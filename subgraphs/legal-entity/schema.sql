CREATE SCHEMA IF NOT EXISTS legal_entity;
CREATE TABLE IF NOT EXISTS legal_entity.enterprise (
  uscc                 text PRIMARY KEY,
  name                 text NOT NULL,
  kind                 text,
  status               text NOT NULL,
  established_date     date,
  registered_capital   numeric(18, 4),
  address              text,
  business_scope       text,
  legal_representative text,
  contact_phone        text
);
CREATE INDEX IF NOT EXISTS enterprise_legal_representative_idx ON legal_entity.enterprise (legal_representative);
