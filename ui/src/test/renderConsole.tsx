// Renders the supervisor console for component tests: its providers, a
// MemoryRouter at the given route, a fake deep-zoom engine for viewers, and
// a probe that shows where the router is (path and query string), and a
// button that goes back in the router's history (the browser's Back).

import { render, screen, type RenderResult } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter, useLocation, useNavigate } from "react-router";
import { ConsoleProviders, ConsoleShell } from "../console/ConsoleApp.tsx";
import type { Language } from "../i18n/messages.ts";
import type { ConsoleTransport } from "../transport/console.ts";
import { EngineProvider } from "../viewer/EngineContext.tsx";
import type { EngineFactory } from "../viewer/engine.ts";
import { fakeEngineFactory } from "../viewer/fakeEngine.ts";
import { DEFAULT_PREFERENCES } from "../app/preferences.ts";

const TEST_ZONE = "Europe/Kyiv";

function LocationProbe(): ReactNode {
  const l = useLocation();
  const navigate = useNavigate();
  return (
    <>
      <output data-testid="location" data-path={l.pathname} data-search={l.search} />
      <button type="button" hidden onClick={() => void navigate(-1)} data-testid="router-back" />
    </>
  );
}

export function renderConsole(opts: { transport: ConsoleTransport; route?: string; lang?: Language; engines?: EngineFactory }): RenderResult {
  return render(
    <ConsoleProviders transport={opts.transport} preferences={{ ...DEFAULT_PREFERENCES, language: opts.lang ?? "en" }} timeZone={TEST_ZONE}>
      <EngineProvider factory={opts.engines ?? fakeEngineFactory().factory}>
        <MemoryRouter initialEntries={[opts.route ?? "/"]}>
          <ConsoleShell />
          <LocationProbe />
        </MemoryRouter>
      </EngineProvider>
    </ConsoleProviders>,
  );
}

/** The router's query string as the probe shows it. */
export function currentSearch(): string {
  return screen.getByTestId("location").getAttribute("data-search") ?? "";
}
