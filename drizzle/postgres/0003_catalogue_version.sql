-- Custom migration (drizzle-kit generate --custom): PostgreSQL's form of SQLite's hand-written
-- drizzle/sqlite/0014_catalogue_version.sql. Every write to the catalogue's tables, by any writer,
-- gives the row `catalogue-version` in system_state a new random value (src/db/catalogue-version.ts).
-- One statement-level trigger per table here (SQLite has no statement triggers: it fires per row).
INSERT INTO system_state (key, value) VALUES ('catalogue-version', random()::text)
  ON CONFLICT (key) DO NOTHING;
--> statement-breakpoint
CREATE FUNCTION catalogue_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO system_state (key, value) VALUES ('catalogue-version', random()::text)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER cities_catalogue_version AFTER INSERT OR UPDATE OR DELETE ON cities
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump();
--> statement-breakpoint
CREATE TRIGGER restaurants_catalogue_version AFTER INSERT OR UPDATE OR DELETE ON restaurants
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump();
--> statement-breakpoint
CREATE TRIGGER delivery_zones_catalogue_version AFTER INSERT OR UPDATE OR DELETE ON delivery_zones
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump();
--> statement-breakpoint
CREATE TRIGGER products_catalogue_version AFTER INSERT OR UPDATE OR DELETE ON products
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump();
--> statement-breakpoint
CREATE TRIGGER product_prices_catalogue_version AFTER INSERT OR UPDATE OR DELETE ON product_prices
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump();
--> statement-breakpoint
CREATE TRIGGER product_option_groups_catalogue_version AFTER INSERT OR UPDATE OR DELETE ON product_option_groups
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump();
--> statement-breakpoint
CREATE TRIGGER product_options_catalogue_version AFTER INSERT OR UPDATE OR DELETE ON product_options
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump();
--> statement-breakpoint
CREATE TRIGGER product_option_prices_catalogue_version AFTER INSERT OR UPDATE OR DELETE ON product_option_prices
FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump();
