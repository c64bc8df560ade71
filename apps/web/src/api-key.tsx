import { createContext, type ReactNode, useContext, useState } from "react";

const storageKey = "registrar.apiKey";

type ApiKeyState = { apiKey: string | undefined; setApiKey(apiKey: string | undefined): void };

const ApiKeyContext = createContext<ApiKeyState | undefined>(undefined);

/** Kept for this browser tab only (sessionStorage): a key gives write access to everything. */
function readStoredKey(): string | undefined {
  try {
    return window.sessionStorage.getItem(storageKey) ?? undefined;
  } catch {
    return undefined; // storage disabled: the key lives in memory only
  }
}

function storeKey(apiKey: string | undefined): void {
  try {
    if (apiKey) window.sessionStorage.setItem(storageKey, apiKey);
    else window.sessionStorage.removeItem(storageKey);
  } catch {
    // storage disabled: nothing to persist
  }
}

/** The API key the UI sends as `Authorization: Bearer`, for servers run with AUTH=required. */
export function ApiKeyProvider({
  children,
  onChange,
}: {
  children: (apiKey: string | undefined) => ReactNode;
  onChange: () => void;
}) {
  const [apiKey, setKey] = useState(readStoredKey);
  const setApiKey = (next: string | undefined) => {
    storeKey(next);
    setKey(next);
    onChange();
  };
  return <ApiKeyContext.Provider value={{ apiKey, setApiKey }}>{children(apiKey)}</ApiKeyContext.Provider>;
}

export function useApiKey(): ApiKeyState {
  const state = useContext(ApiKeyContext);
  if (!state) throw new Error("useApiKey() outside <ApiKeyProvider>");
  return state;
}
