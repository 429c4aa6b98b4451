CREATE TABLE `delivery_zones` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`restaurant_id` integer NOT NULL,
	`city_id` integer NOT NULL,
	`name` text NOT NULL,
	`geometry` text NOT NULL,
	`delivery_fee` integer DEFAULT 0 NOT NULL,
	`free_from` integer,
	`min_order` integer DEFAULT 0 NOT NULL,
	`delivery_minutes` integer DEFAULT 30 NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`restaurant_id`) REFERENCES `restaurants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`city_id`) REFERENCES `cities`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "delivery_zones_money" CHECK("delivery_zones"."delivery_fee" >= 0 AND "delivery_zones"."min_order" >= 0 AND ("delivery_zones"."free_from" IS NULL OR "delivery_zones"."free_from" >= 0) AND "delivery_zones"."delivery_minutes" >= 0)
);
--> statement-breakpoint
CREATE INDEX `delivery_zones_city_idx` ON `delivery_zones` (`city_id`,`active`);--> statement-breakpoint
CREATE TABLE `saved_addresses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`label` text DEFAULT '' NOT NULL,
	`address` text NOT NULL,
	`address_key` text NOT NULL,
	`lat` real NOT NULL,
	`lng` real NOT NULL,
	`last_used_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `saved_addresses_user_key_uq` ON `saved_addresses` (`user_id`,`address_key`);--> statement-breakpoint
ALTER TABLE `orders` ADD `delivery_fee` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `delivery_zone_id` integer REFERENCES delivery_zones(id) ON DELETE set null;--> statement-breakpoint
ALTER TABLE `orders` ADD `delivery_lat` real;--> statement-breakpoint
ALTER TABLE `orders` ADD `delivery_lng` real;--> statement-breakpoint
ALTER TABLE `users` ADD `phone_verified_at` text;