-- Custom migration (drizzle-kit generate --custom): PostgreSQL's form of SQLite's hand-written trigger
-- in drizzle/sqlite/0011_stats_stage_minutes.sql. The database fills order_status_history.stage_ms
-- for every writer: the milliseconds since the order's previous row (by id). An order's first row
-- (no from_status) keeps null, and so does a row that states its own value. A BEFORE trigger sets the
-- new row's value directly (SQLite's AFTER trigger has to update the row it just wrote); the identity
-- default has already given NEW.id its value. No backfill: this line of migrations starts empty.
CREATE FUNCTION order_status_history_stage_ms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.stage_ms := (
    SELECT round(extract(epoch FROM (NEW.created_at::timestamptz - p.created_at::timestamptz)) * 1000)::bigint
      FROM order_status_history p
     WHERE p.order_id = NEW.order_id AND p.id < NEW.id
     ORDER BY p.id DESC LIMIT 1);
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER order_status_history_stage_ms BEFORE INSERT ON order_status_history
FOR EACH ROW WHEN (NEW.stage_ms IS NULL AND NEW.from_status IS NOT NULL)
EXECUTE FUNCTION order_status_history_stage_ms();
