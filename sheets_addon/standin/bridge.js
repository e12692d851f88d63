'use strict';
// The add-on's pages in a real browser: a loopback HTTP server that plays Google's part. It
// renders a page the way the menu item does (the stand-in runs Code.gs and HtmlService
// evaluates the template), adds a google.script.run that posts to /run/<function>, and runs that
// function in the same stand-in, whose UrlFetchApp calls the real service. So a click in the
// sidebar goes page -> script -> service over HTTP, as in Sheets, with Google's servers replaced
// by this process.
//
//   node standin/bridge.js            config: the JSON file STANDIN_CONFIG names (createStandin's
//                                     options: spreadsheet, userLocale, documentProperties)
//   GET  /page/<menu function>        the HTML the menu item shows (addonMenuSync, ...)
//   POST /run/<function>              body: the arguments as a JSON array -> {"value"} | {"error"}
//   GET  /shown                       what the script has shown so far (sidebars, dialogs, alerts)
// It prints "listening <port>" when ready.

const fs = require('node:fs');
const http = require('node:http');
const { createStandin } = require('./index');

// google.script.run and google.script.host as the page sees them in Sheets: asynchronous, with
// success and failure handlers; the arguments and the answer travel as JSON.
const SHIM = `<script>
(function () {
  function runner(ok, fail, user) {
    return new Proxy({}, { get: function (_, name) {
      if (name === 'withSuccessHandler') return function (f) { return runner(f, fail, user); };
      if (name === 'withFailureHandler') return function (f) { return runner(ok, f, user); };
      if (name === 'withUserObject') return function (u) { return runner(ok, fail, u); };
      return function () {
        var args = Array.prototype.slice.call(arguments);
        fetch('/run/' + encodeURIComponent(name), { method: 'POST',
          headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(args) })
          .then(function (r) { return r.json().then(function (b) { return [r.status, b]; }); })
          .then(function (x) {
            if (x[0] === 200) { if (ok) ok(x[1].value, user); }
            else if (fail) fail(new Error(x[1].error), user);
          })
          .catch(function (e) { if (fail) fail(e, user); });
      };
    } });
  }
  window.google = { script: { run: runner(null, null, undefined), host: {
    close: function () { window.__closed = true; document.documentElement.setAttribute('data-closed', 'true'); },
    setHeight: function () {}, setWidth: function () {}, editor: { focus: function () {} } } } };
})();
</script>`;

function inject(html) {
  const at = html.indexOf('<head>');
  return at < 0 ? SHIM + html : html.slice(0, at + 6) + SHIM + html.slice(at + 6);
}

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

function main() {
  const file = process.env.STANDIN_CONFIG;
  const standin = createStandin(file ? JSON.parse(fs.readFileSync(file, 'utf8')) : {});
  standin.load();
  standin.trigger('onOpen');

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const page = /^\/page\/(\w+)$/.exec(url.pathname);
    const run = /^\/run\/(\w+)$/.exec(url.pathname);
    if (req.method === 'GET' && page) {
      try {
        const before = standin.world.shown.length;
        standin.call(page[1]);
        const shown = standin.world.shown.slice(before).find((s) => s.html);
        if (!shown) return send(res, 404, 'text/plain', `${page[1]} showed no page`);
        return send(res, 200, 'text/html; charset=utf-8', inject(shown.html));
      } catch (err) {
        return send(res, 500, 'text/plain', String(err && err.stack || err));
      }
    }
    if (req.method === 'POST' && run) {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        try {
          const args = JSON.parse(Buffer.concat(chunks).toString('utf8') || '[]');
          const value = standin.run(run[1], ...args);
          send(res, 200, 'application/json', JSON.stringify({ value }));
        } catch (err) {  // what google.script.run hands the failure handler
          send(res, 500, 'application/json', JSON.stringify({ error: String(err && err.message || err) }));
        }
      });
      return undefined;
    }
    if (req.method === 'GET' && url.pathname === '/shown') {
      const shown = standin.world.shown.map((s) => ({ kind: s.kind, title: s.title, text: s.text }));
      return send(res, 200, 'application/json', JSON.stringify({ shown, fetches: standin.world.fetches }));
    }
    return send(res, 404, 'text/plain', 'not found');
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening ${server.address().port}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
