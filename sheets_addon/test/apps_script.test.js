'use strict';
// The add-on's Apps Script code (Code.gs, with functions.gs and lib/ loaded beside it as in the
// script project) run in the stand-in for Google's globals. The tests that need the service are
// run by tests/addon/test_apps_script.py, which starts the real service (werkzeug on loopback,
// a SQLite file, a real token, Google Sheets played by sheets_emulator over HTTP) and passes it
// here in the environment; without it they are skipped and say so.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { createStandin, pushedFiles, AuthMode, CURL } = require('../standin');

const SERVICE = process.env.ADDON_TEST_SERVICE_URL || '';
const TOKEN = process.env.ADDON_TEST_TOKEN || '';
const SHEET = process.env.ADDON_TEST_SHEET || '';
const SHEET_EN = process.env.ADDON_TEST_SHEET_EN || '';
const SHEET_CHECK = process.env.ADDON_TEST_SHEET_CHECK || '';
const VALUES = process.env.ADDON_TEST_VALUES ? JSON.parse(fs.readFileSync(process.env.ADDON_TEST_VALUES, 'utf8')) : null;
const live = SERVICE && TOKEN && SHEET ? {} : {
  skip: 'needs the service: tests/addon/test_apps_script.py starts it and runs this file' };

const MENU_EN = ['Sync now', 'Inspect columns', 'Schedule…', 'Last runs', 'Open dashboard', '-',
                 'Settings'];
const MENU_RU = ['Синхронизировать сейчас', 'Как прочитаны столбцы', 'Расписание…',
                 'Последние запуски', 'Открыть панель', '-', 'Настройки'];
const PROPS = { url: 'FUNNEL_KPI_SERVICE_URL', token: 'FUNNEL_KPI_TOKEN' };

function world(options = {}) {
  const s = createStandin({
    userLocale: 'en',
    spreadsheet: { id: SHEET || 'offline-sheet', locale: 'en_US', timeZone: 'Europe/London',
                   sheets: VALUES || { Funnel: [['Month', 'Leads'], ['2024-01-01', 10]] } },
    ...options,
  });
  s.load();
  return s;
}

function captions(menu) {
  return menu.items.map((i) => (i.separator ? '-' : i.caption));
}

/** A port nothing listens on: bound by us, then closed. */
function closedPort() {
  const out = execFileSync(process.execPath, ['-e', `
    const s = require('node:net').createServer().listen(0, '127.0.0.1', () => {
      process.stdout.write(String(s.address().port)); s.close(); });`]);
  return Number(out.toString());
}

function configured(s, url = SERVICE, token = TOKEN) {
  s.world.documentProperties.setProperty(PROPS.url, url);
  s.world.documentProperties.setProperty(PROPS.token, token);
  return s;
}

/** The service's API straight (not through Code.gs), with the stand-in's real UrlFetchApp. */
function api(s, method, path, body) {
  const params = { method, muteHttpExceptions: true, headers: { Authorization: `Bearer ${TOKEN}` } };
  if (body !== undefined) {
    params.contentType = 'application/json';
    params.payload = JSON.stringify(body);
  }
  const res = s.context.UrlFetchApp.fetch(`${SERVICE}/api/v1${path}`, params);
  return { code: res.getResponseCode(), body: JSON.parse(res.getContentText() || 'null') };
}

function textOf(html) {
  return html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
}

// ------------------------------------------------------------------ no service needed

test('clasp pushes Code.gs and the generated functions into one global scope', () => {
  const files = pushedFiles();
  assert.ok(files.includes('Code.gs'));
  assert.ok(!files.some((f) => f.startsWith('standin/') || f.startsWith('test/')));
  const manifest = JSON.parse(fs.readFileSync(`${__dirname}/../appsscript.json`, 'utf8'));
  assert.equal(manifest.runtimeVersion, 'V8');
  assert.deepEqual([...manifest.oauthScopes].sort(), [
    'https://www.googleapis.com/auth/script.container.ui',
    'https://www.googleapis.com/auth/script.external_request',
    'https://www.googleapis.com/auth/spreadsheets.currentonly',
  ]);
  const ignore = fs.readFileSync(`${__dirname}/../.claspignore`, 'utf8');
  for (const dir of ['standin/**', 'test/**', 'node_modules/**']) assert.ok(ignore.includes(dir), dir);
  world();  // loading every pushed file together throws on a name declared twice
});

test('the stand-in\'s ranges read and write cells as Sheets does', () => {
  const s = createStandin({ spreadsheet: { id: 'r', sheets: { Data: [['Month', 'Leads'], ['Jan', 10]],
                                                              "Bob's": [] } } });
  const ss = s.world.spreadsheet;
  assert.deepEqual(ss.getRange('Data!A1:C2').getValues(), [['Month', 'Leads', ''], ['Jan', 10, '']]);
  ss.getSheetByName('Data').getRange(3, 1, 1, 2).setValues([['Feb', 12]]);
  assert.equal(ss.getRange('Data!B3').getValue(), 12);
  assert.equal(ss.getSheetByName('Data').getDataRange().getA1Notation(), 'A1:B3');
  ss.getRange("'Bob''s'!AA10").setValue('x');
  assert.equal(ss.getSheetByName("Bob's").getRange('AA10').getValue(), 'x');
  assert.throws(() => ss.getRange('Data!A1:B2').setValues([[1, 2]]), /number of rows in the data/);
  assert.throws(() => ss.getRange('Nope!A1'), /Range not found/);
});

test('onOpen builds the menu in English, touching nothing AuthMode.NONE forbids', () => {
  const s = world({ userLocale: 'en' });
  s.trigger('onOpen', AuthMode.NONE);  // properties or URL Fetch here would throw
  assert.equal(s.world.menus.length, 1);
  assert.equal(s.world.menus[0].title, 'Funnel KPI');
  assert.deepEqual(captions(s.world.menus[0]), MENU_EN);
  for (const item of s.world.menus[0].items.filter((i) => !i.separator)) {
    assert.equal(typeof s.call('eval', item.functionName), 'function', item.functionName);
  }
});

test('onOpen builds the menu in Russian', () => {
  const s = world({ userLocale: 'ru' });
  s.trigger('onOpen', AuthMode.NONE);
  assert.deepEqual(captions(s.world.menus[0]), MENU_RU);
});

test('without a user locale the spreadsheet locale decides; onInstall builds the same menu', () => {
  const s = world({ userLocale: '', spreadsheet: { id: 'x', locale: 'ru_RU' } });
  s.trigger('onInstall', AuthMode.FULL);
  assert.deepEqual(captions(s.world.menus[0]), MENU_RU);
  const n = world({ userLocale: '', spreadsheet: { id: 'x', locale: 'ru_RU' } });
  n.trigger('onOpen', AuthMode.NONE);  // the spreadsheet cannot be read then: English
  assert.deepEqual(captions(n.world.menus[0]), MENU_EN);
});

test('the menu items open the sidebar and the dialogs from the real .html files', () => {
  const s = world({ userLocale: 'ru' });
  s.call('addonMenuSync');
  s.call('addonMenuSettings');
  s.call('addonMenuSchedule');
  const [sidebar, settings, schedule] = s.world.shown;
  assert.equal(sidebar.kind, 'sidebar');
  assert.equal(sidebar.title, 'Funnel KPI');
  assert.match(sidebar.html, /<main id="content" data-view="sync">/);
  assert.match(sidebar.html, /var FIRST_VIEW = "sync";/);
  assert.match(sidebar.html, />Синхронизировать</);
  assert.doesNotMatch(sidebar.html, /<\?/);  // every scriptlet evaluated
  assert.equal(settings.kind, 'modal');
  assert.equal(settings.title, 'Настройки Funnel KPI');
  assert.equal(schedule.title, 'Расписание Funnel KPI');
  for (const page of s.world.shown) {
    // no CDN, no external assets: nothing is loaded from anywhere
    assert.doesNotMatch(page.html, /<(script|link|img)[^>]+(src|href)=/i);
  }
});

test('missing settings: every view says what to do, and nothing is fetched', () => {
  const s = world({ userLocale: 'en' });
  for (const view of ['sync', 'inspect', 'runs', 'status']) {
    const res = s.run('addonSidebarAction', view);
    assert.equal(res.ok, false);
    assert.equal(res.code, 'no_settings');
    assert.equal(res.message, 'Set the service address and token first: Funnel KPI → Settings.');
    assert.match(res.html, /data-action="settings"/);
  }
  s.call('addonMenuDashboard');
  assert.deepEqual(s.world.shown.at(-1), { kind: 'alert', title: 'Funnel KPI',
    text: 'Set the service address and token first: Funnel KPI → Settings.' });
  assert.equal(s.world.fetches.length, 0);
  const ru = world({ userLocale: 'ru' });
  assert.equal(ru.run('addonSidebarAction', 'sync').message,
               'Сначала укажите адрес сервиса и токен: Funnel KPI → Настройки.');
});

test('Settings: kept in document properties, never in a cell; the token is never shown back', () => {
  const port = closedPort();
  const s = world({ userLocale: 'en' });
  const secret = 'tok_0123456789abcdefWXYZ';
  const res = s.run('addonSaveSettings', { url: ` http://127.0.0.1:${port}/api/v1/ `, token: secret });
  assert.equal(res.saved, true);
  assert.deepEqual(s.world.documentProperties.getProperties(),
                   { [PROPS.url]: `http://127.0.0.1:${port}`, [PROPS.token]: secret });
  assert.deepEqual(s.world.userProperties.getProperties(), {});
  const cells = JSON.stringify(s.world.spreadsheet.sheets.map((sh) => sh.cells));
  assert.ok(!cells.includes(secret));
  assert.ok(!JSON.stringify(res).includes(secret));
  assert.equal(res.view.tokenHint, '••••WXYZ');
  // nothing listens there: saved, and the check says so in words
  assert.equal(res.code, 'unreachable');
  assert.equal(res.message, `Saved. The service at http://127.0.0.1:${port} cannot be reached. `
    + 'Check the address in Settings, and that the service is running and reachable from the '
    + 'internet over HTTPS.');
  s.call('addonMenuSettings');
  const page = s.world.shown.at(-1).html;
  assert.ok(!page.includes(secret));
  assert.match(page, /Leave empty to keep the saved token \(••••WXYZ\)/);
  // an empty token field keeps the saved token
  s.run('addonSaveSettings', { url: `http://localhost:${port}`, token: '' });
  assert.equal(s.world.documentProperties.getProperty(PROPS.token), secret);
  assert.equal(s.world.documentProperties.getProperty(PROPS.url), `http://localhost:${port}`);
  assert.equal(s.run('addonClearSettings').ok, true);
  assert.deepEqual(s.world.documentProperties.getProperties(), {});
});

test('Settings refuses an address it cannot use, in the user\'s language', () => {
  const s = world({ userLocale: 'en' });
  assert.equal(s.run('addonSaveSettings', { url: '', token: 'x' }).message,
               'Enter the service address, e.g. https://kpi.example.com');
  assert.equal(s.run('addonSaveSettings', { url: 'kpi.example.com', token: 'x' }).code, 'bad_url');
  assert.match(s.run('addonSaveSettings', { url: 'http://kpi.example.com', token: 'x' }).message,
               /^Use https:\/\//);
  assert.equal(s.run('addonSaveSettings', { url: 'https://kpi.example.com', token: '' }).code,
               'no_token');
  assert.deepEqual(s.world.documentProperties.getProperties(), {});
  const ru = world({ userLocale: 'ru' });
  assert.match(ru.run('addonSaveSettings', { url: 'http://kpi.example.com', token: 'x' }).message,
               /^Используйте https:\/\//);
});

test('an unreachable service is a message, never an exception', () => {
  const s = configured(world({ userLocale: 'en' }), `http://127.0.0.1:${closedPort()}`, 'whatever');
  const res = s.run('addonSidebarAction', 'sync');
  assert.equal(res.ok, false);
  assert.equal(res.code, 'unreachable');
  assert.match(textOf(res.html), /cannot be reached/);
  assert.doesNotMatch(res.html, /Error|at .*\.gs:\d+/);
  assert.equal(s.world.fetches.length, 1);
  assert.match(s.world.fetches[0].error, /ECONNREFUSED|connect/i);
});

test('the schedule form turns presets into cron lines and back', () => {
  const s = world();
  const t = s.call('eval', 'ADDON_TEXT.en');
  const cron = (form) => s.run('addonCron_', form, t);
  assert.deepEqual(cron({ preset: 'off' }), { cron: null });
  assert.deepEqual(cron({ preset: 'hourly' }), { cron: '0 * * * *' });
  assert.deepEqual(cron({ preset: 'daily', time: '7:05' }), { cron: '5 7 * * *' });
  assert.deepEqual(cron({ preset: 'weekdays', time: '07:30' }), { cron: '30 7 * * 1-5' });
  assert.deepEqual(cron({ preset: 'weekly', time: '23:59' }), { cron: '59 23 * * 1' });
  assert.deepEqual(cron({ preset: 'custom', cron: ' 0  6 1 * * ' }), { cron: '0 6 1 * *' });
  assert.equal(cron({ preset: 'daily', time: '24:00' }).error, t.scheduleTimeBad);
  assert.equal(cron({ preset: 'custom', cron: '0 6 *' }).error, t.scheduleCronBad);
  for (const c of ['30 7 * * 1-5', '5 7 * * *', '59 23 * * 1', '0 * * * *', '0 6 1 * *']) {
    const back = s.run('addonScheduleForm_', { cron: c, timezone: 'UTC' });
    assert.deepEqual(cron({ preset: back.preset, time: back.time, cron: back.cron }), { cron: c });
  }
});

// ------------------------------------------------------------------ the real service

test('a wrong token gives the clear message', live, () => {
  const s = configured(world({ userLocale: 'en' }), SERVICE, 'not-a-real-token-000000');
  const res = s.run('addonSidebarAction', 'sync');
  assert.equal(res.code, 'bad_token');
  assert.equal(res.message, 'The service refused the token (401): it is wrong or revoked. Make a '
    + 'new one with `sheets-sync tokens create NAME` and save it in Settings.');
  assert.match(res.html, /data-action="settings"/);
  assert.deepEqual(s.world.fetches.map((f) => f.code), [401]);
  const saved = s.run('addonSaveSettings', { url: SERVICE, token: 'still-wrong-token-000000' });
  assert.equal(saved.code, 'bad_token');
  const ru = configured(world({ userLocale: 'ru' }), SERVICE, 'not-a-real-token-000000');
  assert.match(ru.run('addonSidebarAction', 'runs').message, /^Сервис не принял токен \(401\)/);
});

for (const transport of ['curl', 'node']) {
test(`an address that answers, but not as the service, says so (URL Fetch over ${transport})`,
     { skip: transport === 'curl' && !CURL && 'no curl on this machine' }, async () => {
  // a separate process: the stand-in's URL Fetch blocks this one while it waits
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, ['-e', `
    const s = require('node:http').createServer((q, r) => {
      r.writeHead(200, {'Content-Type': 'text/html'}); r.end('<html>a blog</html>'); });
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`]);
  try {
    const port = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(Number(d))));
    const s = configured(world({ transport }), `http://127.0.0.1:${port}`, 'x');
    const res = s.run('addonSidebarAction', 'status');
    assert.deepEqual(s.world.fetches.map((f) => [f.method, f.code]), [['GET', 200]]);
    assert.equal(res.code, 'not_service');
    assert.equal(res.message, `The address http://127.0.0.1:${port} answered (HTTP 200), but not `
      + 'as the Funnel KPI service: check the address in Settings.');
  } finally {
    child.kill();
  }
});
}

test('Sync now: a real sync through the service, its status in the sidebar', live, () => {
  const s = world({ userLocale: 'en' });
  const saved = s.run('addonSaveSettings', { url: SERVICE, token: TOKEN });
  assert.equal(saved.ok, true);
  assert.equal(saved.message, 'Saved. Connected. No job reads this spreadsheet yet: Sync now '
    + 'creates one.');
  s.call('addonMenuSync');
  assert.equal(s.world.shown.at(-1).kind, 'sidebar');
  s.world.fetches.length = 0;

  const first = s.run('addonSidebarAction', 'sync');
  assert.equal(first.ok, true, first.message);
  assert.equal(first.run.status, 'written');
  assert.ok(['ok', 'check'].includes(first.run.data_status));
  assert.equal(first.created.spreadsheet, SHEET);
  assert.deepEqual(s.world.fetches.map((f) => `${f.method} ${f.url.replace(SERVICE, '').split('?')[0]} ${f.code}`), [
    'POST /api/v1/addon/sync 404',  // no job yet:
    'POST /api/v1/addon/job 201',   // the add-on makes it
    'POST /api/v1/addon/sync 201',
    'GET /api/v1/addon/job 200',
  ]);
  const text = textOf(first.html);
  assert.match(text, /Last sync Written: the KPI tab is up to date/);
  assert.match(text, new RegExp(`The service now syncs this spreadsheet as job #${first.created.id}\\.`));
  if (first.run.data_status === 'ok') assert.match(text, /Data: OK, every column understood/);
  else assert.match(text, /Data: check/);
  for (const reason of first.run.status_reasons) assert.ok(first.html.includes(reason), reason);
  // reasons come before the error and the timing: the order the brief asks for
  assert.ok(first.html.indexOf('id="data-status"') < first.html.indexOf('class="muted"'));

  // the service wrote the KPI tab: its runs agree with what the sidebar said
  const runs = api(s, 'get', `/addon/runs?spreadsheet=${SHEET}`);
  assert.equal(runs.body.runs[0].id, first.run.id);
  assert.equal(runs.body.runs[0].status, 'written');

  const again = s.run('addonSidebarAction', 'sync');
  assert.equal(again.run.status, 'unchanged');
  assert.match(textOf(again.html), /Nothing changed since the last sync/);
  assert.equal(again.created, null);

  const status = s.run('addonSidebarAction', 'status');
  assert.equal(status.run.id, again.run.id);
  assert.match(status.html, new RegExp(`data-job-id="${first.created.id}"`));
});

test('Sync now in Russian: the same run, the words in Russian', live, () => {
  const s = configured(world({ userLocale: 'ru' }));
  const res = s.run('addonSidebarAction', 'sync');
  assert.equal(res.ok, true, res.message);
  assert.match(textOf(res.html), /Последняя синхронизация (Записано|С прошлой синхронизации ничего не изменилось)/);
  assert.match(textOf(res.html), /Данные: (всё в порядке|проверьте)/);
});

test('Sync now on data to check: the reasons first, then the rest; in Russian too', live, () => {
  if (!SHEET_CHECK) return;
  const s = configured(world({ userLocale: 'en', spreadsheet: { id: SHEET_CHECK } }));
  const res = s.run('addonSidebarAction', 'sync');
  assert.equal(res.ok, true, res.message);
  assert.equal(res.run.status, 'written');
  assert.equal(res.run.data_status, 'check');
  assert.equal(res.run.status_reasons.length, 2, JSON.stringify(res.run.status_reasons));
  const text = textOf(res.html);
  assert.match(text, /Last sync Written: the KPI tab is up to date Data: check /);
  let at = res.html.indexOf('id="reasons"');
  for (const reason of res.run.status_reasons) {
    const next = res.html.indexOf(reason.replace(/'/g, '&#39;'), at);
    assert.ok(next > at, reason);  // listed, in the service's order
    at = next;
  }
  assert.ok(res.html.indexOf('id="reasons"') < res.html.indexOf('id="job"'));
  assert.match(res.run.status_reasons.join(' '), /column ignored: Funnel!G1/);
  assert.match(res.run.status_reasons.join(' '), /more than at the stage before.*Funnel!C7/);

  const ru = configured(world({ userLocale: 'ru', spreadsheet: { id: SHEET_CHECK } }));
  const inRu = ru.run('addonSidebarAction', 'inspect');
  assert.equal(inRu.readout.status, 'check');
  const ruText = textOf(inRu.html);
  assert.match(ruText, /Данные: проверьте/);
  for (const reason of inRu.readout.status_reasons_ru) assert.ok(ruText.includes(reason), reason);
  assert.match(ruText, /столбец не учтён: Funnel!G1/);
});

test('Inspect columns: the read-out, with the pinned mapping', live, () => {
  const s = configured(world({ userLocale: 'en' }));
  const plain = s.run('addonSidebarAction', 'inspect');
  assert.equal(plain.ok, true, plain.message);
  const direct = api(s, 'post', '/addon/inspect', { spreadsheet: SHEET }).body;
  assert.deepEqual(plain.readout, direct);
  assert.ok(direct.tabs.length >= 1);
  const text = textOf(plain.html);
  assert.match(text, /How the columns are read/);
  assert.match(text, /Nothing pinned/);
  for (const tab of direct.tabs) {
    assert.ok(text.includes(tab.tab), tab.tab);
    for (const c of tab.columns) {
      assert.ok(text.includes(`${c.column} ${c.header} ${c.read_as}`.replace(/\s+/g, ' ')), c.header);
      assert.ok(text.includes(c.how), c.how);
      for (const sample of c.samples) assert.ok(text.includes(sample), sample);
    }
  }
  assert.equal((plain.html.match(/<tr class="evidence-/g) || []).length,
               direct.tabs.reduce((n, tab) => n + tab.columns.length, 0));

  // pin one column the way the dashboard does (the job's funnel.columns), then look again
  const stage = direct.tabs.flatMap((tab) => tab.columns).find((c) => c.role === 'stage');
  const job = api(s, 'get', `/addon/job?spreadsheet=${SHEET}`).body.job;
  const patched = api(s, 'patch', `/jobs/${job.id}`, { funnel: { columns: { [stage.header]: stage.key } } });
  assert.equal(patched.code, 200, JSON.stringify(patched.body));
  const pinned = s.run('addonSidebarAction', 'inspect');
  const row = pinned.readout.tabs.flatMap((tab) => tab.columns).find((c) => c.header === stage.header);
  assert.equal(row.evidence, 'pinned');
  assert.match(textOf(pinned.html), new RegExp(`Pinned mapping ${stage.header} → ${stage.key}`));
  assert.match(pinned.html, /<tr class="evidence-pinned"/);
  api(s, 'patch', `/jobs/${job.id}`, { funnel: null });

  const ru = configured(world({ userLocale: 'ru' }));
  const inRu = textOf(ru.run('addonSidebarAction', 'inspect').html);
  assert.match(inRu, /Как прочитаны столбцы/);
  for (const c of direct.tabs[0].columns) assert.ok(inRu.includes(c.read_as_ru), c.read_as_ru);
});

test('Last runs lists the runs, newest first', live, () => {
  const s = configured(world({ userLocale: 'en' }));
  const res = s.run('addonSidebarAction', 'runs');
  assert.equal(res.ok, true, res.message);
  const direct = api(s, 'get', `/addon/runs?spreadsheet=${SHEET}&limit=10`).body.runs;
  assert.ok(direct.length >= 2);
  assert.deepEqual(res.runs.map((r) => r.id), direct.map((r) => r.id));
  assert.equal((res.html.match(/<tr class="run"/g) || []).length, direct.length);
  assert.match(textOf(res.html), /Last runs Started By Result Data/);
  assert.match(textOf(res.html), /API \/ add-on (written|unchanged)/);
});

test('Schedule…: sets the job\'s schedule in the spreadsheet\'s time zone', live, () => {
  const s = configured(world({ userLocale: 'en', spreadsheet: { id: SHEET, timeZone: 'Europe/Moscow' } }));
  const set = s.run('addonSaveSchedule', { preset: 'weekdays', time: '07:30' });
  assert.equal(set.ok, true, set.message);
  assert.deepEqual(set.schedule, { cron: '30 7 * * 1-5', interval_seconds: null, timezone: 'Europe/Moscow' });
  assert.equal(set.message, 'Saved: Monday to Friday at 07:30 (Europe/Moscow).');
  const job = api(s, 'get', `/addon/job?spreadsheet=${SHEET}`).body.job;
  assert.equal(job.schedule.cron, '30 7 * * 1-5');
  assert.ok(job.next_run_at);
  const view = s.run('addonScheduleView');
  assert.equal(view.preset, 'weekdays');
  assert.equal(view.time, '07:30');
  s.call('addonMenuSchedule');
  assert.match(s.world.shown.at(-1).html, /<option value="weekdays" selected>/);
  const bad = s.run('addonSaveSchedule', { preset: 'custom', cron: '61 * * * *' });
  assert.equal(bad.ok, false);
  assert.match(bad.message, /HTTP 422/);
  // a Russian user reads the service's own sentence in Russian (its message_ru)
  const ru = configured(world({ userLocale: 'ru', spreadsheet: { id: SHEET, timeZone: 'Europe/Moscow' } }));
  const badRu = ru.run('addonSaveSchedule', { preset: 'custom', cron: '61 * * * *' });
  assert.equal(badRu.ok, false);
  assert.match(badRu.message, /^Сервис отклонил запрос \(HTTP 422\): .*Исправьте поле/);
  assert.doesNotMatch(badRu.message, /Fix the field/);
  const off = s.run('addonSaveSchedule', { preset: 'off' });
  assert.equal(off.ok, true, off.message);
  assert.equal(api(s, 'get', `/addon/job?spreadsheet=${SHEET}`).body.job.schedule, null);
});

test('Schedule… on a spreadsheet the service does not know yet creates its job', live, () => {
  if (!SHEET_EN) return;
  const s = configured(world({ userLocale: 'en', spreadsheet: { id: SHEET_EN, timeZone: 'UTC' } }));
  assert.equal(api(s, 'get', `/addon/job?spreadsheet=${SHEET_EN}`).code, 404);
  const set = s.run('addonSaveSchedule', { preset: 'daily', time: '06:00' });
  assert.equal(set.ok, true, set.message);
  assert.equal(set.job.spreadsheet, SHEET_EN);
  assert.equal(set.job.schedule.cron, '0 6 * * *');
  assert.equal(set.job.output_tab, 'KPI');
  api(s, 'delete', `/jobs/${set.job.id}`);
});

test('a batch function call from functions.gs returns the service\'s values', live, (t) => {
  if (!fs.existsSync(`${__dirname}/../functions.gs`)) return t.skip('functions.gs not generated');
  const s = configured(world({ userLocale: 'en' }));
  // the ranges as Sheets hands them to a custom function: the stage headers and one month's
  // counts of the funnel tab, rows of cell values
  const tab = s.world.spreadsheet.getSheets()[0];
  const names = tab.getRange('B1:I1').getValues();
  const counts = tab.getRange('B13:I13').getValues();
  assert.ok(counts[0].every((n) => typeof n === 'number' && n > 0), JSON.stringify(counts));

  let before = s.world.fetches.length;
  const table = JSON.parse(JSON.stringify(s.customFunction('FUNNEL_FUNNEL', names, counts)));
  const calls = s.world.fetches.slice(before);
  assert.deepEqual(calls.map((f) => [f.method, f.url, f.code]),
                   [['POST', `${SERVICE}/api/v1/functions/FUNNEL`, 200]]);
  const direct = api(s, 'post', '/functions/FUNNEL', { calls: [{ args: [names, counts] }] });
  assert.equal(direct.code, 200);
  assert.deepEqual(table, direct.body.results[0].value);
  // the numbers are the funnel's: a row per stage with its count and step conversion
  const rows = table.filter((r) => names[0].includes(r[0]));
  assert.equal(rows.length, 8, JSON.stringify(table));
  rows.forEach((r, i) => assert.equal(r[1], counts[0][i]));
  assert.ok(Math.abs(rows[1][2] - counts[0][1] / counts[0][0]) < 1e-9, JSON.stringify(rows[1]));

  // one range where a single value goes: one request carrying a call per cell. Dates arrive
  // as Date objects, as Sheets passes date cells; 10, 20 and 3 days: mean 11, median 10
  const day = (iso) => new Date(`${iso}T00:00:00Z`);
  const starts = [[day('2024-01-01')], [day('2024-01-10')], [day('2024-02-01')]];
  const ends = [[day('2024-01-11')], [day('2024-01-30')], [day('2024-02-04')]];
  before = s.world.fetches.length;
  const stats = s.customFunction('FUNNEL_STAGETIME', starts, ends, [['mean'], ['median']]);
  assert.equal(s.world.fetches.length - before, 1);
  assert.deepEqual(JSON.parse(JSON.stringify(stats)), [[11], [10]]);

  // and in JavaScript, with no request at all
  before = s.world.fetches.length;
  assert.equal(s.customFunction('FUNNEL_CONVERSION', counts[0][0], counts[0][1]), counts[0][1] / counts[0][0]);
  assert.equal(s.world.fetches.length, before);
});

test('Last runs and the status of a spreadsheet the service does not know: no job yet', live, () => {
  if (!SHEET_EN) return;
  const s = configured(world({ userLocale: 'en', spreadsheet: { id: SHEET_EN } }));
  for (const view of ['runs', 'status']) {
    const res = s.run('addonSidebarAction', view);
    assert.equal(res.code, 'no_job');
    assert.equal(res.message, 'The service has no job for this spreadsheet yet: Sync now or '
      + 'Schedule… creates it.');
    assert.match(res.html, /class="message info"/);
  }
});

test('Open dashboard: the job\'s page on the service', live, () => {
  const s = configured(world({ userLocale: 'en' }));
  const job = api(s, 'get', `/addon/job?spreadsheet=${SHEET}`).body.job;
  s.call('addonMenuDashboard');
  const shown = s.world.shown.at(-1);
  assert.equal(shown.kind, 'modal');
  assert.equal(shown.title, 'Funnel KPI dashboard');
  assert.match(shown.html, new RegExp(`href="${SERVICE}/jobs/${job.id}"`));
});
