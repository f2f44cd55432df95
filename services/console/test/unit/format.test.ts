import { describe, expect, test } from "vitest";
import { translator } from "../../src/i18n";
import { formatCount, formatDay, formatShare, isoDay, startOfOsloDay } from "../../src/format";
import { parseToken, expired } from "../../src/auth";

const nb = translator("nb");
const en = translator("en");

describe("counts", () => {
  test("an absent or suppressed count is shown hidden, never as 0", () => {
    expect(formatCount(nb, undefined, false)).toBe("Skjult");
    expect(formatCount(nb, 12, true)).toBe("Skjult");
    expect(formatCount(en, undefined, true)).toBe("Hidden");
    expect(formatCount(nb, 0, false)).toBe("0");
    expect(formatCount(nb, 1234, false)).toBe("1\u00a0234");
  });

  test("shares are whole percentages in the page's language", () => {
    expect(formatShare(nb, 0.8333)).toBe("83 %");
    expect(formatShare(en, 1)).toBe("100%");
  });
});

describe("dates", () => {
  test("are Oslo dates whatever the browser's zone", () => {
    // 23:30 UTC on 31 March 2026 is already 1 April in Oslo (summer time).
    expect(isoDay(new Date(Date.UTC(2026, 2, 31, 23, 30)))).toBe("2026-04-01");
    expect(isoDay(new Date(Date.UTC(2026, 0, 15, 22, 59)))).toBe("2026-01-15");
    expect(isoDay(new Date(Date.UTC(2026, 0, 15, 23, 0)))).toBe("2026-01-16");
  });

  test("a day starts at Oslo midnight, in winter and in summer time", () => {
    expect(startOfOsloDay("2026-01-15").toISOString()).toBe("2026-01-14T23:00:00.000Z");
    expect(startOfOsloDay("2026-07-01").toISOString()).toBe("2026-06-30T22:00:00.000Z");
  });

  test("calendar days from the services are shown as they are, not shifted by a zone", () => {
    expect(formatDay(en, "2026-03-01")).toBe("1 Mar 2026");
    expect(formatDay(nb, "not a day")).toBe("not a day");
  });
});

describe("tokens", () => {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const jwt = (claims: object) => `${b64({ alg: "EdDSA" })}.${b64(claims)}.c2ln`;

  test("the console reads the role, organisation and expiry of a HelseID-shaped token", () => {
    const tok = parseToken(jwt({ exp: 2000, "stafett://claims/role": "clinician", "helseid://claims/client/claims/orgnr_parent": "983974724",
      "helseid://claims/client/claims/orgnr_child": "974760673", "helseid://claims/hpr/hpr_number": "7001" }))!;
    expect(tok.claims).toEqual({ exp: 2000, role: "clinician", org: "974760673", hpr: "7001", pid: undefined });
    expect(expired(tok, 1_999_999)).toBe(false);
    expect(expired(tok, 2_000_000)).toBe(true);
  });

  test("a token without an expiry counts as expired, and garbage is no token", () => {
    expect(expired(parseToken(jwt({ sub: "x" }))!, 0)).toBe(true);
    expect(parseToken("not.a.jwt")).toBeNull();
    expect(parseToken("only-one-part")).toBeNull();
  });
});
