CREATE TABLE "import_staging" (
	"import_id" uuid NOT NULL,
	"row_no" integer NOT NULL,
	"target_id" uuid,
	"new_id" uuid,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "import_staging_import_idx" ON "import_staging" USING btree ("import_id");