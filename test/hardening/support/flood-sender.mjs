// The flood's sender, run inside a lab namespace (`ip netns exec … node flood-sender.mjs MODE SPEC`).
// MODE `capture`: joins the LAN multicast group and prints the first datagram from `fromIp`
// (base64), or null after `timeoutMs`. MODE `flood`: sends `total` datagrams to host:port at
// `ratePps`, interleaving the kinds by weight (each kind cycles through its datagrams) and the
// source addresses round robin; prints what was sent per kind. Plain JS: it runs without the
// TypeScript toolchain, so every datagram is built by flood.test.ts.
import { Buffer } from 'node:buffer';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { clearTimeout, setTimeout } from 'node:timers';

const [mode, specPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
if (mode === 'capture') await capture(spec);
else await flood(spec);

async function capture({ group, port, fromIp, timeoutMs }) {
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise((resolve) => s.bind(port, '0.0.0.0', resolve));
  s.addMembership(group);
  const got = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    s.on('message', (m, r) => {
      if (r.address !== fromIp) return;
      clearTimeout(timer);
      resolve(m);
    });
  });
  s.close();
  process.stdout.write(JSON.stringify({ datagram: got ? got.toString('base64') : null }) + '\n');
}

async function flood({ host, port, sources, ratePps, total, kinds }) {
  const sockets = await Promise.all(sources.map((address) => new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.on('error', () => undefined);
    s.bind({ address, port: 0 }, () => {
      try { s.setMulticastTTL(1); } catch { /* unicast target */ }
      resolve(s);
    });
  })));
  const items = kinds.map((k) => ({ kind: k.kind, weight: k.weight, bufs: k.datagrams.map((b) => Buffer.from(b, 'base64')), credit: 0, sent: 0, failed: 0, next: 0 }));
  const weightSum = items.reduce((a, k) => a + k.weight, 0);
  let i = 0;
  let pending = 0;
  const t0 = Date.now();
  await new Promise((resolve) => {
    const tick = () => {
      for (let n = 0; n < 100 && i < total; n++, i++) {
        // Smooth weighted round robin: the kind with the most credit goes next.
        let best = items[0];
        for (const k of items) {
          k.credit += k.weight;
          if (k.credit > best.credit) best = k;
        }
        best.credit -= weightSum;
        const item = best;
        pending++;
        sockets[i % sockets.length].send(item.bufs[item.next++ % item.bufs.length], port, host, (err) => {
          pending--;
          if (err) item.failed++;
          else item.sent++;
        });
      }
      if (i < total) setTimeout(tick, Math.max(0, t0 + (i / ratePps) * 1000 - Date.now()));
      else {
        const drain = () => (pending > 0 ? setTimeout(drain, 10) : resolve());
        drain();
      }
    };
    tick();
  });
  for (const s of sockets) s.close();
  const sent = Object.fromEntries(items.map((k) => [k.kind, k.sent]));
  const failed = items.reduce((a, k) => a + k.failed, 0);
  process.stdout.write(JSON.stringify({ sent, failed, ms: Date.now() - t0 }) + '\n');
}
