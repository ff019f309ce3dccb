// The reference floor: a bare node:http server that reads the body and answers 202.
const { createServer } = require('node:http');

createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(202);
    res.end();
  });
}).listen(Number(process.env.FUNC_PORT ?? 8080), '127.0.0.1');
