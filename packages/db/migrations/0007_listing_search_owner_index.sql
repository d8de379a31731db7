-- btree_gin lets the trigram index lead with the owner: a search then reads one seller's postings.
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
CREATE INDEX "listing_search_owner_text_trgm_idx" ON "listing_search" USING gin ("owner_id","text" gin_trgm_ops);--> statement-breakpoint
DROP INDEX "listing_search_text_trgm_idx";
