import * as core from "@mbe/core";
import { queuesTicketUrl } from "../../routes/queues-dashboard";
import { authedProcedure, router } from "../init";

/** Administration: accounts, unlock, deactivate, system stats (role admin; every action audited). */
export const adminRouter = router({
  users: authedProcedure
    .input(core.ListUsersInput)
    .query(({ ctx, input }) => core.listUsers(ctx.core, input)),
  unlockUser: authedProcedure
    .input(core.UserIdInput)
    .mutation(({ ctx, input }) => core.unlockUser(ctx.core, input)),
  deactivateUser: authedProcedure
    .input(core.UserIdInput)
    .mutation(({ ctx, input }) => core.deactivateUser(ctx.core, input)),
  reactivateUser: authedProcedure
    .input(core.UserIdInput)
    .mutation(({ ctx, input }) => core.reactivateUser(ctx.core, input)),
  stats: authedProcedure.query(({ ctx }) => core.systemStats(ctx.core)),
  /** A one-time link that opens the BullMQ dashboard (/admin/queues) in this browser. */
  queuesTicket: authedProcedure.mutation(async ({ ctx }) => {
    const t = await core.issueQueuesTicket(ctx.core);
    return {
      url: queuesTicketUrl(t.ticket),
      expiresInSeconds: t.expiresInSeconds,
    };
  }),
});
