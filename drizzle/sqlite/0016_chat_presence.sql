CREATE TABLE `chat_presence` (
	`room` text NOT NULL,
	`member` text NOT NULL,
	`who` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`room`, `member`)
);
