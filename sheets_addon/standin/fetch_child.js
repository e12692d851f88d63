'use strict';
// The network half of the stand-in's UrlFetchApp. Apps Script's UrlFetchApp.fetch is synchronous,
// Node's fetch is not: the stand-in runs this script with execFileSync, so the add-on's code blocks
// on a real HTTP exchange exactly as it does on Google's servers.
//
// stdin:  {"requests": [{"url", "method", "headers", "body" (base64 or null), "redirect"}],
//          "timeoutMs"}
// stdout: {"responses": [{"code", "headers", "body" (base64)} | {"error", "kind"}]}

function readStdin() {
  const chunks = [];
  const fs = require('node:fs');
  let n;
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    try {
      n = fs.readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if (e.code === 'EAGAIN') continue;
      if (e.code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function kindOf(err) {
  const cause = err && err.cause;
  const code = (cause && cause.code) || (err && err.code) || '';
  if (err && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  return 'unavailable';
}

async function one(req, timeoutMs) {
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body == null ? undefined : Buffer.from(req.body, 'base64'),
      redirect: req.redirect || 'follow',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = Buffer.from(await res.arrayBuffer());
    const headers = {};
    res.headers.forEach((v, k) => { headers[k] = v; });
    return { code: res.status, headers, body: body.toString('base64') };
  } catch (err) {
    return { error: String((err && err.cause && err.cause.message) || (err && err.message) || err),
             kind: kindOf(err) };
  }
}

async function main() {
  const input = JSON.parse(readStdin());
  const timeoutMs = input.timeoutMs || 60000;
  const responses = await Promise.all(input.requests.map((r) => one(r, timeoutMs)));
  process.stdout.write(JSON.stringify({ responses }));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err));
  process.exit(1);
});
