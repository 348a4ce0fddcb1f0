DROP VIEW corpus_ledger.balances;

-- Money grew past int4; the legacy code went away; accounts got a currency.
ALTER TABLE corpus_ledger.accounts ALTER COLUMN balance TYPE int8;
ALTER TABLE corpus_ledger.entries ALTER COLUMN amount TYPE int8;
ALTER TABLE corpus_ledger.accounts DROP COLUMN legacy_code;
ALTER TABLE corpus_ledger.accounts ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR';
ALTER TABLE corpus_ledger.accounts RENAME COLUMN owner TO holder;
ALTER TABLE corpus_ledger.entries ADD COLUMN memo text;

CREATE VIEW corpus_ledger.balances AS
SELECT a.id, a.holder, a.balance FROM corpus_ledger.accounts a;

-- Replaced with a column appended.
CREATE OR REPLACE VIEW corpus_ledger.balances AS
SELECT a.id, a.holder, a.balance, a.currency FROM corpus_ledger.accounts a;
