// Minimal control-API calls over the Unix socket for the benchmarks: the CLI would add a Node
// start-up (~100 ms) to every poll and blur the figures.
import http from 'node:http';

/** GET/POST a JSON endpoint of the service at `socketPath`. */
export function callJson(socketPath: string, method: string, path: string, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({
      socketPath, method, path,
      headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {},
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        try {
          const v = JSON.parse(text) as unknown;
          if ((res.statusCode ?? 500) >= 400) reject(new Error(`${method} ${path}: ${text}`));
          else resolve(v);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}
