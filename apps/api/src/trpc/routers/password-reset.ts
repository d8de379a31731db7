import * as core from "@mbe/core";
import { publicProcedure, router } from "../init";
import { loginLimit } from "../login-limit";

/** Forgotten passwords: `request` emails a single-use link, `confirm` redeems it. */
export const passwordResetRouter = router({
  /** Same answer whether or not the email has an account. */
  request: publicProcedure
    .input(core.RequestPasswordResetInput)
    .mutation(async ({ ctx, input }) => {
      await loginLimit(ctx);
      return core.requestPasswordReset(ctx.core, input, { publicUrl: ctx.deps.config.PUBLIC_URL });
    }),
  confirm: publicProcedure
    .input(core.ConfirmPasswordResetInput)
    .mutation(async ({ ctx, input }) => {
      await loginLimit(ctx);
      return core.confirmPasswordReset(ctx.core, input);
    }),
});
