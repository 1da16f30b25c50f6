// Entry point: one UI, three places.
// - Inside the crew's app (Tauri): the crew's screens on the Tauri transport.
// - In a browser, served by kordon-server (a production build): the
//   supervisor console on the HTTP transport (/api on the same origin).
// - `npm run dev`: the crew's screens on the in-memory transport with
//   made-up data; the console on its in-memory transport at /console (or
//   any URL with ?console). Each screen says when its data is made up.
// Each side is loaded as its own chunk: the van never loads the console.

import { StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import "./styles.css";

/** As `inTauri` in transport/tauri.ts, without loading Tauri's modules into the console. */
function inTauri(): boolean {
  return "__TAURI_INTERNALS__" in window;
}

/** Where the console lives in `npm run dev` (the crew's app has the root). */
const DEV_CONSOLE = "/console";

function wantsDevConsole(): boolean {
  const { pathname, search } = window.location;
  return pathname === DEV_CONSOLE || pathname.startsWith(`${DEV_CONSOLE}/`) || new URLSearchParams(search).has("console");
}

async function crewApp(): Promise<ReactNode> {
  const { App } = await import("./app/App.tsx");
  if (inTauri()) {
    const { TauriTransport } = await import("./transport/tauri.ts");
    return <App transport={new TauriTransport()} />;
  }
  const [{ createMemoryTransport }, { demoSeed, demoHotlists }] = await Promise.all([
    import("./transport/memory.ts"),
    import("./transport/demoData.ts"),
  ]);
  const now = Date.now();
  const memory = createMemoryTransport({
    unit: "MOBILE-1",
    seed: demoSeed(now),
    hotlists: demoHotlists(now),
    latencyMs: 150,
    // As in the app: nothing of the data until the first sign-in.
    cold: true,
  });
  // Cut and restore the imaginary link from the browser console:
  // kordonDev.setLink("offline"), kordonDev.syncNow().
  Object.assign(window, { kordonDev: memory });
  return <App transport={memory} />;
}

async function devConsole(): Promise<ReactNode> {
  const [{ ConsoleApp }, { createConsoleMemoryTransport, demoConsoleSeed }] = await Promise.all([
    import("./console/ConsoleApp.tsx"),
    import("./transport/consoleMemory.ts"),
  ]);
  if (!window.location.pathname.startsWith(DEV_CONSOLE)) {
    // ?console on another path: the console's routes start at /console.
    window.history.replaceState(null, "", `${DEV_CONSOLE}/`);
  }
  const { seed, arrivals } = demoConsoleSeed(Date.now());
  const memory = createConsoleMemoryTransport({ seed, arrivals, latencyMs: 120 });
  // New inspections from the fleet, from the browser console:
  // kordonConsoleDev.receiveDemo(); the queue shows them within 5 s.
  Object.assign(window, { kordonConsoleDev: memory });
  return <ConsoleApp transport={memory} basename={DEV_CONSOLE} />;
}

async function serverConsole(): Promise<ReactNode> {
  const [{ ConsoleApp }, { HttpTransport }] = await Promise.all([
    import("./console/ConsoleApp.tsx"),
    import("./transport/http.ts"),
  ]);
  return <ConsoleApp transport={new HttpTransport()} />;
}

function pick(): Promise<ReactNode> {
  if (inTauri()) return crewApp();
  if (import.meta.env.DEV) return wantsDevConsole() ? devConsole() : crewApp();
  return serverConsole();
}

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root");
void pick().then((ui) => {
  createRoot(root).render(<StrictMode>{ui}</StrictMode>);
});
