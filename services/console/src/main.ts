import "./style.css";
import { goSignIn, landing, makeCtx, prefix, type Config, type Page } from "./app";
import * as auth from "./auth";
import { h } from "./dom";
import { chooseLang, rememberLang, storedLang, translator, type Translator } from "./i18n";
import { UnitNames, type RegisterUnit } from "./units";
import { renderTokenPage } from "./pages/token";

const pages: Record<Page, () => Promise<{ render: (ctx: import("./app").Ctx) => Promise<void> }>> = {
  ops: () => import("./pages/ops"),
  clinician: () => import("./pages/clinician"),
  patient: () => import("./pages/patient"),
};

async function getJSON<T>(path: string): Promise<T> {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return (await r.json()) as T;
}

function shell(tr: Translator, page: Page, role: string | undefined, onSignOut: () => void): { main: HTMLElement; live: HTMLElement } {
  const other = tr.lang === "nb" ? "en" : "nb";
  const main = h("main", { id: "main", tabindex: "-1" });
  const live = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite", id: "live" });
  const nav = h(
    "nav",
    { "aria-label": tr.t("nav.label") },
    h("a", { href: prefix + page, "aria-current": "page" }, tr.t(`nav.${page}`)),
  );
  const langButton = h("button", { type: "button", class: "link", lang: other }, tr.t(`lang.${other}`));
  langButton.addEventListener("click", () => {
    rememberLang(other);
    const u = new URL(location.href);
    u.searchParams.delete("lang");
    location.assign(u.toString());
  });
  const signOut = h("button", { type: "button", class: "link" }, tr.t("user.signout"));
  signOut.addEventListener("click", onSignOut);
  const header = h(
    "header",
    { class: "bar" },
    h("span", { class: "brand" }, tr.t("app.name")),
    nav,
    h(
      "div",
      { class: "user" },
      h("span", {}, tr.t("user.signedInAs", { role: role ? tr.code("user.role.", role) : "?" })),
      langButton,
      signOut,
    ),
  );
  const skip = h("a", { class: "skip-link", href: "#main" }, tr.t("nav.skip"));
  document.getElementById("app")!.replaceChildren(skip, header, main, live);
  return { main, live };
}

async function start(): Promise<void> {
  const tr = translator(chooseLang(location.search, storedLang()));
  document.documentElement.lang = tr.lang;
  const [config, register] = await Promise.all([getJSON<Config>(prefix + "config.json"), getJSON<{ units: RegisterUnit[] | null }>(prefix + "units.json")]);
  auth.takeFromFragment();
  const route = location.pathname.slice(prefix.length).replace(/\/$/, "");
  if (route === "token") {
    renderTokenPage(tr, config);
    return;
  }
  const tok = auth.current(Date.now());
  if (!tok) {
    goSignIn(config, tr, false);
    return;
  }
  const home = landing(tok.claims.role);
  if (route !== home) {
    // Each role has its own page; any other address leads there.
    location.replace(prefix + home + location.search);
    return;
  }
  // A token runs out while the page is open: back to sign-in, no error page.
  const left = (tok.claims.exp ?? 0) * 1000 - Date.now();
  setTimeout(() => goSignIn(config, tr, true), Math.max(0, Math.min(left, 2 ** 31 - 1)));

  const controller = new AbortController();
  const { main, live } = shell(tr, home, tok.claims.role, () => {
    controller.abort();
    goSignIn(config, tr, false);
  });
  const ctx = makeCtx(tr, config, new UnitNames(register.units ?? [], tr), tok, main, live, controller.signal);
  main.append(h("p", { class: "loading" }, tr.t("app.loading")));
  const mod = await pages[home]();
  await mod.render(ctx);
}

start().catch((e: unknown) => {
  const tr = translator(chooseLang(location.search, storedLang()));
  document.getElementById("app")?.replaceChildren(h("main", { id: "main" }, h("p", { class: "error", role: "alert" }, tr.t("error.generic"))));
  console.error(e);
});
