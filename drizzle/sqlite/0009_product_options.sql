CREATE TABLE `order_item_options` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_item_id` integer NOT NULL,
	`option_id` integer NOT NULL,
	`group_name` text NOT NULL,
	`group_name_en` text NOT NULL,
	`name` text NOT NULL,
	`name_en` text NOT NULL,
	`price` integer NOT NULL,
	`pos_code` text NOT NULL,
	FOREIGN KEY (`order_item_id`) REFERENCES `order_items`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `order_item_options_item_idx` ON `order_item_options` (`order_item_id`);--> statement-breakpoint
CREATE TABLE `product_option_groups` (
	`id` integer PRIMARY KEY NOT NULL,
	`product_id` integer NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`name_en` text NOT NULL,
	`min_choices` integer DEFAULT 0 NOT NULL,
	`max_choices` integer DEFAULT 1 NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "product_option_groups_limits" CHECK("product_option_groups"."min_choices" >= 0 AND "product_option_groups"."max_choices" >= 1 AND "product_option_groups"."min_choices" <= "product_option_groups"."max_choices")
);
--> statement-breakpoint
CREATE INDEX `product_option_groups_product_idx` ON `product_option_groups` (`product_id`);--> statement-breakpoint
CREATE TABLE `product_option_prices` (
	`option_id` integer NOT NULL,
	`city_id` integer NOT NULL,
	`price` integer NOT NULL,
	`available` integer DEFAULT true NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`option_id`, `city_id`),
	FOREIGN KEY (`option_id`) REFERENCES `product_options`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`city_id`) REFERENCES `cities`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "product_option_prices_price" CHECK("product_option_prices"."price" >= 0)
);
--> statement-breakpoint
CREATE TABLE `product_options` (
	`id` integer PRIMARY KEY NOT NULL,
	`group_id` integer NOT NULL,
	`pos_code` text NOT NULL,
	`name` text NOT NULL,
	`name_en` text NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`group_id`) REFERENCES `product_option_groups`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `product_options_pos_code_uq` ON `product_options` (`pos_code`);--> statement-breakpoint
CREATE INDEX `product_options_group_idx` ON `product_options` (`group_id`);--> statement-breakpoint
ALTER TABLE `products` ADD `weight` integer;--> statement-breakpoint
ALTER TABLE `products` ADD `kcal` integer;