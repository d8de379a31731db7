import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import { ForgotPasswordForm } from "./forgot-password";
import { ResetPasswordScreen } from "./reset-password";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let host: HTMLDivElement;
let root: Root;
afterEach(async () => {
  await act(async () => root?.unmount());
  host?.remove();
});

async function mount(node: React.ReactNode) {
  host = document.createElement("div");
  document.body.append(host);
  root = createRoot(host);
  await act(async () => root.render(node));
}
function type(name: string, value: string) {
  const input = host.querySelector(`input[name="${name}"]`) as HTMLInputElement;
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set;
  setter?.call(input, value);
  input.dispatchEvent(new Event("input", { bubbles: true }));
}
async function submit() {
  const form = host.querySelector("form") as HTMLFormElement;
  await act(async () => form.requestSubmit());
}

describe("ForgotPasswordForm", () => {
  it("sends the email and says a link is on its way", async () => {
    const sent: string[] = [];
    await mount(
      <ForgotPasswordForm
        initialEmail="seller@example.com"
        onBack={() => {}}
        request={async (email) => {
          sent.push(email);
        }}
      />,
    );
    expect((host.querySelector('input[name="email"]') as HTMLInputElement).value).toBe(
      "seller@example.com",
    );
    await act(async () => type("email", "  other@example.com "));
    await submit();
    expect(sent).toEqual(["other@example.com"]);
    expect(host.querySelector('[role="status"]')?.textContent).toContain("other@example.com");
    expect(host.querySelector('input[name="email"]')).toBeNull();
  });

  it("shows a refusal (rate limit) and keeps the form", async () => {
    await mount(
      <ForgotPasswordForm
        onBack={() => {}}
        request={async () => {
          throw new Error("Too many attempts; retry in 40 s");
        }}
      />,
    );
    await act(async () => type("email", "a@example.com"));
    await submit();
    expect(host.querySelector('[role="alert"]')?.textContent).toBe(
      "Too many attempts; retry in 40 s",
    );
    expect(host.querySelector('input[name="email"]')).not.toBeNull();
  });
});

describe("ResetPasswordScreen", () => {
  const base = { theme: "light", onToggleTheme: () => {} };

  it("sets the password with the token from the link, then returns to sign-in", async () => {
    const calls: [string, string][] = [];
    const done: string[] = [];
    await mount(
      <ResetPasswordScreen
        {...base}
        token="tok-123"
        onDone={(n) => done.push(n)}
        confirm={async (t, p) => {
          calls.push([t, p]);
        }}
      />,
    );
    await act(async () => {
      type("password", "new-password-1");
      type("repeat", "new-password-2");
    });
    await submit();
    expect(host.querySelector('[role="alert"]')?.textContent).toBe("The two passwords differ");
    expect(calls).toEqual([]);

    await act(async () => type("repeat", "new-password-1"));
    await submit();
    expect(calls).toEqual([["tok-123", "new-password-1"]]);
    expect(done).toHaveLength(1);
    expect(done[0]).toContain("Sign in with the new one");
  });

  it("shows why the server refused the link", async () => {
    const done: string[] = [];
    await mount(
      <ResetPasswordScreen
        {...base}
        token="old"
        onDone={(n) => done.push(n)}
        confirm={async () => {
          throw new Error("This reset link has expired; request a new one");
        }}
      />,
    );
    await act(async () => {
      type("password", "new-password-1");
      type("repeat", "new-password-1");
    });
    await submit();
    expect(host.querySelector('[role="alert"]')?.textContent).toBe(
      "This reset link has expired; request a new one",
    );
    expect(done).toEqual([]);
  });

  it("explains a missing token instead of showing the form", async () => {
    await mount(<ResetPasswordScreen {...base} token={null} onDone={() => {}} />);
    expect(host.querySelector('[role="alert"]')?.textContent).toContain("reset email");
    expect(host.querySelector('input[type="password"]')).toBeNull();
  });
});
