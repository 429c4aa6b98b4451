DROP INDEX `events_created_idx`;--> statement-breakpoint
DROP INDEX `orders_user_idx`;--> statement-breakpoint
DROP INDEX `orders_created_idx`;