-- Domains are their base types (checked by the server on the way in), ranges have typed bounds.
CREATE DOMAIN {schema}.positive AS int4 CHECK (VALUE > 0);
CREATE DOMAIN {schema}.small_positive AS {schema}.positive CHECK (VALUE < 100);
CREATE DOMAIN {schema}.email AS text CHECK (VALUE LIKE '%@%');
CREATE DOMAIN {schema}.codes AS varchar(4)[];
CREATE TYPE {schema}.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TYPE {schema}.day_span AS RANGE (subtype = date, multirange_type_name = {schema}.day_spans);
CREATE TYPE {schema}.labelled AS (label {schema}.email, quantity {schema}.small_positive);

CREATE FUNCTION {schema}.sp_echo_domains(
  p_positive {schema}.positive, p_small {schema}.small_positive, p_emails {schema}.email[], p_codes {schema}.codes,
  p_labelled {schema}.labelled
) RETURNS TABLE(positive {schema}.positive, small {schema}.small_positive, emails {schema}.email[],
                codes {schema}.codes, labelled {schema}.labelled)
LANGUAGE sql AS $$ SELECT p_positive, p_small, p_emails, p_codes, p_labelled $$;

CREATE FUNCTION {schema}.sp_double(p_value {schema}.small_positive) RETURNS {schema}.positive LANGUAGE sql AS $$
  SELECT p_value * 2
$$;

CREATE FUNCTION {schema}.sp_echo_ranges(p_range {schema}.floatrange, p_days {schema}.day_span,
  p_spans {schema}.day_spans, p_ranges {schema}.floatrange[])
RETURNS TABLE(range {schema}.floatrange, days {schema}.day_span, spans {schema}.day_spans,
              ranges {schema}.floatrange[])
LANGUAGE sql AS $$ SELECT p_range, p_days, p_spans, p_ranges $$;

CREATE FUNCTION {schema}.sp_span_length(p_days {schema}.day_span) RETURNS int4 LANGUAGE sql AS $$
  SELECT upper(p_days) - lower(p_days)
$$;
