// The console in Debian's chromium against a real `stafett dev --demo`.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ContactKind } from "../../src/gen/stafett/continuity/v1/continuity_pb";
import { inDateOrder } from "../../src/pages/clinician";
import units from "../../../suite/internal/demo/units.json";
import messages from "../../src/i18n/messages.json";
import { axe, clinicianToken, failing, grpc, launch, opsToken, screenshot, signIn, stafett, type Browser } from "./helpers";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const nodeKey = (n: { unit?: { herId: string; orgNumber: string }; role: string } | undefined) =>
  `${n?.unit?.herId ?? ""}|${n?.unit?.orgNumber ?? ""}|${n?.role ?? ""}`;

describe("ops", () => {
  test("the graph draws every node of GetHandoffGraph with a readable label naming its unit and role", async () => {
    const graph = await grpc(opsToken()).handoffs.getHandoffGraph({});
    expect(graph.nodes.length).toBeGreaterThan(3);
    const page = await browser.context.newPage();
    await signIn(page, "ops");
    for (const n of graph.nodes) {
      const g = page.locator(`g.node[data-node="${nodeKey(n)}"]`);
      await expect.poll(() => g.count()).toBe(1);
      const label = (await g.locator("text").textContent()) ?? "";
      const unitName = units.units.find((u) => u.her_id === n.unit?.herId)?.name;
      expect(unitName, `the demo register names ${n.unit?.herId}`).toBeTruthy();
      expect(label).toContain(unitName);
      expect(label).toContain((messages.nb as Record<string, string>)[`role.${n.role}`]);
      // Readable: real text at 12px or more, inside its box and on the canvas.
      const fit = await g.evaluate((el) => {
        const text = el.querySelector("text")!;
        const box = el.querySelector("rect")!.getBBox();
        const t = text.getBBox();
        return { size: parseFloat(getComputedStyle(text).fontSize), inside: t.width <= box.width && t.height <= box.height, visible: t.width > 0 };
      });
      expect(fit.size).toBeGreaterThanOrEqual(12);
      expect(fit.inside, `label of ${nodeKey(n)} fits its box`).toBe(true);
      expect(fit.visible).toBe(true);
    }
    await page.close();
  });

  test("a suppressed cell is drawn hatched and labelled hidden, with a legend saying why", async () => {
    const graph = await grpc(opsToken()).handoffs.getHandoffGraph({});
    const suppressed = graph.nodes.filter((n) => n.suppressed);
    expect(suppressed.length).toBeGreaterThan(0);
    const page = await browser.context.newPage();
    await signIn(page, "ops");
    for (const n of graph.nodes) {
      const g = page.locator(`g.node[data-node="${nodeKey(n)}"]`);
      expect(await g.getAttribute("class")).toContain(n.suppressed ? "suppressed" : "node");
      const text = (await g.textContent()) ?? "";
      if (n.suppressed) {
        expect(await g.locator("rect.hatch").count()).toBe(1);
        expect(text).toContain(messages.nb["suppressed.long"]);
      } else {
        expect(text).toContain(String(n.patients));
        expect(await g.getAttribute("class")).not.toContain("suppressed");
      }
    }
    await expect.poll(() => page.locator(".legend .legend-suppressed").textContent()).toContain(messages.nb["legend.suppressed"]);
    await page.close();
  });

  test("an ops user sees no patient id anywhere in the DOM, in either language and with the tables open", async () => {
    for (const lang of ["nb", "en"]) {
      const page = await browser.context.newPage();
      await signIn(page, "ops", lang);
      await page.locator(".graph-tables summary").click();
      const html = await page.evaluate(() => document.documentElement.outerHTML);
      expect(html).not.toMatch(/pt_[a-z2-7]/);
      expect(html).toContain(lang === "nb" ? messages.nb["ops.title"] : messages.en["ops.title"]);
      await page.close();
    }
  });

  test("every per-unit count under 5 is shown hidden, never as a number", async () => {
    const page = await browser.context.newPage();
    await signIn(page, "ops");
    const cells = await page.locator("table.counts td:last-child, .graph-tables td").allTextContents();
    for (const c of cells) {
      const n = Number(c.trim());
      if (c.trim() !== "" && Number.isInteger(n)) expect(n).toBeGreaterThanOrEqual(5);
    }
    expect(await page.locator("table.counts .suppressed-mark").count()).toBeGreaterThan(0);
    await page.close();
  });

  test("the time filter narrows the graph to the period asked for", async () => {
    const page = await browser.context.newPage();
    await signIn(page, "ops");
    const before = await page.locator("g.node").count();
    // A period long before the demo's first event holds no handoffs at all.
    await page.fill('input[name="from"]', "2001-01-01");
    await page.fill('input[name="to"]', "2001-12-31");
    await page.click('form.filter button[type="submit"]');
    await expect.poll(() => page.locator(".graph-body .empty").count()).toBe(1);
    expect(page.url()).toContain("from=2001-01-01");
    await page.click("form.filter button.secondary");
    await expect.poll(() => page.locator("g.node").count()).toBe(before);
    await screenshot(page, "ops");
    await page.close();
  });
});

describe("clinician", () => {
  test("a journey's entries are shown in date order, all of them", async () => {
    const { youngAdult } = stafett();
    const journey = await grpc(clinicianToken()).handoffs.getPatientJourney({ patientId: youngAdult });
    const page = await browser.context.newPage();
    await signIn(page, "clinician");
    await expect.poll(() => page.locator("li.entry").count()).toBe(journey.entries.length);
    const shown = await page.locator("li.entry").evaluateAll((els) => els.map((e) => ({ at: (e as HTMLElement).dataset.at!, seq: (e as HTMLElement).dataset.seq! })));
    const times = shown.map((e) => Date.parse(e.at));
    expect(times.every((t, i) => i === 0 || times[i - 1] <= t)).toBe(true);
    // The demo backdates contacts, so date order is not the stream order the service sends.
    const expected = inDateOrder(journey.entries).map((e) => String(e.sequence));
    expect(shown.map((e) => e.seq)).toEqual(expected);
    expect(journey.entries.map((e) => String(e.sequence))).not.toEqual(expected);
    await page.close();
  });

  test("a command made over gRPC shows up on the watching page within 5 seconds", async () => {
    const { youngAdult } = stafett();
    const api = grpc(clinicianToken());
    const team = await api.continuity.getCareTeam({ patientId: youngAdult });
    const rel = team.relationships.find((r) => r.active && r.professionalId === "hpr:7008")!;
    expect(rel).toBeTruthy();
    const page = await browser.context.newPage();
    await signIn(page, "clinician");
    await expect.poll(() => page.locator('.live-status[data-live="open"]').count()).toBe(1);
    const before = await page.locator('li.entry[data-kind="CONTACT"]').count();
    await api.continuity.recordContact({ requestId: `browser-${Date.now()}`, relationshipId: rel.relationshipId, kind: ContactKind.PHONE });
    const sent = Date.now();
    await page.waitForFunction((n) => document.querySelectorAll('li.entry[data-kind="CONTACT"]').length > n, before, { timeout: 5_000 });
    expect(Date.now() - sent).toBeLessThan(5_000);
    // The newest entry is last in date order, marked new, and announced.
    const last = page.locator("li.entry").last();
    expect(await last.getAttribute("data-kind")).toBe("CONTACT");
    expect(await last.getAttribute("class")).toContain("new");
    await expect.poll(() => page.locator("#live").textContent()).toContain("1");
    await screenshot(page, "clinician");
    await page.close();
  });

  test("the care team shows roles and warm or cold handoffs", async () => {
    const page = await browser.context.newPage();
    await signIn(page, "clinician");
    await expect.poll(() => page.locator("table.team tbody tr").count()).toBeGreaterThan(3);
    const teamText = await page.locator("table.team").textContent();
    expect(teamText).toContain(messages.nb["role.ROLE_THERAPIST"]);
    expect(await page.locator(".handoffs .badge.warm").count()).toBeGreaterThan(0);
    await page.close();
  });
});

describe("patient", () => {
  test("the patient's access log lists the read the clinician just made", async () => {
    const { youngAdult } = stafett();
    const readAt = Date.now();
    await grpc(clinicianToken()).continuity.getCareTeam({ patientId: youngAdult });
    const page = await browser.context.newPage();
    await signIn(page, "patient");
    const rows = await page.locator("table.access-log tbody tr").evaluateAll((trs) =>
      trs.map((tr) => ({ at: tr.querySelector("time")?.getAttribute("datetime") ?? "", text: tr.textContent ?? "" })));
    const read = rows.find((r) => Date.parse(r.at) >= readAt - 1_000 && r.text.includes("hpr:7001") && r.text.includes(messages.nb["category.CATEGORY_RELATIONSHIPS"]));
    expect(read, "the clinician's read of the care team").toBeTruthy();
    expect(read!.text).toContain("Elvebyen DPS");
    // Newest first.
    const times = rows.map((r) => Date.parse(r.at));
    expect(times.every((t, i) => i === 0 || times[i - 1] >= t)).toBe(true);
    await screenshot(page, "patient");
    await page.close();
  });

  test("the patient allows and takes back contact after the end", async () => {
    const page = await browser.context.newPage();
    await signIn(page, "patient");
    await page.selectOption('select[name="professional"]', "hpr:7008");
    await page.click(".contact-form button[type=submit]");
    await expect.poll(() => page.locator('.current[data-contact="allowed"]').textContent()).toContain("hpr:7008");
    await page.getByRole("button", { name: messages.nb["contact.revoke"] }).click();
    await expect.poll(() => page.locator('.current[data-contact="none"]').count()).toBe(1);
    await page.close();
  });

  test("withdrawing a consent from the patient page withdraws it in the consent service", async () => {
    const { youngAdult } = stafett();
    const page = await browser.context.newPage();
    await signIn(page, "patient");
    const button = page.getByRole("button", { name: /Trekk tilbake samtykket til ext:889640782:nav-1/ });
    await button.click();
    await expect.poll(() => page.locator("table.consents").count()).toBe(0);
    const list = await grpc(clinicianToken()).consent.listConsents({ patientId: youngAdult, includeInactive: true });
    const nav = list.consents.find((c) => c.grantee?.grantee.case === "professionalId" && c.grantee.grantee.value === "ext:889640782:nav-1");
    expect(nav?.withdrawnAt && timestampDate(nav.withdrawnAt).getTime()).toBeGreaterThan(0);
    await page.close();
  });
});

describe("sign-in", () => {
  test("a token that runs out while the page is open sends the user back to sign in, with no error page", async () => {
    // A browser of its own: Playwright's fake clock governs every page of a context.
    const own = await launch();
    const page = await own.context.newPage();
    await page.clock.install();
    await signIn(page, "clinician");
    await page.clock.fastForward("08:00:01");
    await page.waitForURL(/\/console\/signin\?.*expired=1/);
    expect(await page.locator(".notice").textContent()).toBe(messages.nb["signin.expired"]);
    expect(await page.locator(".error").count()).toBe(0);
    await screenshot(page, "signin");
    await own.close();
  });

  test("a token the suite rejects sends the user back to sign in, with no error page", async () => {
    const page = await browser.context.newPage();
    await signIn(page, "ops");
    await page.evaluate(() => {
      const raw = sessionStorage.getItem("stafett.token")!;
      const [h, p, sig] = raw.split(".");
      sessionStorage.setItem("stafett.token", [h, p, sig.slice(0, -4) + (sig.endsWith("AAAA") ? "BBBB" : "AAAA")].join("."));
    });
    await page.reload();
    await page.waitForURL(/\/console\/signin\?.*expired=1/);
    expect(await page.locator(".error").count()).toBe(0);
    await page.close();
  });

  test("without a token every page leads to sign-in", async () => {
    const page = await browser.context.newPage();
    for (const p of ["", "ops", "clinician", "patient"]) {
      await page.goto(`${stafett().httpUrl}/console/${p}`);
      await page.waitForURL(/\/console\/signin/);
    }
    await page.close();
  });
});

describe("accessibility and policy", () => {
  const pages: { name: string; open: (p: import("playwright-core").Page) => Promise<void> }[] = [
    { name: "sign-in", open: async (p) => void (await p.goto(`${stafett().httpUrl}/console/signin`)) },
    { name: "ops", open: (p) => signIn(p, "ops") },
    { name: "clinician", open: (p) => signIn(p, "clinician") },
    { name: "patient", open: (p) => signIn(p, "patient") },
    { name: "ops in English", open: (p) => signIn(p, "ops", "en") },
    { name: "token", open: async (p) => {
      await p.goto(`${stafett().httpUrl}/console/token`);
      await p.locator("textarea").waitFor();
    } },
  ];
  for (const { name, open } of pages) {
    test(`axe finds no WCAG 2.1 A/AA violation and nothing serious or critical on the ${name} page`, async () => {
      const page = await browser.context.newPage();
      await open(page);
      const bad = failing(await axe(page));
      expect(bad, JSON.stringify(bad, null, 2)).toEqual([]);
      await page.close();
    });
  }

  test("the axe harness reports violations where there are some", async () => {
    // A check that could never fail would prove nothing: a page with an
    // unlabelled field and an image without alt text must fail it.
    const page = await browser.context.newPage();
    await page.setContent('<html lang="nb"><head><title>x</title></head><body><main><img src="data:,"><input type="text"></main></body></html>');
    const ids = failing(await axe(page)).map((v) => v.id);
    expect(ids).toContain("image-alt");
    expect(ids).toContain("label");
    await page.close();
  });

  test("an inline script is refused on a console page, and the refusal is seen", async () => {
    const own = await launch();
    const page = await own.context.newPage();
    await page.goto(`${stafett().httpUrl}/console/signin`);
    await page.evaluate(() => {
      const el = document.createElement("script");
      el.textContent = "window.inlineRan = true";
      document.body.append(el);
    });
    expect(await page.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan)).toBeUndefined();
    await expect.poll(() => own.cspViolations.length).toBeGreaterThan(0);
    await own.close();
  });

  test("every page is served with a policy that allows no inline script, and breaks none of it", async () => {
    const page = await browser.context.newPage();
    const res = await page.goto(`${stafett().httpUrl}/console/ops`);
    const csp = res!.headers()["content-security-policy"];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    // Without a token the page moves on to sign-in by itself; let it arrive.
    await page.waitForURL(/\/console\/signin/);
    await signIn(page, "ops");
    await signIn(page, "clinician");
    await signIn(page, "patient");
    expect(browser.cspViolations).toEqual([]);
    await page.close();
  });

  test("the pages can be used with the keyboard alone: skip link first, then the controls in order", async () => {
    const page = await browser.context.newPage();
    await signIn(page, "ops");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("skip-link");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    // From the main content, Tab reaches the time filter, and Enter in it applies the filter.
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name === "from");
    }
    expect(reached).toBe(true);
    await page.keyboard.type("01012001");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.url()).toContain("from=2001-01-01");
    await page.close();
  });
});
