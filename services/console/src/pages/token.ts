// Under `stafett serve` with no OpenID Connect login configured: paste a
// bearer token from the organisation's identity provider.
import { landing, prefix, type Config } from "../app";
import * as auth from "../auth";
import { h, uniqueId } from "../dom";
import type { Translator } from "../i18n";

export function renderTokenPage(tr: Translator, _config: Config): void {
  const id = uniqueId("token");
  const err = h("p", { class: "error", role: "alert", hidden: true });
  const input = h("textarea", { id, name: "token", rows: 6, cols: 60, required: true, autocomplete: "off", spellcheck: "false" });
  const form = h(
    "form",
    {},
    h("label", { for: id }, tr.t("token.label")),
    input,
    err,
    h("button", { type: "submit" }, tr.t("token.submit")),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const tok = auth.parseToken(input.value);
    if (!tok || auth.expired(tok, Date.now())) {
      err.textContent = tr.t("token.invalid");
      err.hidden = false;
      input.focus();
      return;
    }
    auth.store(tok.raw);
    location.assign(prefix + landing(tok.claims.role));
  });
  const expired = new URLSearchParams(location.search).has("expired");
  document.getElementById("app")!.replaceChildren(
    h("header", { class: "bar" }, h("span", { class: "brand" }, tr.t("app.name"))),
    h(
      "main",
      { id: "main" },
      h("h1", {}, tr.t("token.title")),
      expired ? h("p", { class: "notice", role: "status" }, tr.t("signin.expired")) : null,
      h("p", {}, tr.t("token.intro")),
      form,
    ),
  );
}
