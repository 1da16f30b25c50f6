// A tiny W3C WebDriver client over the global fetch: just what the app's
// end-to-end test needs (sessions, elements, script, actions, screenshots),
// plus `waitFor`, the only way the test waits for anything.

import { writeFile } from "node:fs/promises";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** W3C key codes for the keys the test presses. */
export const Key = {
  Enter: "\uE007",
  Escape: "\uE00C",
  Control: "\uE009",
  Backspace: "\uE003",
};

export class WebDriverError extends Error {
  constructor(what, status, value) {
    super(`${what}: HTTP ${status} ${value?.error ?? ""} ${value?.message ?? JSON.stringify(value)}`.trim());
    this.error = value?.error;
  }
}

/**
 * Polls `probe` until it returns a truthy value (returned) or the deadline
 * passes (thrown, naming what was awaited and the last value or error seen).
 */
export async function waitFor(what, probe, { timeoutMs = 30_000, intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
      last = `last value: ${JSON.stringify(v)}`;
    } catch (e) {
      last = `last error: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${last})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export class WebDriver {
  /** @param {string} base e.g. http://127.0.0.1:4444 */
  constructor(base) {
    this.base = base.replace(/\/$/, "");
    this.session = null;
  }

  async request(method, path, body, { timeoutMs = 120_000 } = {}) {
    const url = `${this.base}${path}`;
    const res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json; charset=utf-8" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json;
    try {
      json = text === "" ? {} : JSON.parse(text);
    } catch {
      throw new WebDriverError(`${method} ${path}`, res.status, { message: text.slice(0, 500) });
    }
    if (!res.ok) throw new WebDriverError(`${method} ${path}`, res.status, json.value);
    return json.value;
  }

  s(path) {
    if (this.session === null) throw new Error("no WebDriver session");
    return `/session/${this.session}${path}`;
  }

  async status() {
    return this.request("GET", "/status", undefined, { timeoutMs: 5_000 });
  }

  async newSession(capabilities) {
    const v = await this.request("POST", "/session", { capabilities });
    this.session = v.sessionId;
    // Finding nothing must answer at once: every wait here is an explicit poll.
    await this.request("POST", this.s("/timeouts"), { implicit: 0 });
    return v;
  }

  async deleteSession() {
    if (this.session === null) return;
    const path = this.s("");
    this.session = null;
    await this.request("DELETE", path);
  }

  // ---- elements -------------------------------------------------------

  /** One element by CSS selector, or null. */
  async find(css, from = null) {
    const path = from === null ? this.s("/elements") : this.s(`/element/${from}/elements`);
    const found = await this.request("POST", path, { using: "css selector", value: css });
    return found.length === 0 ? null : found[0][ELEMENT];
  }

  async findAll(css) {
    const found = await this.request("POST", this.s("/elements"), { using: "css selector", value: css });
    return found.map((f) => f[ELEMENT]);
  }

  /** Waits until an element matching `css` exists (and is displayed). */
  async waitElement(css, { timeoutMs = 30_000, displayed = true } = {}) {
    return waitFor(
      `element ${css}${displayed ? " (displayed)" : ""}`,
      async () => {
        const el = await this.find(css);
        if (el === null) return null;
        if (displayed && !(await this.displayed(el))) return null;
        return el;
      },
      { timeoutMs },
    );
  }

  async click(el) {
    await this.request("POST", this.s(`/element/${el}/click`), {});
  }

  async clear(el) {
    await this.request("POST", this.s(`/element/${el}/clear`), {});
  }

  async type(el, text) {
    await this.request("POST", this.s(`/element/${el}/value`), { text });
  }

  async attr(el, name) {
    return this.request("GET", this.s(`/element/${el}/attribute/${encodeURIComponent(name)}`));
  }

  async prop(el, name) {
    return this.request("GET", this.s(`/element/${el}/property/${encodeURIComponent(name)}`));
  }

  async text(el) {
    return this.request("GET", this.s(`/element/${el}/text`));
  }

  async displayed(el) {
    return this.request("GET", this.s(`/element/${el}/displayed`));
  }

  async enabled(el) {
    return this.request("GET", this.s(`/element/${el}/enabled`));
  }

  async rect(el) {
    return this.request("GET", this.s(`/element/${el}/rect`));
  }

  /** The attribute of the first element matching `css`, or null when there is none. */
  async attrOf(css, name) {
    const el = await this.find(css);
    return el === null ? null : this.attr(el, name);
  }

  // ---- the window -----------------------------------------------------

  async windowRect() {
    return this.request("GET", this.s("/window/rect"));
  }

  /** Resizes (and moves) the app's window: `{ width, height }` and/or `{ x, y }`. */
  async setWindowRect(rect) {
    return this.request("POST", this.s("/window/rect"), rect);
  }

  // ---- script, input, screenshots -------------------------------------

  /** Runs `script` (a function body) with `args`; elements pass as `elementArg(id)`. */
  async execute(script, args = []) {
    return this.request("POST", this.s("/execute/sync"), { script, args });
  }

  static elementArg(el) {
    return { [ELEMENT]: el };
  }

  async actions(actions) {
    await this.request("POST", this.s("/actions"), { actions });
  }

  async releaseActions() {
    await this.request("DELETE", this.s("/actions"));
  }

  /** Presses and releases `key` with optional modifiers (W3C key values). */
  async press(key, modifiers = []) {
    const down = [...modifiers.map((m) => ({ type: "keyDown", value: m })), { type: "keyDown", value: key }];
    const up = [{ type: "keyUp", value: key }, ...modifiers.reverse().map((m) => ({ type: "keyUp", value: m }))];
    await this.actions([{ type: "key", id: "keyboard", actions: [...down, ...up] }]);
  }

  /**
   * WebKit takes the screenshot at its next rendering update, and a page
   * where nothing changes (no caret, no animation) may not have one for a
   * long time under Xvfb. So a tiny, practically invisible element is put
   * in the corner for a moment, which makes one.
   */
  async screenshot(file) {
    await this.execute(
      `setTimeout(() => {
         const d = document.createElement("div");
         d.style.cssText = "position:fixed;left:0;top:0;width:1px;height:1px;opacity:0.004;pointer-events:none";
         document.body.appendChild(d);
         setTimeout(() => d.remove(), 100);
       }, 50);`,
    );
    const b64 = await this.request("GET", this.s("/screenshot"), undefined, { timeoutMs: 30_000 });
    await writeFile(file, Buffer.from(b64, "base64"));
  }
}
