// Renders a component inside the providers the screens need, for tests.

import { render, type RenderResult } from "@testing-library/react";
import { useState, type ReactNode } from "react";
import { TransportProvider } from "../app/TransportProvider.tsx";
import { I18nProvider } from "../i18n/I18nProvider.tsx";
import type { Language } from "../i18n/messages.ts";
import type { Transport } from "../transport/transport.ts";
import type { EngineFactory } from "../viewer/engine.ts";
import { EngineProvider } from "../viewer/EngineContext.tsx";
import { fakeEngineFactory } from "../viewer/fakeEngine.ts";
import { ScanSourceProvider, type ScanSource } from "../viewer/scanSource.ts";

export const TEST_ZONE = "Europe/Kyiv";

function Providers(props: {
  transport: Transport;
  source: ScanSource | undefined;
  lang: Language;
  engines: EngineFactory;
  children: ReactNode;
}): ReactNode {
  const [lang, setLang] = useState<Language>(props.lang);
  const viewers = <EngineProvider factory={props.engines}>{props.children}</EngineProvider>;
  return (
    <TransportProvider transport={props.transport}>
      <I18nProvider lang={lang} onLanguageChange={setLang} options={{ timeZone: TEST_ZONE }}>
        {props.source === undefined ? viewers : <ScanSourceProvider source={props.source}>{viewers}</ScanSourceProvider>}
      </I18nProvider>
    </TransportProvider>
  );
}

/**
 * Viewers get a fake deep-zoom engine (OpenSeadragon does not run in
 * jsdom) unless `engines` gives another, and their scans from the
 * transport unless `source` gives another ScanSource.
 */
export function renderWith(
  ui: ReactNode,
  opts: { transport: Transport; lang?: Language; engines?: EngineFactory; source?: ScanSource },
): RenderResult {
  return render(
    <Providers
      transport={opts.transport}
      source={opts.source}
      lang={opts.lang ?? "en"}
      engines={opts.engines ?? fakeEngineFactory().factory}
    >
      {ui}
    </Providers>,
  );
}
