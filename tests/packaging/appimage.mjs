// The crew's app started from its AppImage, through WebDriver (tauri-driver):
// the sign-in screen comes up, an officer signs in, and the data folder is
// made where the relative --data given at launch points. Meanwhile the
// processes are checked from /proc: the app runs from the image's mount,
// maps the image's WebKitGTK, and WebKit's web process is the image's own.
// Started by appimage.sh, which builds the image and starts Xvfb and
// tauri-driver (KORDON_APPIMAGE_* variables).

import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { WebDriver, waitFor } from "../app-e2e/webdriver.mjs";

function env(name) {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(`${name} is not set (start the test with tests/packaging/appimage.sh)`);
  return v;
}

const E = {
  webdriver: env("KORDON_APPIMAGE_WEBDRIVER"),
  image: env("KORDON_APPIMAGE"),
  launchDir: env("KORDON_APPIMAGE_LAUNCH_DIR"),
  artifacts: env("KORDON_APPIMAGE_ARTIFACTS"),
};
const DATA = "vehicle-data"; // relative: taken from the launch folder
const OFFICER = "OF-7";
const PIN = "1357";

const step = (s) => console.log(`[appimage ${new Date().toISOString().slice(11, 19)}] ${s}`);
function check(ok, what) {
  if (!ok) throw new Error(`FAILED: ${what}`);
  step(`  ok: ${what}`);
}

/** Every process as [pid, exe, cmdline], read from /proc. */
function processes() {
  const out = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      out.push([pid, readlinkSync(`/proc/${pid}/exe`), readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ")]);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

const wd = new WebDriver(E.webdriver);

async function main() {
  step(`session: ${E.image} --data ${DATA} (from ${E.launchDir})`);
  await wd.newSession({ alwaysMatch: { "tauri:options": { application: E.image, args: ["--data", DATA] } } });
  try {
    await wd.waitElement("#signin-officer", { timeoutMs: 90_000 });
    await wd.screenshot(join(E.artifacts, "appimage-signin.png"));

    const app = processes().find(([, exe]) => exe.endsWith("/usr/bin/kordon-app"));
    check(app !== undefined, "a kordon-app process runs");
    const [pid, exe] = app;
    const mount = exe.slice(0, -"/usr/bin/kordon-app".length);
    check(/\/\.mount_Kordon/.test(mount), `the app runs from the image's mount (${exe})`);
    const maps = readFileSync(`/proc/${pid}/maps`, "utf8");
    const webkit = [...new Set(maps.split("\n").filter((l) => l.includes("libwebkit2gtk")).map((l) => l.split(/\s+/).pop()))];
    check(webkit.length === 1 && webkit[0].startsWith(`${mount}/`), `the app maps the image's WebKitGTK (${webkit.join(", ")})`);
    const mapped = new Set(maps.split("\n").map((l) => l.split(/\s+/).pop()).filter((f) => f.startsWith("/")));
    const gtk = [...mapped].filter((f) => /\/libgtk-3\.so/.test(f));
    check(gtk.length === 1 && gtk[0].startsWith(`${mount}/`), `GTK is the image's (${gtk.join(", ")})`);
    const web = processes().filter(([, e]) => e.endsWith("/WebKitWebProcess"));
    check(web.length > 0 && web.every(([, e]) => e.startsWith(`${mount}/`)), `WebKit's web process is the image's (${web.map(([, e]) => e).join(", ")})`);

    step("sound: Web Audio, as the hotlist alarm plays it");
    const audio = await wd.execute(
      `const c = new AudioContext(); const o = c.createOscillator(); const g = c.createGain();
       g.gain.value = 0.001; o.connect(g); g.connect(c.destination); o.start();
       window.__kordonTone = { c, o }; return c.state;`,
    );
    step(`  AudioContext: ${audio}`);
    const plugin = await waitFor("GStreamer's audio plugins to load from the image", async () => {
      const loaded = processes()
        .map(([p]) => {
          try {
            return readFileSync(`/proc/${p}/maps`, "utf8");
          } catch {
            return "";
          }
        })
        .join("\n")
        .split("\n")
        .map((l) => l.split(/\s+/).pop())
        .filter((f) => /\/libgstaudioconvert\.so$/.test(f));
      return loaded.length > 0 ? loaded : null;
    });
    check(plugin.every((f) => f.startsWith(`${mount}/`)), `GStreamer's audio plugins are the image's (${[...new Set(plugin)].join(", ")})`);
    await wd.execute("window.__kordonTone.o.stop(); return true;");

    step("sign in");
    const type = async (css, text) => wd.type(await wd.waitElement(css), text);
    await type("#signin-officer", OFFICER);
    await type("#signin-pin", PIN);
    await wd.click(await wd.waitElement('form[aria-labelledby="signin-title"] button[type="submit"]'));
    await wd.waitElement("#queue-title", { timeoutMs: 120_000 });
    await waitFor("the queue to load", async () => (await wd.find(".queue, .empty")) !== null);
    await wd.screenshot(join(E.artifacts, "appimage-queue.png"));
    check(existsSync(join(E.launchDir, DATA, "vehicle.sqlite")), `the data folder is where --data ${DATA} points from the launch folder`);
  } finally {
    step("closing the app");
    await wd.deleteSession().catch((e) => step(`  (closing the session failed: ${e.message})`));
  }
}

main().then(
  () => step("passed"),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
