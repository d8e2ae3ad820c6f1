import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  // As a static host serves it: WebAssembly compiles while it streams only with its own type.
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

/**
 * A plain static HTTP server over a directory for tests (and the static-site check), so the app's fetch-based loaders
 * meet real responses (including real 404s and short files), not mocks.
 */
export async function serveDirectory(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    let path = normalize(join(root, decodeURIComponent(new URL(request.url!, 'http://x').pathname)));
    // A folder serves its index.html, as a plain static host does.
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'index.html');
    if (!path.startsWith(normalize(root)) || !existsSync(path) || !statSync(path).isFile()) {
      response.writeHead(404, 'Not Found', { connection: 'close' }).end();
      return;
    }
    // `connection: close`: Node's fetch otherwise reuses a kept-alive socket the server may
    // have just timed out, and fails with "fetch failed" after a pause of a few seconds.
    response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', connection: 'close' });
    createReadStream(path).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
