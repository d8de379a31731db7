CREATE TABLE "unknown_email_login_tries" (
	"email_key" text PRIMARY KEY NOT NULL,
	"failed_login_count" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"last_try_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "unknown_email_login_tries_last_try_idx" ON "unknown_email_login_tries" USING btree ("last_try_at");