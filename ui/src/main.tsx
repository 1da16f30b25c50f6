// Entry point. Until the Tauri and HTTP transports exist, the UI runs on
// the in-memory transport with made-up data (the shell says so on screen).

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/App.tsx";
import { demoSeed } from "./transport/demoData.ts";
import { createMemoryTransport } from "./transport/memory.ts";
import "./styles.css";

const transport = createMemoryTransport({
  unit: "MOBILE-1",
  seed: demoSeed(Date.now()),
  latencyMs: 150,
});

if (import.meta.env.DEV) {
  // Cut and restore the imaginary link from the browser console:
  // kordonDev.setLink("offline"), kordonDev.syncNow().
  Object.assign(window, { kordonDev: transport });
}

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App transport={transport} />
  </StrictMode>,
);
