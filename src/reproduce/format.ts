/** What a reproduction bundle's `run.json` says it is (reproduce.py and the runner refuse any other); no imports, so the page can read it. */
export const REPRODUCTION_FORMAT = 'pcd-playground-reproduction/1';
