-- Unqualified names resolve through search_path, as PostgreSQL resolves them.
CREATE SCHEMA shop;
CREATE SCHEMA ledger;

-- Before any SET: the default path "$user", public puts it in public.
CREATE FUNCTION sp_version() RETURNS text LANGUAGE sql AS $$ SELECT '1' $$;

SET search_path = shop, public;
CREATE TYPE order_state AS ENUM ('open', 'paid');
-- A user type named like a built-in does not shadow it: pg_catalog is searched first.
CREATE TYPE public.text AS ENUM ('not', 'text');

CREATE FUNCTION sp_set_state(p_order_id int8, p_state order_state, p_note text) RETURNS void
LANGUAGE sql AS $$ SELECT $$;

-- pg_dump's way of setting the path.
SELECT pg_catalog.set_config('search_path', 'ledger', false);
CREATE FUNCTION sp_post(p_amount numeric) RETURNS int8 LANGUAGE sql AS $$ SELECT 1::int8 $$;
-- order_state is not on this path: the qualified name finds it.
CREATE FUNCTION sp_post_state(p_state shop.order_state) RETURNS void LANGUAGE sql AS $$ SELECT $$;

-- The path names a schema that does not exist yet: the next one takes the function.
SET search_path = archive, shop;
CREATE FUNCTION sp_archive_candidates() RETURNS SETOF int8 LANGUAGE sql AS $$ SELECT 1::int8 $$;

RESET search_path;
-- Found through the path (public), dropped and created again with a parameter.
DROP FUNCTION sp_version();
CREATE FUNCTION sp_version(p_major int4) RETURNS text LANGUAGE sql AS $$ SELECT p_major::text $$;
