// Labels for the codes and enums the services send, from the catalogue.
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Basis, Category, Purpose, type Grantee } from "./gen/stafett/consent/v1/consent_pb";
import { Role } from "./gen/stafett/continuity/v1/continuity_pb";
import { EntryKind } from "./gen/stafett/handoffs/v1/handoffs_service_pb";
import type { Translator } from "./i18n";
import type { UnitNames } from "./units";

export function entryKind(tr: Translator, k: EntryKind): string {
  return tr.code("entry.", EntryKind[k] ?? String(k));
}

/** A journey entry's code: a role, a category, a milestone or another code. */
export function codeLabel(tr: Translator, code: string): string {
  if (!code) return "";
  if (code.startsWith("ROLE_")) return tr.code("role.", code);
  if (code.startsWith("CATEGORY_")) return tr.code("category.", code);
  if (code.startsWith("MILESTONE_")) return tr.code("milestone.", code);
  return tr.code("code.", code);
}

export function category(tr: Translator, c: Category): string {
  return tr.code("category.", `CATEGORY_${Category[c] ?? "UNSPECIFIED"}`);
}

export function purpose(tr: Translator, p: Purpose): string {
  return tr.code("purpose.", `PURPOSE_${Purpose[p] ?? "UNSPECIFIED"}`);
}

export function basis(tr: Translator, b: Basis): string {
  return tr.code("basis.", `BASIS_${Basis[b] ?? "UNSPECIFIED"}`);
}

export function role(tr: Translator, r: Role): string {
  return tr.code("role.", `ROLE_${Role[r] ?? "UNSPECIFIED"}`);
}

export function grantee(tr: Translator, units: UnitNames, g: Grantee | undefined): string {
  switch (g?.grantee.case) {
    case "professionalId":
      return g.grantee.value;
    case "unit":
      return units.name(g.grantee.value);
    case "careTeam":
      return tr.t("consents.careTeam");
    default:
      return "–";
  }
}

export function date(ts: Timestamp | undefined): Date | undefined {
  return ts ? timestampDate(ts) : undefined;
}
