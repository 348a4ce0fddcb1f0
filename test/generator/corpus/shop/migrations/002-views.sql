SET search_path = corpus_shop, public;

CREATE VIEW order_totals AS
SELECT o.id AS order_id, o.customer_id, sum(l.quantity * p.unit_price)::numeric AS total, count(*) AS line_count
  FROM orders o
  JOIN order_lines l ON l.order_id = o.id
  JOIN products p ON p.id = l.product_id
 GROUP BY o.id, o.customer_id;
