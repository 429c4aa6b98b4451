CREATE TABLE "chat_presence" (
	"room" text NOT NULL,
	"member" text NOT NULL,
	"who" text NOT NULL,
	"expires_at" bigint NOT NULL,
	CONSTRAINT "chat_presence_room_member_pk" PRIMARY KEY("room","member")
);
