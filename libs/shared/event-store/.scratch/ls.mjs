import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
const jsm = await jetstreamManager(nc);
for await (const si of jsm.streams.list()) console.log(si.config.name, si.config.subjects, si.state.messages, si.config.allow_direct, si.config.storage);
await nc.close();
