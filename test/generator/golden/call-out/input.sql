-- CALL returns a procedure's OUT and INOUT parameters: one row of them, or the value of a single one.
CREATE PROCEDURE {schema}.sp_split(p_total int4, p_parts int4, OUT quotient int4, OUT remainder int4)
LANGUAGE plpgsql AS $$
BEGIN
  quotient := p_total / p_parts;
  remainder := p_total % p_parts;
END
$$;

-- Types the driver parses itself in a CALL result (a CALL's columns cannot be cast to text).
CREATE PROCEDURE {schema}.sp_describe(
  INOUT p_count int4, OUT name text, OUT tags jsonb, OUT at timestamptz, OUT amount numeric, OUT big int8,
  OUT flag bool
) LANGUAGE plpgsql AS $$
BEGIN
  p_count := p_count + 1;
  name := 'item ' || p_count;
  tags := jsonb_build_object('n', p_count);
  at := '2024-01-02T03:04:05Z';
  amount := 12.50;
  big := 9007199254740991;
  flag := true;
END
$$;

CREATE PROCEDURE {schema}.sp_label(p_id int4, OUT label text) LANGUAGE sql
BEGIN ATOMIC
  SELECT 'label ' || p_id;
END;
