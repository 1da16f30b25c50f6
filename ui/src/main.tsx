// Entry point. Inside the crew's app the UI runs on the Tauri transport;
// in a plain browser (`npm run dev`) on the in-memory transport with
// made-up data, and the shell says so on screen.

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.tsx";
import { demoSeed } from "./transport/demoData.ts";
import { createMemoryTransport } from "./transport/memory.ts";
import { TauriTransport, inTauri } from "./transport/tauri.ts";
import type { Transport } from "./transport/transport.ts";
import "./styles.css";

function pickTransport(): Transport {
  if (inTauri()) return new TauriTransport();
  const memory = createMemoryTransport({
    unit: "MOBILE-1",
    seed: demoSeed(Date.now()),
    latencyMs: 150,
  });
  if (import.meta.env.DEV) {
    // Cut and restore the imaginary link from the browser console:
    // kordonDev.setLink("offline"), kordonDev.syncNow().
    Object.assign(window, { kordonDev: memory });
  }
  return memory;
}

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App transport={pickTransport()} />
  </StrictMode>,
);
