-- Custom SQL migration (drizzle-kit generate --custom): the catalogue's version for in-memory caches.
-- The order path keeps what rarely changes and is read per order (cities, restaurants, zones, prices,
-- option groups) in memory (src/db/catalogue-version.ts). Every write to those tables, by any writer
-- on any connection or process (services, POS menu sync, seeds, tests' raw SQL), gives the row
-- `catalogue-version` in system_state a new random value; a cache reads that one row and drops what
-- it holds when the value differs. Random rather than +1: a rolled-back write restores the old value,
-- and a later write must never reproduce a value a cache saw inside the rolled-back transaction.
INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
  ON CONFLICT (`key`) DO NOTHING;--> statement-breakpoint
CREATE TRIGGER `cities_insert_catalogue_version` AFTER INSERT ON `cities`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `cities_update_catalogue_version` AFTER UPDATE ON `cities`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `cities_delete_catalogue_version` AFTER DELETE ON `cities`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `restaurants_insert_catalogue_version` AFTER INSERT ON `restaurants`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `restaurants_update_catalogue_version` AFTER UPDATE ON `restaurants`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `restaurants_delete_catalogue_version` AFTER DELETE ON `restaurants`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `delivery_zones_insert_catalogue_version` AFTER INSERT ON `delivery_zones`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `delivery_zones_update_catalogue_version` AFTER UPDATE ON `delivery_zones`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `delivery_zones_delete_catalogue_version` AFTER DELETE ON `delivery_zones`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `products_insert_catalogue_version` AFTER INSERT ON `products`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `products_update_catalogue_version` AFTER UPDATE ON `products`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `products_delete_catalogue_version` AFTER DELETE ON `products`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `product_prices_insert_catalogue_version` AFTER INSERT ON `product_prices`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `product_prices_update_catalogue_version` AFTER UPDATE ON `product_prices`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `product_prices_delete_catalogue_version` AFTER DELETE ON `product_prices`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `product_option_groups_insert_catalogue_version` AFTER INSERT ON `product_option_groups`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `product_option_groups_update_catalogue_version` AFTER UPDATE ON `product_option_groups`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `product_option_groups_delete_catalogue_version` AFTER DELETE ON `product_option_groups`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `product_options_insert_catalogue_version` AFTER INSERT ON `product_options`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `product_options_update_catalogue_version` AFTER UPDATE ON `product_options`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `product_options_delete_catalogue_version` AFTER DELETE ON `product_options`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `product_option_prices_insert_catalogue_version` AFTER INSERT ON `product_option_prices`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `product_option_prices_update_catalogue_version` AFTER UPDATE ON `product_option_prices`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;--> statement-breakpoint
CREATE TRIGGER `product_option_prices_delete_catalogue_version` AFTER DELETE ON `product_option_prices`
BEGIN
  INSERT INTO `system_state` (`key`, `value`) VALUES ('catalogue-version', CAST(random() AS TEXT))
    ON CONFLICT (`key`) DO UPDATE SET `value` = excluded.`value`;
END;
