// Names for units from the unit register the suite serves as units.json.
// The views carry HER-ids only; a unit missing from the register is shown
// by its HER-id.
import type { Translator } from "./i18n";

export interface RegisterUnit {
  her_id: string;
  org_number: string;
  name: string;
  kind: string;
}

export interface UnitLike {
  herId: string;
  orgNumber: string;
}

export class UnitNames {
  private byHer = new Map<string, RegisterUnit>();
  private byOrg = new Map<string, RegisterUnit>();

  constructor(units: RegisterUnit[], private tr: Translator) {
    for (const u of units) {
      this.byHer.set(u.her_id, u);
      if (!this.byOrg.has(u.org_number)) this.byOrg.set(u.org_number, u);
    }
  }

  name(u: UnitLike | undefined): string {
    if (!u) return "";
    return this.byHer.get(u.herId)?.name ?? this.tr.t("unit.unknown", { her: u.herId || u.orgNumber });
  }

  /** The unit's kind (BUP, DPS, …) in the page's language, or "" when unknown. */
  kind(u: UnitLike | undefined): string {
    const k = u ? this.byHer.get(u.herId)?.kind : undefined;
    return k ? this.tr.code("unitKind.", k) : "";
  }

  /** The kind's short code, for styling. */
  kindCode(u: UnitLike | undefined): string {
    return (u && this.byHer.get(u.herId)?.kind) || "UNKNOWN";
  }

  /** An organisation by number: the name of its first unit in the register. */
  org(orgNumber: string): string {
    return this.byOrg.get(orgNumber)?.name ?? orgNumber;
  }
}
