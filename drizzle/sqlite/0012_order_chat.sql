CREATE TABLE `order_chats` (
	`order_id` integer PRIMARY KEY NOT NULL,
	`customer_read_id` integer DEFAULT 0 NOT NULL,
	`staff_read_id` integer DEFAULT 0 NOT NULL,
	`customer_unread` integer DEFAULT 0 NOT NULL,
	`staff_unread` integer DEFAULT 0 NOT NULL,
	`last_message_at` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `order_chats_staff_unread_idx` ON `order_chats` (`staff_unread`,`last_message_at`);--> statement-breakpoint
CREATE TABLE `order_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` integer NOT NULL,
	`author_id` integer NOT NULL,
	`author_kind` text NOT NULL,
	`author_name` text NOT NULL,
	`client_id` text NOT NULL,
	`text` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `order_messages_client_uq` ON `order_messages` (`author_id`,`client_id`);--> statement-breakpoint
CREATE INDEX `order_messages_order_idx` ON `order_messages` (`order_id`,`id`);--> statement-breakpoint
CREATE INDEX `order_messages_author_time_idx` ON `order_messages` (`author_id`,`created_at`);