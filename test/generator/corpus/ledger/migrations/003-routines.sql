CREATE FUNCTION corpus_ledger.open_account(p_id int4, p_holder text, p_currency char(3) DEFAULT 'EUR')
RETURNS corpus_ledger.accounts LANGUAGE sql AS $$
  INSERT INTO corpus_ledger.accounts (id, holder, currency) VALUES (p_id, p_holder, p_currency) RETURNING *
$$;

CREATE FUNCTION corpus_ledger.book(p_account int4, p_amount int8, p_memo text DEFAULT NULL) RETURNS int8
LANGUAGE plpgsql AS $$
DECLARE
  v_entry int8;
BEGIN
  INSERT INTO corpus_ledger.entries (account_id, amount, memo) VALUES (p_account, p_amount, p_memo)
  RETURNING id INTO v_entry;
  UPDATE corpus_ledger.accounts SET balance = balance + p_amount WHERE id = p_account;
  RETURN v_entry;
END
$$;

CREATE FUNCTION corpus_ledger.balance_of(p_account int4) RETURNS corpus_ledger.balances
LANGUAGE sql STABLE AS $$ SELECT * FROM corpus_ledger.balances WHERE id = p_account $$;

CREATE FUNCTION corpus_ledger.statement(p_account int4, p_from date DEFAULT NULL)
RETURNS SETOF corpus_ledger.entries LANGUAGE sql STABLE AS $$
  SELECT * FROM corpus_ledger.entries WHERE account_id = p_account AND (p_from IS NULL OR booked_on >= p_from)
   ORDER BY id
$$;

-- Renamed later in the history: only the new name exists.
CREATE FUNCTION corpus_ledger.total_balance() RETURNS int8 LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(balance), 0)::int8 FROM corpus_ledger.accounts
$$;
ALTER FUNCTION corpus_ledger.total_balance() RENAME TO sum_of_balances;
