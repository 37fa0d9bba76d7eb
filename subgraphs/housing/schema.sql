CREATE SCHEMA IF NOT EXISTS housing;
CREATE TABLE IF NOT EXISTS housing.property (
  certificate_number text PRIMARY KEY,
  address            text,
  area               numeric(12, 2),
  usage              text,
  mortgaged          boolean
);
-- Right holders of a property, in registration order (ordinal 1, 2, …).
CREATE TABLE IF NOT EXISTS housing.property_owner (
  certificate_number text NOT NULL REFERENCES housing.property (certificate_number),
  ordinal            integer NOT NULL,
  id_number          text NOT NULL,
  PRIMARY KEY (certificate_number, ordinal)
);
CREATE INDEX IF NOT EXISTS property_owner_id_number_idx ON housing.property_owner (id_number);
