-- One staged row per file row. Staged rows are scratch (a dry run's or a running commit's): a row
-- staged twice is dropped here, and its import's dry run no longer counts as staged, so its commit
-- reads the file again.
WITH "dup" AS (
  DELETE FROM "import_staging" a USING "import_staging" b
  WHERE a."import_id" = b."import_id" AND a."row_no" = b."row_no" AND a.ctid > b.ctid
  RETURNING a."import_id"
)
UPDATE "imports" SET "counts" = "counts" - '_staged' WHERE "id" IN (SELECT "import_id" FROM "dup");--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "import_staging_row_idx" ON "import_staging" USING btree ("import_id","row_no");--> statement-breakpoint
DROP INDEX IF EXISTS "import_staging_import_idx";
