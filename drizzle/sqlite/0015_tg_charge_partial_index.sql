DROP INDEX `orders_tg_charge_uq`;--> statement-breakpoint
CREATE UNIQUE INDEX `orders_tg_charge_uq` ON `orders` (`telegram_payment_charge_id`) WHERE telegram_payment_charge_id IS NOT NULL;