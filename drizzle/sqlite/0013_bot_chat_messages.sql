DROP INDEX `bot_messages_order_step_uq`;--> statement-breakpoint
ALTER TABLE `bot_messages` ADD `chat_message_id` integer;--> statement-breakpoint
-- Hand-corrected: drizzle-kit 0.31 backtick-quotes the index expression and splits it at its comma
-- (`coalesce("chat_message_id"`,` 0)`); the snapshot holds it right, so a later generate sees no change.
CREATE UNIQUE INDEX `bot_messages_order_step_uq` ON `bot_messages` (`order_id`,`step`,coalesce("chat_message_id", 0));
