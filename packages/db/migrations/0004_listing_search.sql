CREATE TABLE "listing_search" (
	"listing_id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"text" text NOT NULL
);
--> statement-breakpoint
-- listing_search follows listings through triggers, so every writer (verbs, COPY, seed, restore)
-- keeps it right. Inserts and deletes are handled per statement from the transition table; an
-- update fires only when title, sku or category really changed, so a price change never runs it.
CREATE FUNCTION "listing_search_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO listing_search (listing_id, owner_id, text)
  SELECT n.id, n.owner_id, coalesce(n.title, '') || ' ' || coalesce(n.sku, '') || ' ' || coalesce(n.category, '')
  FROM new_rows n;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "listing_search_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE listing_search
  SET owner_id = NEW.owner_id,
    text = coalesce(NEW.title, '') || ' ' || coalesce(NEW.sku, '') || ' ' || coalesce(NEW.category, '')
  WHERE listing_id = NEW.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "listing_search_delete"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM listing_search s USING old_rows o WHERE s.listing_id = o.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "listing_search_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE listing_search;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "listings_search_truncate" AFTER TRUNCATE ON "listings"
  FOR EACH STATEMENT EXECUTE FUNCTION "listing_search_truncate"();
--> statement-breakpoint
CREATE TRIGGER "listings_search_insert" AFTER INSERT ON "listings"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "listing_search_insert"();
--> statement-breakpoint
CREATE TRIGGER "listings_search_update" AFTER UPDATE ON "listings" FOR EACH ROW
  WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.sku IS DISTINCT FROM NEW.sku
    OR OLD.category IS DISTINCT FROM NEW.category OR OLD.owner_id IS DISTINCT FROM NEW.owner_id
    OR OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION "listing_search_update"();
--> statement-breakpoint
CREATE TRIGGER "listings_search_delete" AFTER DELETE ON "listings"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "listing_search_delete"();
--> statement-breakpoint
INSERT INTO "listing_search" ("listing_id", "owner_id", "text")
SELECT "id", "owner_id", coalesce("title", '') || ' ' || coalesce("sku", '') || ' ' || coalesce("category", '')
FROM "listings";
--> statement-breakpoint
CREATE INDEX "listing_search_text_trgm_idx" ON "listing_search" USING gin ("text" gin_trgm_ops);--> statement-breakpoint
DROP INDEX IF EXISTS "listings_search_trgm_idx";--> statement-breakpoint
DROP INDEX "listings_owner_updated_idx";--> statement-breakpoint
DROP INDEX "listings_owner_status_idx";--> statement-breakpoint
DROP INDEX "listings_owner_category_idx";--> statement-breakpoint
DROP INDEX "listings_owner_condition_idx";--> statement-breakpoint
CREATE INDEX "listings_owner_updated_at_idx" ON "listings" USING btree ("owner_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "listings_owner_category_status_idx" ON "listings" USING btree ("owner_id","category","status");
