import * as core from "@mbe/core";
import { z } from "zod";
import { authedProcedure, publicProcedure, router } from "./init";
import { adminRouter } from "./routers/admin";
import { analyticsRouter } from "./routers/analytics";

const id = z.object({ id: z.string().max(100) });

async function loginLimit(ctx: { deps: { rateLimits: { login: { consume(k: string): Promise<{ allowed: boolean; unavailable?: boolean; resetSeconds: number }> } } }; ip: string }) {
  const d = await ctx.deps.rateLimits.login.consume(`ip:${ctx.ip}`);
  if (d.unavailable) throw new core.CoreError("SERVICE_UNAVAILABLE", "Sign-in is briefly unavailable; try again shortly", { retryAfterSeconds: d.resetSeconds });
  if (!d.allowed) throw new core.CoreError("RATE_LIMITED", `Too many attempts; retry in ${d.resetSeconds} s`, { retryAfterSeconds: d.resetSeconds });
}

export const authRouter = router({
  register: publicProcedure.input(core.RegisterInput).mutation(async ({ ctx, input }) => {
    await loginLimit(ctx);
    return core.register(ctx.core, input);
  }),
  login: publicProcedure.input(core.LoginInput).mutation(async ({ ctx, input }) => {
    await loginLimit(ctx);
    return core.login(ctx.core, input);
  }),
  refresh: publicProcedure.input(core.RefreshInput).mutation(({ ctx, input }) => core.refreshSession(ctx.core, input)),
  logout: authedProcedure.input(core.LogoutInput).mutation(({ ctx, input }) => core.logout(ctx.core, input)),
  me: authedProcedure.query(({ ctx }) => core.getMe(ctx.core)),
  updateMe: authedProcedure.input(core.UpdateMeInput).mutation(({ ctx, input }) => core.updateMe(ctx.core, input)),
  changePassword: authedProcedure.input(core.ChangePasswordInput).mutation(({ ctx, input }) => core.changePassword(ctx.core, input)),
});

export const listingsRouter = router({
  list: authedProcedure.input(core.ListListingsInput).query(({ ctx, input }) => core.listListings(ctx.core, input)),
  byId: authedProcedure
    .input(id.extend({ marketplace: core.Marketplace.optional() }))
    .query(({ ctx, input }) => core.getListing(ctx.core, input.id, input.marketplace)),
  create: authedProcedure.input(core.CreateListingInput).mutation(({ ctx, input }) => core.createListing(ctx.core, input)),
  update: authedProcedure
    .input(core.UpdateListingInput.extend({ id: z.string().max(100) }))
    .mutation(({ ctx, input: { id, ...patch } }) => core.updateListing(ctx.core, id, patch)),
  remove: authedProcedure.input(id).mutation(({ ctx, input }) => core.deleteListing(ctx.core, input.id)),
  bulkUpsert: authedProcedure.input(core.BulkUpsertInput).mutation(({ ctx, input }) => core.bulkUpsertListings(ctx.core, input)),
  bulkDelete: authedProcedure.input(core.BulkDeleteInput).mutation(({ ctx, input }) => core.bulkDeleteListings(ctx.core, input)),
});

export const templatesRouter = router({
  list: authedProcedure.query(({ ctx }) => core.listTemplates(ctx.core)),
  byId: authedProcedure.input(id).query(({ ctx, input }) => core.getTemplate(ctx.core, input.id)),
  create: authedProcedure.input(core.CreateTemplateInput).mutation(({ ctx, input }) => core.createTemplate(ctx.core, input)),
  update: authedProcedure
    .input(core.UpdateTemplateInput.extend({ id: z.string().max(100) }))
    .mutation(({ ctx, input: { id, ...patch } }) => core.updateTemplate(ctx.core, id, patch)),
  remove: authedProcedure.input(id).mutation(({ ctx, input }) => core.deleteTemplate(ctx.core, input.id)),
  applyTo: authedProcedure
    .input(core.ApplyTemplateInput.extend({ id: z.string().max(100) }))
    .mutation(({ ctx, input: { id, ...rest } }) => core.applyTemplate(ctx.core, id, rest)),
});

export const changeSetsRouter = router({
  list: authedProcedure.input(core.ListChangeSetsInput).query(({ ctx, input }) => core.listChangeSets(ctx.core, input)),
  byId: authedProcedure.input(core.GetChangeSetInput).query(({ ctx, input }) => core.getChangeSet(ctx.core, input)),
  undo: authedProcedure.input(id).mutation(({ ctx, input }) => core.undoChangeSet(ctx.core, input.id)),
  redo: authedProcedure.input(id).mutation(({ ctx, input }) => core.redoChangeSet(ctx.core, input.id)),
});

/** `apply` is a reserved name in tRPC routers, so applying an edit is `execute`. */
export const bulkEditsRouter = router({
  preview: authedProcedure.input(core.BulkEditInput).mutation(({ ctx, input }) => core.previewBulkEdit(ctx.core, input)),
  execute: authedProcedure.input(core.BulkEditInput).mutation(({ ctx, input }) => core.applyBulkEdit(ctx.core, input)),
});

export const apiKeysRouter = router({
  list: authedProcedure.query(({ ctx }) => core.listApiKeys(ctx.core)),
  create: authedProcedure.input(core.CreateApiKeyInput).mutation(({ ctx, input }) => core.createApiKey(ctx.core, input)),
  revoke: authedProcedure.input(id).mutation(({ ctx, input }) => core.revokeApiKey(ctx.core, input.id)),
});

export const auditLogsRouter = router({
  list: authedProcedure.input(core.ListAuditLogsInput).query(({ ctx, input }) => core.listAuditLogs(ctx.core, input)),
});

export const systemRouter = router({
  /** Backend status for the console's indicator. */
  status: publicProcedure.query(({ ctx }) => ({ version: ctx.deps.version, time: new Date().toISOString() })),
});

/** The console's whole API surface. */
export const appRouter = router({
  auth: authRouter,
  listings: listingsRouter,
  templates: templatesRouter,
  changeSets: changeSetsRouter,
  bulkEdits: bulkEditsRouter,
  apiKeys: apiKeysRouter,
  auditLogs: auditLogsRouter,
  system: systemRouter,
  analytics: analyticsRouter,
  admin: adminRouter,
});
export type AppRouter = typeof appRouter;
