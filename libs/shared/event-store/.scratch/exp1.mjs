import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
console.log('server', nc.info.version);
const jsm = await jetstreamManager(nc);
const name = 'EXP' + Date.now();
await jsm.streams.add({ name, subjects: [`${name}.>`], allow_direct: true, duplicate_window: 120e9, storage: 'file' });
const js = jetstream(nc);
const a1 = await js.publish(`${name}.a.1`, 'x', { msgID: 'm1', expect: { lastSubjectSequence: 0 } });
console.log(a1);
await js.publish(`${name}.b.1`, 'y');
await js.publish(`${name}.a.2`, 'z');
await js.publish(`${name}.b.1`, 'y2');
// dedup vs expect
try { const d = await js.publish(`${name}.a.1`, 'x', { msgID: 'm1', expect: { lastSubjectSequence: 0 } }); console.log('dup', d); } catch (e) { console.log('dup err', e.code, e.message); }
try { await js.publish(`${name}.a.1`, 'x', { msgID: 'm2', expect: { lastSubjectSequence: 0 } }); } catch (e) { console.log('conflict', e.name, e.code, e.message); }
const last = await jsm.direct.getMessage(name, { last_by_subj: `${name}.a.1` });
console.log('last', last?.seq, last?.string(), last?.time);
try { const w = await jsm.direct.getMessage(name, { last_by_subj: `${name}.a.>` }); console.log('wildcard last', w?.seq, w?.subject); } catch (e) { console.log('wild err', e.message); }
try { const w = await jsm.direct.getMessage(name, { last_by_subj: `${name}.zz.>` }); console.log('wildcard none', w); } catch (e) { console.log('wild none err', e.message); }
const miss = await jsm.direct.getMessage(name, { last_by_subj: `${name}.a.nope` });
console.log('missing', miss);
const n = await jsm.direct.getMessage(name, { seq: 2, next_by_subj: `${name}.a.>` });
console.log('next', n?.seq, n?.subject);
const s = await jsm.direct.getMessage(name, { seq: 2 });
console.log('byseq', s?.seq, s?.subject);
await jsm.streams.delete(name);
await nc.drain();
