import type { Logger } from "../context";

/** One outgoing email; `text` is always sent, `html` as an alternative when given. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** The port verbs send email through; SMTP in deployments, the log when none is configured. */
export interface Mailer {
  send(msg: MailMessage): Promise<void>;
}

/**
 * Writes each message to the structured log instead of sending it, so a local `pnpm start`
 * without a mail server still shows the reset link in the console output.
 */
export function createLogMailer(log: Logger): Mailer {
  return {
    async send(msg) {
      // Links pulled out on their own so they can be copied straight from the log line.
      const links = msg.text.match(/https?:\/\/\S+/g) ?? [];
      log.info(
        { mail: { to: msg.to, subject: msg.subject, links, text: msg.text } },
        "email not sent (no SMTP_URL); its content follows",
      );
    },
  };
}
