-- One routine per family of built-in types, each echoing its arguments so a round trip compares what went in with
-- what came out. (int8, numeric, dates, json, bytea, enums and composites are in the `types` case.)

CREATE FUNCTION {schema}.sp_echo_numbers(p_money money, p_oid oid, p_xid8 xid8, p_vector int2vector, p_oids oidvector)
RETURNS TABLE(m money, o oid, x xid8, v int2vector, ov oidvector) LANGUAGE sql AS $$
  SELECT p_money, p_oid, p_xid8, p_vector, p_oids
$$;

CREATE FUNCTION {schema}.sp_echo_text(p_char char(3), p_quoted_char "char", p_name name, p_uuid uuid, p_ref refcursor)
RETURNS TABLE(c bpchar, qc "char", n name, u uuid, r refcursor) LANGUAGE sql AS $$
  SELECT p_char, p_quoted_char, p_name, p_uuid, p_ref
$$;

CREATE FUNCTION {schema}.sp_echo_bits(p_fixed bit(4), p_varying bit varying) RETURNS TABLE(f bit, v varbit)
LANGUAGE sql AS $$ SELECT p_fixed, p_varying $$;

CREATE FUNCTION {schema}.sp_echo_clock(p_time time(3), p_timetz time with time zone, p_span interval day to second)
RETURNS TABLE(t time, tz timetz, span interval) LANGUAGE sql AS $$ SELECT p_time, p_timetz, p_span $$;

CREATE FUNCTION {schema}.sp_echo_network(p_inet inet, p_cidr cidr, p_mac macaddr, p_mac8 macaddr8)
RETURNS TABLE(i inet, c cidr, m macaddr, m8 macaddr8) LANGUAGE sql AS $$ SELECT p_inet, p_cidr, p_mac, p_mac8 $$;

CREATE FUNCTION {schema}.sp_echo_geometry(
  p_point point, p_line line, p_lseg lseg, p_box box, p_path path, p_polygon polygon, p_circle circle
) RETURNS TABLE(pt point, l line, s lseg, b box, pa path, pg polygon, c circle) LANGUAGE sql AS $$
  SELECT p_point, p_line, p_lseg, p_box, p_path, p_polygon, p_circle
$$;

CREATE FUNCTION {schema}.sp_echo_search(p_vector tsvector, p_query tsquery, p_path jsonpath)
RETURNS TABLE(v tsvector, q tsquery, jp jsonpath) LANGUAGE sql AS $$ SELECT p_vector, p_query, p_path $$;

CREATE FUNCTION {schema}.sp_echo_xml(p_doc xml) RETURNS xml LANGUAGE sql AS $$ SELECT p_doc $$;

CREATE FUNCTION {schema}.sp_echo_ranges(
  p_int4 int4range, p_int8 int8range, p_num numrange, p_ts tsrange, p_tstz tstzrange, p_date daterange
) RETURNS TABLE(i4 int4range, i8 int8range, n numrange, ts tsrange, tstz tstzrange, d daterange)
LANGUAGE sql AS $$ SELECT p_int4, p_int8, p_num, p_ts, p_tstz, p_date $$;

CREATE FUNCTION {schema}.sp_echo_multiranges(
  p_int4 int4multirange, p_int8 int8multirange, p_num nummultirange, p_ts tsmultirange, p_tstz tstzmultirange,
  p_date datemultirange
) RETURNS TABLE(i4 int4multirange, i8 int8multirange, n nummultirange, ts tsmultirange, tstz tstzmultirange,
  d datemultirange)
LANGUAGE sql AS $$ SELECT p_int4, p_int8, p_num, p_ts, p_tstz, p_date $$;

CREATE FUNCTION {schema}.sp_echo_arrays(
  p_boxes box[], p_points point[], p_ranges int4range[], p_uuids uuid[], p_bits varbit[], p_moneys money[]
) RETURNS TABLE(boxes box[], points point[], ranges int4range[], uuids uuid[], bits varbit[], moneys money[])
LANGUAGE sql AS $$ SELECT p_boxes, p_points, p_ranges, p_uuids, p_bits, p_moneys $$;

-- Catalog types: names of objects, positions and snapshots. Their values come from the server.
CREATE FUNCTION {schema}.sp_catalog_values(p_class regclass, p_type regtype)
RETURNS TABLE(class regclass, type regtype, proc regproc, namespace regnamespace, lsn pg_lsn, snapshot pg_snapshot,
  txid txid_snapshot, ctid tid, transaction xid, command cid)
LANGUAGE sql AS $$
  SELECT p_class, p_type, 'now'::regproc, 'pg_catalog'::regnamespace, '16/B374D848'::pg_lsn, pg_current_snapshot(),
    txid_current_snapshot(), '(0,1)'::tid, '42'::xid, '7'::cid
$$;

-- An anonymous record inside a result: its field texts.
CREATE FUNCTION {schema}.sp_record_column(p_a int4, p_b text) RETURNS TABLE(r record) LANGUAGE sql AS $$
  SELECT ROW(p_a, p_b, NULL::text)
$$;

-- SETOF void: called for its effect.
CREATE FUNCTION {schema}.sp_void_set() RETURNS SETOF void LANGUAGE sql AS $$ SELECT $$;
