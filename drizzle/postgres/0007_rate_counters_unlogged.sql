-- Custom migration (drizzle-kit generate --custom): sign-in counters (auth/login-limit-store-postgres.ts)
-- need no durability. Unlogged, an attempt's upsert writes no WAL and its commit does not wait for a
-- flush, so a refused attempt costs (almost) nothing even with synchronous_commit on. What is lost on
-- a crash, or on a standby after failover, is counters: their windows start again. Known addresses
-- (login_known_addresses) stay logged.
ALTER TABLE "rate_counters" SET UNLOGGED;
