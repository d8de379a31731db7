import { describe, expect, it } from "vitest";
import type { Logger } from "../context";
import { createMailer } from "./smtp";

function capture() {
  const lines: { obj: Record<string, unknown>; msg?: string }[] = [];
  const log: Logger = {
    info: (obj, msg) => lines.push({ obj, msg }),
    warn: (obj, msg) => lines.push({ obj, msg }),
    error: (obj, msg) => lines.push({ obj, msg }),
  };
  return { log, lines };
}

describe("mailer without SMTP_URL", () => {
  it("writes the message, with its links on their own, to the log", async () => {
    const { log, lines } = capture();
    const mailer = createMailer({ from: "Bulk Editor <no-reply@localhost>", log });
    await mailer.send({
      to: "demo@example.com",
      subject: "Reset your Bulk Editor password",
      text: "Choose a new password here:\nhttp://localhost:3000/reset-password?token=abc_DEF-123\n",
    });
    mailer.close();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.obj.mail).toEqual({
      to: "demo@example.com",
      subject: "Reset your Bulk Editor password",
      links: ["http://localhost:3000/reset-password?token=abc_DEF-123"],
      text: "Choose a new password here:\nhttp://localhost:3000/reset-password?token=abc_DEF-123\n",
    });
  });
});
