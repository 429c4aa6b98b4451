CREATE TABLE `restaurants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`city_id` integer NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`name_en` text NOT NULL,
	`address` text NOT NULL,
	`address_en` text NOT NULL,
	`phone` text NOT NULL,
	`lat` real NOT NULL,
	`lng` real NOT NULL,
	`prep_minutes` integer DEFAULT 20 NOT NULL,
	`hours` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`paused_at` text,
	`pause_reason` text,
	`paused_until` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`city_id`) REFERENCES `cities`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `restaurants_code_uq` ON `restaurants` (`code`);--> statement-breakpoint
CREATE INDEX `restaurants_city_idx` ON `restaurants` (`city_id`);--> statement-breakpoint
ALTER TABLE `cities` ADD `delivery_minutes` integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE `cities` ADD `prep_minutes` integer DEFAULT 20 NOT NULL;--> statement-breakpoint
ALTER TABLE `cities` ADD `busy_minutes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `cities` ADD `paused_at` text;--> statement-breakpoint
ALTER TABLE `cities` ADD `pause_reason` text;--> statement-breakpoint
ALTER TABLE `cities` ADD `paused_until` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `restaurant_id` integer REFERENCES restaurants(id);--> statement-breakpoint
ALTER TABLE `orders` ADD `promised_at` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `requested_time` text;