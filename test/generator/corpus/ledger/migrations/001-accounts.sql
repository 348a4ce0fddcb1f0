-- A ledger whose tables change over its migration history.
CREATE SCHEMA corpus_ledger;

CREATE TABLE corpus_ledger.accounts (
  id int4 PRIMARY KEY,
  owner text NOT NULL,
  balance int4 NOT NULL DEFAULT 0,
  legacy_code text
);

CREATE TABLE corpus_ledger.entries (
  id bigserial PRIMARY KEY,
  account_id int4 NOT NULL REFERENCES corpus_ledger.accounts (id),
  amount int4 NOT NULL,
  booked_on date NOT NULL DEFAULT current_date
);

CREATE VIEW corpus_ledger.balances AS
SELECT a.id, a.owner, a.balance FROM corpus_ledger.accounts a;
