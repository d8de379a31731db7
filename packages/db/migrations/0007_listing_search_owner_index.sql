-- btree_gin lets the trigram index lead with the owner: a search then reads one seller's postings.
-- The build holds writes to listing_search (and so listing inserts, deletes and text edits) until
-- it commits; on a large live catalogue create the index CONCURRENTLY by hand before deploying,
-- and this migration finds it there.
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "listing_search_owner_text_trgm_idx" ON "listing_search" USING gin ("owner_id","text" gin_trgm_ops);--> statement-breakpoint
DROP INDEX IF EXISTS "listing_search_text_trgm_idx";
