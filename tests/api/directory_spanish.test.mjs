// A search in Spanish finds services written in English: the full-text
// index carries Spanish words for what a service offers
// (src/directory/synonyms.c), so "refugio" finds the demo's emergency
// shelters, "comida" its food pantries, with or without accents.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startServer } from '../lib/api.mjs';

describe('the directory in Spanish', () => {
  let srv;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv?.cleanup(); });

  const ids = async (q) => {
    const r = await srv.get(`/api/directory/services?search=${encodeURIComponent(q)}&per_page=100`);
    assert.equal(r.status, 200, r.text);
    return { total: r.body.total_items, ids: new Set(r.body.contents.map((s) => s.id)), names: r.body.contents.map((s) => s.name) };
  };

  it('"refugio" and "albergue" find every shelter', async () => {
    const en = await ids('shelter');
    assert.ok(en.total > 0, 'the demo has shelters');
    for (const q of ['refugio', 'albergue', 'refugios']) {
      const es = await ids(q);
      for (const id of en.ids) assert.ok(es.ids.has(id), `${q}: the shelter ${id} is found`);
    }
  });

  it('"comida", "clínica" and "clinica", "consejería" find food, clinics and counseling', async () => {
    const pairs = [['food', 'comida'], ['clinic', 'clínica'], ['clinic', 'clinica'], ['counseling', 'consejería']];
    for (const [e, s] of pairs) {
      const en = await ids(e);
      const es = await ids(s);
      assert.ok(en.total > 0 && es.total > 0, `${e} / ${s}`);
      for (const id of en.ids) assert.ok(es.ids.has(id), `${s} finds what ${e} finds (${id})`);
    }
  });

  it('a Spanish word with nothing behind it finds nothing', async () => {
    assert.equal((await ids('sinsentidoxyz')).total, 0);
  });
});
