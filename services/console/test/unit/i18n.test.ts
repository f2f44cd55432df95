import { describe, expect, test } from "vitest";
import messages from "../../src/i18n/messages.json";
import { chooseLang, translator } from "../../src/i18n";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the message catalogue", () => {
  test("has every key in both languages, none empty", () => {
    const nb = Object.keys(messages.nb).sort();
    const en = Object.keys(messages.en).sort();
    expect(en).toEqual(nb);
    for (const lang of ["nb", "en"] as const) {
      for (const [k, v] of Object.entries(messages[lang])) expect(v.trim(), `${lang} ${k}`).not.toBe("");
    }
  });

  test("uses the same placeholders in both languages", () => {
    for (const [k, v] of Object.entries(messages.nb)) {
      expect(placeholders((messages.en as Record<string, string>)[k]), k).toEqual(placeholders(v));
    }
  });

  test("names every entry kind, role, milestone and category the services send", async () => {
    const { EntryKind } = await import("../../src/gen/stafett/handoffs/v1/handoffs_service_pb");
    const { Role } = await import("../../src/gen/stafett/continuity/v1/continuity_pb");
    const { Milestone } = await import("../../src/gen/stafett/pathway/v1/pathway_pb");
    const { Category } = await import("../../src/gen/stafett/consent/v1/consent_pb");
    const keys = new Set(Object.keys(messages.nb));
    const names = (e: object) => Object.values(e).filter((v): v is string => typeof v === "string" && v !== "UNSPECIFIED");
    for (const k of names(EntryKind)) expect(keys.has(`entry.${k}`), `entry.${k}`).toBe(true);
    for (const k of names(Role)) expect(keys.has(`role.ROLE_${k}`), `role.ROLE_${k}`).toBe(true);
    for (const k of names(Milestone)) expect(keys.has(`milestone.MILESTONE_${k}`), `milestone.MILESTONE_${k}`).toBe(true);
    for (const k of names(Category)) expect(keys.has(`category.CATEGORY_${k}`), `category.CATEGORY_${k}`).toBe(true);
  });
});

describe("the language", () => {
  test("is bokmål unless English is asked for or was chosen", () => {
    expect(chooseLang("", null)).toBe("nb");
    expect(chooseLang("?lang=en", null)).toBe("en");
    expect(chooseLang("", "en")).toBe("en");
    expect(chooseLang("?lang=nb", "en")).toBe("nb");
    expect(chooseLang("?lang=de", "fr")).toBe("nb");
  });

  test("fills placeholders and falls back to the code for an unknown one", () => {
    const en = translator("en");
    expect(en.t("graph.patients", { n: 7 })).toBe("7 patients");
    expect(translator("nb").t("graph.patients", { n: 7 })).toBe("7 pasienter");
    expect(en.code("role.", "ROLE_GP")).toBe("GP");
    expect(en.code("role.", "ROLE_NEW_ONE")).toBe("ROLE_NEW_ONE");
  });
});
