DROP INDEX `pos_sync_jobs_entity_uq`;--> statement-breakpoint
ALTER TABLE `pos_sync_jobs` ADD `kind` text DEFAULT 'send' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `pos_sync_jobs_entity_uq` ON `pos_sync_jobs` (`entity`,`entity_id`,`kind`);--> statement-breakpoint
ALTER TABLE `cities` ADD `code` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `cities` ADD `phone` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `cancel_note` text;--> statement-breakpoint
-- Existing demo cities get their order number prefix and phone; any other city a prefix from its id.
UPDATE `cities` SET `code` = CASE `id` WHEN 1 THEN 'M' WHEN 2 THEN 'S' WHEN 3 THEN 'N' ELSE 'C' || `id` END WHERE `code` = '';--> statement-breakpoint
UPDATE `cities` SET `phone` = CASE `id` WHEN 1 THEN '+7 495 000-13-13' WHEN 2 THEN '+7 812 000-13-13' WHEN 3 THEN '+7 383 000-13-13' END WHERE `phone` IS NULL;--> statement-breakpoint
-- Free-text cancel reasons of earlier orders become the note; the code says "other" (or the customer's).
UPDATE `orders` SET `cancel_note` = `cancel_reason`, `cancel_reason` = CASE WHEN `cancel_reason` = 'Cancelled by customer' THEN 'customer_asked' ELSE 'other' END
  WHERE `cancel_reason` IS NOT NULL AND `cancel_reason` NOT IN ('customer_asked', 'out_of_stock', 'courier_unreachable', 'duplicate', 'other');
