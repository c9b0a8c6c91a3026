// The bench's load generator, in a worker thread of its own: senders are other machines, so the API
// processes' event loops run no client. Posts each body to POST /v1/batch round-robin over the API
// processes, `concurrency` at a time, over keep-alive connections (node:http: a tenth of fetch's CPU
// per request, CPU that the APIs would otherwise lose on these two cores), and reports each request's
// latency and how many were not answered 200.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

// Bodies arrive as bytes (encoded before the clock starts), as a sender's serialised batches would be.
const { urls, key, bodies, concurrency } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const targets = urls.map((u) => new URL(u));

function post(target, body) {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: target.hostname, port: target.port, path: '/v1/batch', method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': body.byteLength } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const latencies = [];
let refused = 0;
let next = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (next < bodies.length) {
    const i = next++;
    const s = performance.now();
    const status = await post(targets[i % targets.length], bodies[i]);
    latencies.push(performance.now() - s);
    if (status !== 200) refused++;
  }
}));
agent.destroy();
parentPort.postMessage({ seconds: (performance.now() - t0) / 1000, latencies, refused });
