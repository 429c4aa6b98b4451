ALTER TABLE `users` ADD `bot_started_at` text;--> statement-breakpoint
ALTER TABLE `users` ADD `bot_blocked_at` text;