// The console's one message catalogue (messages.json, also read by the Go
// sign-in page): Norwegian bokmål by default, English on request.
import messages from "./messages.json";

export type Lang = "nb" | "en";
export type MessageKey = keyof (typeof messages)["nb"];
export const languages: readonly Lang[] = ["nb", "en"];

const storageKey = "stafett.lang";

/** The language asked for in ?lang=, else the one chosen before, else bokmål. */
export function chooseLang(search: string, stored: string | null): Lang {
  const asked = new URLSearchParams(search).get("lang");
  for (const l of [asked, stored]) {
    if (l === "nb" || l === "en") return l;
  }
  return "nb";
}

export function storedLang(): string | null {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

export function rememberLang(lang: Lang): void {
  try {
    localStorage.setItem(storageKey, lang);
  } catch {
    // Storage may be off; the choice then lasts for this page only.
  }
}

export type Params = Record<string, string | number>;

export interface Translator {
  lang: Lang;
  t(key: MessageKey, params?: Params): string;
  /** A message whose key is built from a code, e.g. ("role.", "ROLE_GP"); the code itself when the catalogue has none. */
  code(prefix: string, code: string): string;
}

export function translator(lang: Lang): Translator {
  const table: Record<string, string> = messages[lang];
  const fallback: Record<string, string> = messages.nb;
  const fill = (s: string, params?: Params) =>
    params ? s.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : s;
  return {
    lang,
    t: (key, params) => fill(table[key] ?? fallback[key] ?? key, params),
    code: (prefix, code) => {
      const key = prefix + code;
      return table[key] ?? fallback[key] ?? code;
    },
  };
}
