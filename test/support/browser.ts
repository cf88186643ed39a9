import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { type Browser, chromium, type Locator } from "playwright-core";
import { expect } from "vitest";
import { requireService, type ServiceCheck } from "./services.js";

/** Debian's Chromium: the suite never downloads a browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether Chromium is installed; skips locally without it and fails when CI=true. */
export function requireChromium(): Promise<ServiceCheck> {
  return requireService("Chromium", () => access(CHROMIUM, constants.X_OK));
}

/** A headless Chromium quiet enough for CI: no GPU, sandbox, updates or background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

/**
 * The tester's phone: opens the QR's phone URL in its own browser context
 * (another device, so no cookie is shared with the site), picks a user and
 * answers. Resolves with the emulator's outcome (`confirmed` or `refused`).
 */
export async function answerOnPhone(
  browser: Browser,
  phoneUrl: string,
  decision: "allow" | "deny",
  userId = "lily",
): Promise<string | null> {
  const context = await browser.newContext({ viewport: { width: 375, height: 667 } });
  try {
    const phone = await context.newPage();
    await phone.goto(phoneUrl);
    await phone.check(`input[name="userId"][value="${userId}"]`);
    await phone.click(decision === "allow" ? "#allow" : "#deny");
    await phone.waitForSelector("#phone-result");
    return await phone.getAttribute("#phone-result", "data-status");
  } finally {
    await context.close();
  }
}

/** The phone URL a QR encodes, once the emulator's QR page has a live ticket. */
export async function phoneUrlOf(qr: Locator): Promise<string> {
  await expect.poll(() => qr.getAttribute("data-status")).toBe("waiting");
  const url = await qr.getAttribute("data-phone-url");
  expect(url).toBeTruthy();
  return url!;
}
