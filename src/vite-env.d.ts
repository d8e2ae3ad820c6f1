/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/client" />

/** The cache name of the datasets and teachers (vite.config.ts, from their bytes). */
declare const __SITE_FILES_CACHE__: string;

/** The release: package.json's version, or `PCD_BUILD_ID` when the build sets one (vite.config.ts). */
declare const __BUILD_ID__: string;
