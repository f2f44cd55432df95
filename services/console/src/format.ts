// Formatting of dates, counts and shares for the console's pages. Dates are
// shown in Europe/Oslo whatever the browser's zone, as the services count
// them.
import type { Translator } from "./i18n";

const zone = "Europe/Oslo";

function locale(tr: Translator): string {
  return tr.lang === "nb" ? "nb-NO" : "en-GB";
}

export function formatDate(tr: Translator, d: Date): string {
  return new Intl.DateTimeFormat(locale(tr), { timeZone: zone, day: "numeric", month: "short", year: "numeric" }).format(d);
}

export function formatDateTime(tr: Translator, d: Date): string {
  return new Intl.DateTimeFormat(locale(tr), {
    timeZone: zone, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
  }).format(d);
}

/** A calendar date "YYYY-MM-DD" as the services send it, shown as a date. */
export function formatDay(tr: Translator, day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  return new Intl.DateTimeFormat(locale(tr), { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" })
    .format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))));
}

export function formatNumber(tr: Translator, n: number, digits = 0): string {
  return new Intl.NumberFormat(locale(tr), { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(n);
}

/** A share 0..1 as a whole percentage. */
export function formatShare(tr: Translator, share: number): string {
  return tr.t("percent", { n: formatNumber(tr, Math.round(share * 100)) });
}

export function formatDays(tr: Translator, days: number): string {
  return tr.t("days", { n: formatNumber(tr, days, 1) });
}

/**
 * A de-identified count: the number when the service sent one, otherwise
 * the suppression mark. An absent count is never shown as 0.
 */
export function formatCount(tr: Translator, n: number | undefined, suppressed: boolean): string {
  if (suppressed || n === undefined) return tr.t("suppressed");
  return formatNumber(tr, n);
}

/** "YYYY-MM-DD" of a date in Europe/Oslo, for date inputs and requests. */
export function isoDay(d: Date): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** The instant a calendar day begins in Europe/Oslo (to within the zone's offset on that day). */
export function startOfOsloDay(day: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  const utcMidnight = Date.UTC(y, m - 1, d);
  // Oslo is UTC+1 or UTC+2; find the offset that day at noon.
  const noon = new Date(utcMidnight + 12 * 3600_000);
  const osloNoon = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", hourCycle: "h23" }).format(noon);
  const offsetHours = Number(osloNoon) - 12;
  return new Date(utcMidnight - offsetHours * 3600_000);
}
