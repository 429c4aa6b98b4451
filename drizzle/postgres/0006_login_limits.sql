CREATE TABLE "login_known_addresses" (
	"username" text NOT NULL,
	"address" text NOT NULL,
	"seen_at" bigint NOT NULL,
	CONSTRAINT "login_known_addresses_username_address_pk" PRIMARY KEY("username","address")
);
--> statement-breakpoint
CREATE TABLE "rate_counters" (
	"key" text PRIMARY KEY NOT NULL,
	"count" bigint NOT NULL,
	"window_end" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "login_known_addresses_seen_idx" ON "login_known_addresses" USING btree ("seen_at");--> statement-breakpoint
CREATE INDEX "rate_counters_window_end_idx" ON "rate_counters" USING btree ("window_end");