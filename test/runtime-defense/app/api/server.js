// A small HTTP service that counts hits in Redis: the benign workload of the runtime-defense tests.
// It speaks RESP itself (no npm packages: the image is Debian's Node.js alone).
const http = require('node:http');
const net = require('node:net');

const port = Number(process.env.PORT || 8080);
let redis;
let buffered = '';
const waiting = [];

function connect() {
  redis = net.connect({ host: process.env.REDIS_HOST, port: 6379 });
  redis.setEncoding('utf8');
  redis.on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 2);
      const w = waiting.shift();
      if (w) w(line);
    }
  });
  redis.on('error', () => {});
  redis.on('close', () => {
    for (const w of waiting.splice(0)) w('-ERR closed');
    setTimeout(connect, 200);
  });
}

function incr(key) {
  return new Promise((resolve) => {
    waiting.push(resolve);
    redis.write(`*2\r\n$4\r\nINCR\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n`);
  });
}

connect();
http
  .createServer(async (req, res) => {
    if (req.url === '/health') {
      res.end('ok');
      return;
    }
    const reply = await incr('hits');
    const ok = reply.startsWith(':');
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok, hits: ok ? Number(reply.slice(1)) : null }));
  })
  .listen(port, () => console.log(`listening on ${port}`));
