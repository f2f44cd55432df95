// Patient: who looked at my record, and why (the access log the patient has
// a right to see), my consents with a withdraw button, and my choice about
// contact after the end.
import { requestId } from "../api";
import type { Ctx } from "../app";
import { h, table, uniqueId } from "../dom";
import { formatDate, formatDateTime } from "../format";
import { Decision, type AccessLogEntry } from "../gen/stafett/consent/v1/consent_pb";
import type { ContinuityPreference } from "../gen/stafett/continuity/v1/continuity_pb";
import * as labels from "../labels";

export async function render(ctx: Ctx): Promise<void> {
  const { tr, main } = ctx;
  const accessBody = h("div", { "aria-busy": "true" });
  const consentsBody = h("div", { "aria-busy": "true" });
  const contactBody = h("div", { "aria-busy": "true" });
  main.replaceChildren(
    h("h1", {}, tr.t("patient.title")),
    h("section", { "aria-labelledby": "access-h" }, h("h2", { id: "access-h" }, tr.t("access.title")), h("p", {}, tr.t("access.intro")), accessBody),
    h("section", { "aria-labelledby": "my-consents-h" }, h("h2", { id: "my-consents-h" }, tr.t("mine.consents.title")), consentsBody),
    h("section", { "aria-labelledby": "contact-h" }, h("h2", { id: "contact-h" }, tr.t("contact.title")), h("p", {}, tr.t("contact.intro")), contactBody),
  );
  let pid: string;
  try {
    // The patient's own token carries their national id; the pseudonym the
    // services know them by is derived from it.
    pid = (await ctx.api.consent.resolvePatient({ nationalId: ctx.token.claims.pid ?? "" }, { signal: ctx.signal })).patientId;
  } catch (e) {
    ctx.fail(e, accessBody);
    return;
  }
  await Promise.all([loadAccessLog(ctx, pid, accessBody), loadConsents(ctx, pid, consentsBody), loadContact(ctx, pid, contactBody)]);
  document.body.dataset.ready = "patient";
}

// The log is read in full (a few pages of 500) and shown newest first: the
// service pages it in the order it was written.
const accessLogLimit = 5000;
const shownStep = 100;

async function loadAccessLog(ctx: Ctx, pid: string, where: HTMLElement): Promise<void> {
  const { tr, units } = ctx;
  const more = h("button", { type: "button", class: "secondary", hidden: true }, tr.t("access.more"));
  const holder = h("div", {});
  let rows: AccessLogEntry[] = [];
  let shown = shownStep;
  const at = (e: AccessLogEntry) => (e.at ? labels.date(e.at)!.getTime() : 0);
  const draw = () => {
    more.hidden = rows.length <= shown;
    holder.replaceChildren(rows.length === 0
      ? h("p", { class: "empty" }, tr.t("access.empty"))
      : table(tr.t("access.title"), [tr.t("access.when"), tr.t("access.who"), tr.t("access.what"), tr.t("access.why"), tr.t("access.basis")],
        rows.slice(0, shown).map((e) => [
          e.at ? h("time", { datetime: labels.date(e.at)!.toISOString() }, formatDateTime(tr, labels.date(e.at)!)) : "",
          e.actorPatientId ? tr.t("access.you") : h("span", {}, e.actorProfessionalId || "–",
            e.actorOrgNumber ? h("span", { class: "org" }, ` ${tr.t("access.atOrg", { org: units.org(e.actorOrgNumber) })}`) : null),
          labels.category(tr, e.category),
          labels.purpose(tr, e.purpose),
          e.decision === Decision.DENY ? tr.t("access.denied") : labels.basis(tr, e.basis),
        ]), { class: "access-log" }));
  };
  more.addEventListener("click", () => {
    shown += shownStep;
    draw();
  });
  try {
    let token = "";
    do {
      const r = await ctx.api.consent.listAccessLog({ patientId: pid, pageSize: 500, pageToken: token }, { signal: ctx.signal });
      rows.push(...r.entries);
      token = r.nextPageToken;
    } while (token !== "" && rows.length < accessLogLimit);
    rows = rows.sort((a, b) => at(b) - at(a));
    draw();
    where.replaceChildren(holder, more);
  } catch (e) {
    ctx.fail(e, where);
  } finally {
    where.removeAttribute("aria-busy");
  }
}

async function loadConsents(ctx: Ctx, pid: string, where: HTMLElement): Promise<void> {
  const { tr, units } = ctx;
  try {
    const r = await ctx.api.consent.listConsents({ patientId: pid }, { signal: ctx.signal });
    if (r.consents.length === 0) {
      where.replaceChildren(h("p", { class: "empty" }, tr.t("consents.empty")));
      return;
    }
    where.replaceChildren(table(tr.t("mine.consents.title"), [tr.t("consents.grantee"), tr.t("consents.categories"), tr.t("consents.purpose"), tr.t("consents.granted"), ""],
      r.consents.map((c) => {
        const who = labels.grantee(tr, units, c.grantee);
        const withdraw = h("button", { type: "button", class: "danger", "aria-label": tr.t("consents.withdrawLabel", { who }) }, tr.t("consents.withdraw"));
        withdraw.addEventListener("click", async () => {
          withdraw.disabled = true;
          try {
            await ctx.api.consent.withdrawConsent({ requestId: requestId(), patientId: pid, consentId: c.consentId }, { signal: ctx.signal });
            ctx.announce(tr.t("consents.withdrawn"));
            await loadConsents(ctx, pid, where);
            where.querySelector<HTMLElement>("button, p")?.focus();
          } catch (e) {
            withdraw.disabled = false;
            ctx.fail(e, where);
          }
        });
        return [who, c.categories.map((x) => labels.category(tr, x)).join(", "), labels.purpose(tr, c.purpose), c.grantedAt ? formatDate(tr, labels.date(c.grantedAt)!) : "", withdraw];
      }), { class: "consents" }));
  } catch (e) {
    ctx.fail(e, where);
  } finally {
    where.removeAttribute("aria-busy");
  }
}

async function loadContact(ctx: Ctx, pid: string, where: HTMLElement): Promise<void> {
  const { tr } = ctx;
  try {
    const team = await ctx.api.continuity.getCareTeam({ patientId: pid }, { signal: ctx.signal });
    const pref: ContinuityPreference | undefined = team.preference;
    const people = new Map<string, string>();
    for (const r of team.relationships) if (!people.has(r.professionalId)) people.set(r.professionalId, labels.role(tr, r.role));
    const current = pref?.contactAfterEnd && pref.contactAfterEndProfessionalId
      ? h("p", { class: "current", "data-contact": "allowed" }, tr.t("contact.allowed", { who: pref.contactAfterEndProfessionalId }))
      : h("p", { class: "current", "data-contact": "none" }, tr.t("contact.none"));
    const save = async (allow: boolean, professionalId: string) => {
      if (!allow && professionalId) {
        await ctx.api.consent.revokeContactAfterEnd({ requestId: requestId(), patientId: pid, professionalId }, { signal: ctx.signal });
      }
      await ctx.api.continuity.recordContinuityPreference({
        requestId: requestId(), patientId: pid, keepProfessionalId: pref?.keepProfessionalId ?? "", closeness: pref?.closeness,
        contactAfterEnd: allow, contactAfterEndProfessionalId: allow ? professionalId : "",
      }, { signal: ctx.signal });
      ctx.announce(tr.t("contact.saved"));
      await loadContact(ctx, pid, where);
    };
    const controls: HTMLElement[] = [];
    if (pref?.contactAfterEnd && pref.contactAfterEndProfessionalId) {
      const revoke = h("button", { type: "button", class: "secondary" }, tr.t("contact.revoke"));
      revoke.addEventListener("click", () => void save(false, pref.contactAfterEndProfessionalId).catch((e) => ctx.fail(e, where)));
      controls.push(revoke);
    } else if (people.size === 0) {
      controls.push(h("p", { class: "empty" }, tr.t("contact.nobody")));
    } else {
      const id = uniqueId("contact-who");
      const select = h("select", { id, name: "professional" },
        ...[...people].map(([prof, role]) => h("option", { value: prof }, tr.t("contact.option", { who: prof, role }))));
      const form = h("form", { class: "contact-form" },
        h("div", { class: "field" }, h("label", { for: id }, tr.t("contact.who")), select),
        h("button", { type: "submit" }, tr.t("contact.allow")));
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        void save(true, select.value).catch((e) => ctx.fail(e, where));
      });
      controls.push(form);
    }
    where.replaceChildren(current, ...controls);
  } catch (e) {
    ctx.fail(e, where);
  } finally {
    where.removeAttribute("aria-busy");
  }
}
