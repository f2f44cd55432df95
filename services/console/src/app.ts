// What every page gets: the language, the configuration, unit names, the
// API clients, the signed-in user, and ways to announce and to fail.
import { clients, errorCode, isUnauthenticated, type Clients } from "./api";
import * as auth from "./auth";
import { h } from "./dom";
import { Code } from "@connectrpc/connect";
import type { MessageKey, Translator } from "./i18n";
import type { UnitNames } from "./units";

export const prefix = "/console/";

export interface Config {
  mode: "dev" | "serve";
  apiBaseUrl: string;
  signInUrl: string;
}

export type Page = "ops" | "clinician" | "patient";

export interface Ctx {
  tr: Translator;
  config: Config;
  units: UnitNames;
  api: Clients;
  token: auth.Token;
  main: HTMLElement;
  /** Says something to screen-reader users (and shows it in the status line). */
  announce(msg: string): void;
  /** Shows an error in place, or signs the user in again when the token no longer works. */
  fail(e: unknown, where: HTMLElement): void;
  /** Aborted when the page is left. */
  signal: AbortSignal;
}

/** The page a role works on. */
export function landing(role: string | undefined): Page {
  switch (role) {
    case "ops":
      return "ops";
    case "patient":
      return "patient";
    default:
      return "clinician";
  }
}

/** Sends the user to sign in; after an expiry the sign-in page says why. */
export function goSignIn(config: Config, tr: Translator, expiredToken: boolean): void {
  auth.forget();
  let target = config.signInUrl || prefix + "token";
  if (target.startsWith(prefix)) {
    const u = new URL(target, location.origin);
    u.searchParams.set("lang", tr.lang);
    if (expiredToken) u.searchParams.set("expired", "1");
    target = u.pathname + u.search;
  }
  location.replace(target);
}

export function errorMessage(e: unknown): MessageKey {
  switch (errorCode(e)) {
    case Code.NotFound:
      return "error.notFound";
    case Code.Unavailable:
    case Code.DeadlineExceeded:
      return "error.unavailable";
    case Code.PermissionDenied:
      return "error.permission";
    default:
      return "error.generic";
  }
}

export function makeCtx(tr: Translator, config: Config, units: UnitNames, token: auth.Token, main: HTMLElement, live: HTMLElement, signal: AbortSignal): Ctx {
  return {
    tr, config, units, token, main, signal,
    api: clients(config.apiBaseUrl, token.raw),
    announce(msg) {
      live.textContent = msg;
    },
    fail(e, where) {
      if (signal.aborted) return;
      if (isUnauthenticated(e)) {
        goSignIn(config, tr, true);
        return;
      }
      where.replaceChildren(h("p", { class: "error", role: "alert" }, tr.t(errorMessage(e))));
    },
  };
}
