import nodemailer from "nodemailer";
import type { Logger } from "../context";
import { createLogMailer, type Mailer } from "./mailer";

export interface SmtpMailerOptions {
  /** `smtp://user:pass@host:port` or `smtps://…`; absent → messages go to the log. */
  url?: string;
  /** The From header, e.g. `Bulk Editor <no-reply@example.com>`. */
  from: string;
  log: Logger;
}

/** An SMTP mailer (nodemailer) or, without a URL, the log mailer. */
export function createMailer(opts: SmtpMailerOptions): Mailer & { close(): void } {
  if (!opts.url) return { ...createLogMailer(opts.log), close() {} };
  const transport = nodemailer.createTransport(opts.url);
  return {
    async send(msg) {
      await transport.sendMail({
        from: opts.from,
        to: msg.to,
        subject: msg.subject,
        text: msg.text,
        ...(msg.html ? { html: msg.html } : {}),
      });
    },
    close() {
      transport.close();
    },
  };
}
