ALTER TABLE `order_items` ADD `name_en` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `order_items` SET `name_en` = coalesce((SELECT `name_en` FROM `products` WHERE `products`.`id` = `order_items`.`product_id`), '');
