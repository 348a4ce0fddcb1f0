-- typeOverrides: an extension type (standing in for PostGIS's geometry: a type of the project's schema) read and
-- written by codecs the project exports; a built-in passed through as a plain TypeScript type; one typed only.
CREATE TYPE {schema}.geometry AS (x float8, y float8);

CREATE FUNCTION {schema}.sp_move(p_shape {schema}.geometry, p_by float8) RETURNS {schema}.geometry
LANGUAGE sql AS $$ SELECT ROW((p_shape).x + p_by, (p_shape).y + p_by)::{schema}.geometry $$;

CREATE FUNCTION {schema}.sp_shapes(p_shapes {schema}.geometry[]) RETURNS TABLE(shapes {schema}.geometry[], n int4)
LANGUAGE sql AS $$ SELECT p_shapes, cardinality(p_shapes) $$;

CREATE FUNCTION {schema}.sp_segment(p_segment lseg, p_circle circle) RETURNS TABLE(segment lseg, circle circle)
LANGUAGE sql AS $$ SELECT p_segment, p_circle $$;
