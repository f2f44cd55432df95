// Shared helpers of the browser tests: Debian's chromium through
// playwright-core (never a downloaded browser), sign-in through the dev
// sign-in page, tokens from `stafett token`, gRPC clients, and axe.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { inject } from "vitest";
import { ConsentService } from "../../src/gen/stafett/consent/v1/consent_service_pb";
import { ContinuityService } from "../../src/gen/stafett/continuity/v1/continuity_service_pb";
import { HandoffService } from "../../src/gen/stafett/handoffs/v1/handoffs_service_pb";

export const stafett = () => inject("stafett");

export const screenshots = resolve(import.meta.dirname, "../../screenshots");

export const chromiumArgs = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-quic",
];

export interface Browser {
  context: BrowserContext;
  /** Messages the page logged about its Content-Security-Policy. */
  cspViolations: string[];
  close(): Promise<void>;
}

/** A fresh chromium with an empty profile of its own. */
export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "stafett-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1400, height: 1000 },
    locale: "nb-NO",
    timezoneId: "Europe/Oslo",
  });
  const cspViolations: string[] = [];
  context.on("console", (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return {
    context,
    cspViolations,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export type Persona = "ops" | "clinician" | "coordinator" | "patient";
const landing: Record<Persona, string> = { ops: "ops", clinician: "clinician", coordinator: "clinician", patient: "patient" };

/** Signs in through the dev sign-in page and waits for the persona's page to finish loading. */
export async function signIn(page: Page, persona: Persona, lang = "nb"): Promise<void> {
  await page.goto(`${stafett().httpUrl}/console/signin?lang=${lang}`);
  await page.click(`#signin-${persona}`);
  await waitReady(page, landing[persona]);
}

export async function waitReady(page: Page, what: string): Promise<void> {
  try {
    await page.waitForFunction((w) => document.body.dataset.ready === w, what, { timeout: 30_000 });
  } catch (e) {
    // Say where the page got stuck, not only that it did.
    const text = await page.evaluate(() => document.body.innerText).catch(() => "");
    throw new Error(`${what} page not ready at ${page.url()}: ${text.slice(0, 500)}`, { cause: e });
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/** A token from `stafett token`, signed with the running suite's key. */
export function token(...args: string[]): string {
  const s = stafett();
  return execFileSync(s.bin, ["token", "--data-dir", s.dataDir, ...args], { encoding: "utf8" }).trim();
}

export const demo = {
  dpsOrg: "983974724",
  clinicianHPR: "7001",
  idaNationalId: "",
};

export function opsToken(): string {
  return token("--org", demo.dpsOrg, "--role", "ops", "--subject", "ops:test", "--scope", "handoffs:read");
}

export function clinicianToken(): string {
  return token("--hpr", demo.clinicianHPR, "--org", demo.dpsOrg, "--role", "clinician",
    "--scope", "handoffs:read", "--scope", "continuity:read", "--scope", "continuity:write", "--scope", "consent:read");
}

export interface Clients {
  handoffs: Client<typeof HandoffService>;
  continuity: Client<typeof ContinuityService>;
  consent: Client<typeof ConsentService>;
}

/** Clients speaking native gRPC (HTTP/2) to the suite, as a frontline app's backend would. */
export function grpc(bearer: string): Clients {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${bearer}`);
    return next(req);
  };
  const transport = createGrpcTransport({ baseUrl: `http://${stafett().grpcAddr}`, interceptors: [auth] });
  return {
    handoffs: createClient(HandoffService, transport),
    continuity: createClient(ContinuityService, transport),
    consent: createClient(ConsentService, transport),
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  tags: string[];
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core in the page. It is evaluated through the DevTools protocol,
 * which the page's Content-Security-Policy does not govern, so the policy
 * stays as strict under test as in use.
 */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    // @ts-expect-error axe is the global axe-core defines
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v: AxeViolation) => ({ id: v.id, impact: v.impact, tags: v.tags, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}

export const wcagTags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** Violations that fail the WCAG 2.1 AA criteria or are serious or critical. */
export function failing(vs: AxeViolation[]): AxeViolation[] {
  return vs.filter((v) => v.tags.some((t) => wcagTags.includes(t)) || v.impact === "serious" || v.impact === "critical");
}
