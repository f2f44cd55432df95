// The bearer token the console calls the APIs with. In dev it comes from the
// sign-in page, under serve from the organisation's identity provider; either
// way it arrives in the URL fragment as an OAuth 2.0 implicit response would
// ("#access_token=…"), which browsers never send to a server. The console
// keeps it in session storage (this tab only) and drops it when it expires.
//
// A real OpenID Connect login (HelseID, authorization code with PKCE) plugs
// in at Config.signInUrl: a login front that ends by redirecting to
// /console/<page>#access_token=… — see services/console/README.md.

export interface Claims {
  exp?: number;
  role?: string;
  hpr?: string;
  org?: string;
  /** The patient's national id, present on a patient's own token only. */
  pid?: string;
}

export interface Token {
  raw: string;
  claims: Claims;
}

const storageKey = "stafett.token";
const patientHintKey = "stafett.patient";

function decodePart(part: string): unknown {
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The claims of a JWT, without verifying it: the services do that. */
export function parseToken(raw: string): Token | null {
  const parts = raw.trim().split(".");
  if (parts.length !== 3) return null;
  try {
    const p = decodePart(parts[1]) as Record<string, unknown>;
    const str = (k: string) => (typeof p[k] === "string" ? (p[k] as string) : undefined);
    return {
      raw: raw.trim(),
      claims: {
        exp: typeof p.exp === "number" ? p.exp : undefined,
        role: str("stafett://claims/role"),
        hpr: str("helseid://claims/hpr/hpr_number"),
        org: str("helseid://claims/client/claims/orgnr_child") ?? str("helseid://claims/client/claims/orgnr_parent"),
        pid: str("helseid://claims/identity/pid"),
      },
    };
  } catch {
    return null;
  }
}

export function expired(tok: Token, nowMs: number): boolean {
  return tok.claims.exp === undefined || tok.claims.exp * 1000 <= nowMs;
}

/** Takes a token handed over in the fragment, and removes it from the address bar. */
export function takeFromFragment(): void {
  if (!location.hash.includes("access_token=")) return;
  const frag = new URLSearchParams(location.hash.slice(1));
  const raw = frag.get("access_token");
  if (raw && parseToken(raw)) {
    sessionStorage.setItem(storageKey, raw);
    const patient = frag.get("patient");
    if (patient) sessionStorage.setItem(patientHintKey, patient);
    else sessionStorage.removeItem(patientHintKey);
  }
  history.replaceState(null, "", location.pathname + location.search);
}

export function store(raw: string): void {
  sessionStorage.setItem(storageKey, raw);
}

/** The stored token if it is still valid; an expired one is dropped. */
export function current(nowMs: number): Token | null {
  const raw = sessionStorage.getItem(storageKey);
  if (!raw) return null;
  const tok = parseToken(raw);
  if (!tok || expired(tok, nowMs)) {
    forget();
    return null;
  }
  return tok;
}

export function patientHint(): string | null {
  return sessionStorage.getItem(patientHintKey);
}

export function forget(): void {
  sessionStorage.removeItem(storageKey);
  sessionStorage.removeItem(patientHintKey);
}
