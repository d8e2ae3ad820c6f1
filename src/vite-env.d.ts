/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/client" />

/** The cache name of the datasets and teachers (vite.config.ts, from their bytes). */
declare const __SITE_FILES_CACHE__: string;
