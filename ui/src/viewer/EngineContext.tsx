// Which deep-zoom engine the viewers use: OpenSeadragon, loaded on demand;
// tests provide a fake.

import { createContext, useContext, type ReactNode } from "react";
import type { EngineFactory } from "./engine.ts";

const openSeadragon: EngineFactory = async (element, handlers) => {
  const { createOsdEngine } = await import("./osdEngine.ts");
  return createOsdEngine(element, handlers);
};

const EngineContext = createContext<EngineFactory>(openSeadragon);

export function EngineProvider(props: { factory: EngineFactory; children: ReactNode }): ReactNode {
  return <EngineContext.Provider value={props.factory}>{props.children}</EngineContext.Provider>;
}

export function useEngineFactory(): EngineFactory {
  return useContext(EngineContext);
}
