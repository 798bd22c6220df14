// The shop's API: orders in PostgreSQL, a job queue in Redis, card payments through a provider.
const http = require('node:http');

const port = Number(process.env.PORT || 8080);
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ db: process.env.DATABASE_URL ? 'configured' : 'missing' }));
});
server.listen(port);
