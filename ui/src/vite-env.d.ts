/// <reference types="svelte" />
/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** "1" swaps the Tauri backend for the in-browser sample backend (dev and screenshots only). */
  readonly VITE_MOCK_IPC?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
