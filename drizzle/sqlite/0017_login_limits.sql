CREATE TABLE `login_known_addresses` (
	`username` text NOT NULL,
	`address` text NOT NULL,
	`seen_at` integer NOT NULL,
	PRIMARY KEY(`username`, `address`)
);
--> statement-breakpoint
CREATE INDEX `login_known_addresses_seen_idx` ON `login_known_addresses` (`seen_at`);--> statement-breakpoint
CREATE TABLE `rate_counters` (
	`key` text PRIMARY KEY NOT NULL,
	`count` integer NOT NULL,
	`window_end` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rate_counters_window_end_idx` ON `rate_counters` (`window_end`);