-- Staged rows belong to the run that staged them (a dry run's or a commit run's number, kept in the
-- import's counts): a commit merges only its own run's rows, so rows a run that was taken over
-- still stages cannot be merged, nor collide with the rows of the run that took it over. Rows
-- staged before this column existed are run 0, which a dry run with no recorded run also reads.
ALTER TABLE "import_staging" ADD COLUMN IF NOT EXISTS "run" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "import_staging_run_row_idx" ON "import_staging" USING btree ("import_id","run","row_no");--> statement-breakpoint
DROP INDEX IF EXISTS "import_staging_row_idx";
