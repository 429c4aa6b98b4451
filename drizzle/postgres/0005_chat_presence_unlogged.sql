-- Custom migration (drizzle-kit generate --custom): drizzle-kit has no word for UNLOGGED, so this
-- step follows the generated 0004_chat_presence. chat_presence is pure soft state (who is in which
-- order chat; rows renewed by their node every third of CHAT_PRESENCE_TTL_MS, dead at expires_at):
-- it need not survive a database crash (PostgreSQL empties an unlogged table after one, and the
-- nodes write their rows again at the next renewal) nor reach a streaming replica, and its constant
-- renewals then write no WAL. No foreign key points at it (SET UNLOGGED would refuse). SQLite has
-- no such notion.
ALTER TABLE "chat_presence" SET UNLOGGED;
