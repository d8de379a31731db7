import { pgEnum } from "drizzle-orm/pg-core";

export const userRole = pgEnum("user_role", ["seller", "admin"]);
export const listingStatus = pgEnum("listing_status", ["draft", "active", "archived"]);
export const listingSource = pgEnum("listing_source", ["manual", "import", "ocr", "api"]);
export const changeSetStatus = pgEnum("change_set_status", ["applied", "undone"]);
export const auditOutcome = pgEnum("audit_outcome", ["success", "failure"]);
export const importStatus = pgEnum("import_status", [
  "uploaded",
  "previewed",
  "committing",
  "committed",
  "failed",
  "undone",
]);
export const exportStatus = pgEnum("export_status", ["pending", "running", "completed", "failed"]);
export const ocrStatus = pgEnum("ocr_status", [
  "pending",
  "processing",
  "completed",
  "failed",
  "corrected",
]);
