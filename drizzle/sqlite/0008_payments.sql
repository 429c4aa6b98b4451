ALTER TABLE `orders` ADD `payment_method` text DEFAULT 'cash' NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `payment_status` text DEFAULT 'unpaid' NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `change_from` integer;--> statement-breakpoint
ALTER TABLE `orders` ADD `pay_until` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `invoice_link` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `paid_at` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `telegram_payment_charge_id` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `provider_payment_charge_id` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `refunded_at` text;--> statement-breakpoint
CREATE INDEX `orders_unpaid_online_idx` ON `orders` (`pay_until`) WHERE payment_method = 'online' AND payment_status = 'unpaid';--> statement-breakpoint
CREATE UNIQUE INDEX `orders_tg_charge_uq` ON `orders` (`telegram_payment_charge_id`);--> statement-breakpoint
ALTER TABLE `users` ADD `bot_write_access` integer;--> statement-breakpoint
-- Backfill (hand-written): orders from before payments were paid on receipt (cash), so the
-- completed ones were paid when they were handed over.
UPDATE `orders` SET `payment_status` = 'paid', `paid_at` = coalesce(`completed_at`, `updated_at`) WHERE `status` = 'completed';
