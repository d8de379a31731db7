CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "listings_search_trgm_idx" ON "listings" USING gin ((coalesce("title", '') || ' ' || coalesce("sku", '') || ' ' || coalesce("category", '')) gin_trgm_ops);
