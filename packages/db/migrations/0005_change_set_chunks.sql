CREATE TABLE "change_set_chunks" (
	"change_set_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"listing_ids" uuid[] NOT NULL,
	"ops" text[] NOT NULL,
	"befores" jsonb[] NOT NULL,
	"afters" jsonb[] NOT NULL,
	"versions" integer[] NOT NULL,
	CONSTRAINT "change_set_chunks_change_set_id_seq_pk" PRIMARY KEY("change_set_id","seq")
);
--> statement-breakpoint
ALTER TABLE "change_set_chunks" ADD CONSTRAINT "change_set_chunks_change_set_id_change_sets_id_fk" FOREIGN KEY ("change_set_id") REFERENCES "public"."change_sets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Existing change sets keep their history: their entries become chunks of up to 5,000 rows, in
-- entry order, with the version each row last produced.
INSERT INTO "change_set_chunks" ("change_set_id", "seq", "listing_ids", "ops", "befores", "afters", "versions")
SELECT "change_set_id", ("n" - 1) / 5000, array_agg("listing_id" ORDER BY "n"), array_agg("op" ORDER BY "n"),
  array_agg("before" ORDER BY "n"), array_agg("after" ORDER BY "n"), array_agg("current_version" ORDER BY "n")
FROM (
  SELECT e.*, row_number() OVER (PARTITION BY "change_set_id" ORDER BY "id") AS "n"
  FROM "change_set_entries" e
) numbered
GROUP BY "change_set_id", ("n" - 1) / 5000;
