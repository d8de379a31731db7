import { createHash } from "node:crypto";
import * as core from "@mbe/core";
import { z } from "zod";
import { authedProcedure, publicProcedure, router, type TrpcContext } from "./init";
import { loginLimit } from "./login-limit";
import { adminRouter } from "./routers/admin";
import { analyticsRouter } from "./routers/analytics";
import { passwordResetRouter } from "./routers/password-reset";

const id = z.object({ id: z.string().max(100) });

export const authRouter = router({
  register: publicProcedure.input(core.RegisterInput).mutation(async ({ ctx, input }) => {
    await loginLimit(ctx);
    return core.register(ctx.core, input);
  }),
  login: publicProcedure.input(core.LoginInput).mutation(async ({ ctx, input }) => {
    await loginLimit(ctx);
    return core.login(ctx.core, input);
  }),
  refresh: publicProcedure.input(core.RefreshInput).mutation(async ({ ctx, input }) => {
    await loginLimit(ctx);
    return core.refreshSession(ctx.core, input);
  }),
  logout: authedProcedure
    .input(core.LogoutInput)
    .mutation(({ ctx, input }) => core.logout(ctx.core, input)),
  me: authedProcedure.query(({ ctx }) => core.getMe(ctx.core)),
  updateMe: authedProcedure
    .input(core.UpdateMeInput)
    .mutation(({ ctx, input }) => core.updateMe(ctx.core, input)),
  changePassword: authedProcedure
    .input(core.ChangePasswordInput)
    .mutation(({ ctx, input }) => core.changePassword(ctx.core, input)),
  passwordReset: passwordResetRouter,
});

export const listingsRouter = router({
  list: authedProcedure
    .input(core.ListListingsInput)
    .query(({ ctx, input }) => core.listListings(ctx.core, input)),
  byId: authedProcedure
    .input(id.extend({ marketplace: core.Marketplace.optional() }))
    .query(({ ctx, input }) => core.getListing(ctx.core, input.id, input.marketplace)),
  create: authedProcedure
    // Loose, as on REST: the verb names the keys it ignores in `warnings`.
    .input(core.CreateListingInput.loose())
    .mutation(({ ctx, input }) => core.createListing(ctx.core, input)),
  update: authedProcedure
    .input(core.UpdateListingInput.extend({ id: z.string().max(100) }).loose())
    .mutation(({ ctx, input: { id, ...patch } }) => core.updateListing(ctx.core, id, patch)),
  remove: authedProcedure
    .input(id)
    .mutation(({ ctx, input }) => core.deleteListing(ctx.core, input.id)),
  bulkUpsert: authedProcedure
    .input(core.BulkUpsertInput)
    .mutation(({ ctx, input }) => core.bulkUpsertListings(ctx.core, input)),
  bulkDelete: authedProcedure
    .input(core.BulkDeleteInput)
    .mutation(({ ctx, input }) => core.bulkDeleteListings(ctx.core, input)),
});

export const templatesRouter = router({
  list: authedProcedure
    .input(core.ListTemplatesInput.optional())
    .query(({ ctx, input }) => core.listTemplates(ctx.core, input)),
  byId: authedProcedure.input(id).query(({ ctx, input }) => core.getTemplate(ctx.core, input.id)),
  create: authedProcedure
    .input(core.CreateTemplateInput)
    .mutation(({ ctx, input }) => core.createTemplate(ctx.core, input)),
  update: authedProcedure
    .input(core.UpdateTemplateInput.extend({ id: z.string().max(100) }))
    .mutation(({ ctx, input: { id, ...patch } }) => core.updateTemplate(ctx.core, id, patch)),
  remove: authedProcedure
    .input(id)
    .mutation(({ ctx, input }) => core.deleteTemplate(ctx.core, input.id)),
  applyTo: authedProcedure
    .input(core.ApplyTemplateInput.extend({ id: z.string().max(100) }))
    .mutation(({ ctx, input: { id, ...rest } }) => core.applyTemplate(ctx.core, id, rest)),
});

export const changeSetsRouter = router({
  list: authedProcedure
    .input(core.ListChangeSetsInput)
    .query(({ ctx, input }) => core.listChangeSets(ctx.core, input)),
  byId: authedProcedure
    .input(core.GetChangeSetInput)
    .query(({ ctx, input }) => core.getChangeSet(ctx.core, input)),
  undo: authedProcedure
    .input(id)
    .mutation(({ ctx, input }) => core.undoChangeSet(ctx.core, input.id)),
  redo: authedProcedure
    .input(id)
    .mutation(({ ctx, input }) => core.redoChangeSet(ctx.core, input.id)),
});

/** `apply` is a reserved name in tRPC routers, so applying an edit is `execute`. */
export const bulkEditsRouter = router({
  preview: authedProcedure
    .input(core.BulkEditInput)
    .mutation(({ ctx, input }) => core.previewBulkEdit(ctx.core, input)),
  execute: authedProcedure
    .input(core.BulkEditInput)
    .mutation(({ ctx, input }) => core.applyBulkEdit(ctx.core, input)),
});

/**
 * Takes the `file` of a FormData upload (the console's path; REST streams instead): checks size,
 * counts it against the upload limit, and stores it.
 */
async function storeFormFile(ctx: TrpcContext, input: FormData, kind: string, maxBytes: number) {
  const file = input.get("file");
  if (!(file instanceof File))
    throw new core.CoreError("BAD_REQUEST", "Send the file in the field 'file'");
  if (file.size > maxBytes)
    throw new core.CoreError(
      "PAYLOAD_TOO_LARGE",
      `Files are limited to ${Math.round(maxBytes / 1024 / 1024)} MB`,
    );
  if (file.size === 0) throw new core.CoreError("BAD_REQUEST", "The uploaded file is empty");
  const actor = core.requireActor(ctx.core, "write");
  const d = await ctx.deps.rateLimits.uploads.consume(`u:${actor.userId}`);
  if (!d.allowed && !d.unavailable)
    throw new core.CoreError("RATE_LIMITED", `Too many uploads; retry in ${d.resetSeconds} s`, {
      retryAfterSeconds: d.resetSeconds,
    });
  const bytes = new Uint8Array(await file.arrayBuffer());
  const storageKey = core.newStorageKey(actor.userId, kind);
  await ctx.core.storage.put(storageKey, bytes);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { fileName: file.name.slice(0, 255) || "upload", size: file.size, sha256, storageKey };
}

/** Imports for the console; the file arrives as FormData (field `file` plus option fields). */
export const importsRouter = router({
  upload: authedProcedure.input(z.instanceof(FormData)).mutation(async ({ ctx, input }) => {
    const fields: Record<string, string> = {};
    for (const [k, v] of input.entries()) if (typeof v === "string") fields[k] = v;
    const options = core.importOptionsFromFields(fields);
    const file = await storeFormFile(ctx, input, "imports", ctx.deps.config.MAX_IMPORT_BYTES);
    return core.createImport(ctx.core, file, options, fields.idempotencyKey);
  }),
  list: authedProcedure
    .input(core.ListImportsInput)
    .query(({ ctx, input }) => core.listImports(ctx.core, input)),
  byId: authedProcedure.input(id).query(({ ctx, input }) => core.getImport(ctx.core, input.id)),
  analyze: authedProcedure
    .input(core.ReanalyzeImportInput.extend({ id: z.string().max(100) }))
    .mutation(({ ctx, input: { id, ...rest } }) => core.analyzeImport(ctx.core, id, rest)),
  commit: authedProcedure
    .input(
      core.CommitImportInput.extend({
        id: z.string().max(100),
        idempotencyKey: z.string().max(200).optional(),
      }),
    )
    .mutation(({ ctx, input: { id, idempotencyKey, ...rest } }) =>
      core.requestImportCommit(ctx.core, id, rest, idempotencyKey),
    ),
  undo: authedProcedure.input(id).mutation(({ ctx, input }) => core.undoImport(ctx.core, input.id)),
  redo: authedProcedure.input(id).mutation(({ ctx, input }) => core.redoImport(ctx.core, input.id)),
});

export const mappingProfilesRouter = router({
  list: authedProcedure.query(({ ctx }) => core.listMappingProfiles(ctx.core)),
  create: authedProcedure
    .input(core.CreateMappingProfileInput)
    .mutation(({ ctx, input }) => core.createMappingProfile(ctx.core, input)),
  remove: authedProcedure
    .input(id)
    .mutation(({ ctx, input }) => core.deleteMappingProfile(ctx.core, input.id)),
});

/** Exports for the console always run as jobs; `downloadUrl` is a signed link the browser can open. */
export const exportsRouter = router({
  create: authedProcedure.input(core.ExportInput).mutation(async ({ ctx, input }) => {
    const actor = core.requireActor(ctx.core, "read");
    const d = await ctx.deps.rateLimits.exports.consume(`u:${actor.userId}`);
    if (!d.allowed && !d.unavailable)
      throw new core.CoreError("RATE_LIMITED", `Too many exports; retry in ${d.resetSeconds} s`, {
        retryAfterSeconds: d.resetSeconds,
      });
    const r = await core.startExport(ctx.core, { ...input, mode: "job" });
    if (r.kind !== "job") throw new core.CoreError("INTERNAL", "Export was not queued");
    return r.export;
  }),
  list: authedProcedure
    .input(core.ListExportsInput.optional())
    .query(({ ctx, input }) => core.listExports(ctx.core, input)),
  byId: authedProcedure.input(id).query(({ ctx, input }) => core.getExport(ctx.core, input.id)),
});

/** OCR scans for the console; files arrive as FormData (field `file`). */
export const ocrRouter = router({
  upload: authedProcedure.input(z.instanceof(FormData)).mutation(async ({ ctx, input }) => {
    const file = await storeFormFile(ctx, input, "ocr", ctx.deps.config.MAX_OCR_BYTES);
    return core.createScan(ctx.core, file, ctx.deps.config.MAX_OCR_BYTES);
  }),
  list: authedProcedure
    .input(core.ListScansInput.optional())
    .query(({ ctx, input }) => core.listScans(ctx.core, input)),
  byId: authedProcedure.input(id).query(({ ctx, input }) => core.getScan(ctx.core, input.id)),
  update: authedProcedure
    .input(core.UpdateScanInput.extend({ id: z.string().max(100) }))
    .mutation(({ ctx, input: { id, ...rest } }) => core.updateScan(ctx.core, id, rest)),
  convert: authedProcedure
    .input(core.ConvertScanInput.extend({ id: z.string().max(100) }))
    .mutation(({ ctx, input: { id, ...rest } }) => core.convertScan(ctx.core, id, rest)),
  rerun: authedProcedure.input(id).mutation(({ ctx, input }) => core.rerunScan(ctx.core, input.id)),
  cancel: authedProcedure
    .input(id)
    .mutation(({ ctx, input }) => core.cancelScan(ctx.core, input.id)),
  remove: authedProcedure
    .input(id)
    .mutation(({ ctx, input }) => core.deleteScan(ctx.core, input.id)),
});

/** Semantic search, duplicates and AI assistance. */
export const searchRouter = router({
  query: authedProcedure
    .input(core.SearchListingsInput)
    .query(({ ctx, input }) => core.searchListings(ctx.core, input)),
  similar: authedProcedure
    .input(id.extend({ limit: z.number().int().min(1).max(50).default(10) }))
    .query(({ ctx, input }) => core.similarListings(ctx.core, input.id, input.limit)),
  duplicates: authedProcedure
    .input(core.ListDuplicatesInput)
    .query(({ ctx, input }) => core.listDuplicates(ctx.core, input)),
  mergeDuplicates: authedProcedure
    .input(core.MergeDuplicatesInput)
    .mutation(({ ctx, input }) => core.mergeDuplicates(ctx.core, input)),
  aiSuggest: authedProcedure
    .input(core.AiSuggestInput)
    .mutation(({ ctx, input }) => core.aiSuggest(ctx.core, input)),
  aiApply: authedProcedure
    .input(core.AiApplyInput)
    .mutation(({ ctx, input }) => core.aiApply(ctx.core, input)),
  aiAsk: authedProcedure
    .input(core.AiAskInput)
    .mutation(({ ctx, input }) => core.aiAsk(ctx.core, input)),
  reindex: authedProcedure.mutation(({ ctx }) => core.requestReindex(ctx.core)),
});

export const apiKeysRouter = router({
  list: authedProcedure
    .input(core.ListApiKeysInput.optional())
    .query(({ ctx, input }) => core.listApiKeys(ctx.core, input)),
  create: authedProcedure
    .input(core.CreateApiKeyInput)
    .mutation(({ ctx, input }) => core.createApiKey(ctx.core, input)),
  revoke: authedProcedure
    .input(id)
    .mutation(({ ctx, input }) => core.revokeApiKey(ctx.core, input.id)),
});

export const auditLogsRouter = router({
  list: authedProcedure
    .input(core.ListAuditLogsInput)
    .query(({ ctx, input }) => core.listAuditLogs(ctx.core, input)),
});

export const systemRouter = router({
  /** Backend status for the console's indicator. */
  status: publicProcedure.query(({ ctx }) => ({
    version: ctx.deps.version,
    time: new Date().toISOString(),
  })),
});

/** The console's whole API surface. */
export const appRouter = router({
  auth: authRouter,
  listings: listingsRouter,
  templates: templatesRouter,
  changeSets: changeSetsRouter,
  bulkEdits: bulkEditsRouter,
  imports: importsRouter,
  mappingProfiles: mappingProfilesRouter,
  exports: exportsRouter,
  search: searchRouter,
  ocr: ocrRouter,
  apiKeys: apiKeysRouter,
  auditLogs: auditLogsRouter,
  system: systemRouter,
  analytics: analyticsRouter,
  admin: adminRouter,
});
export type AppRouter = typeof appRouter;
