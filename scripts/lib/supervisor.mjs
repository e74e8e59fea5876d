// Keeps the services of `npm start` running: a service that exits on its own
// is started again after a backoff (restart-policy.mjs), while the others keep
// serving; stop() ends them all and restarts nothing. Node builtins only, like
// the rest of scripts/lib.
//
// Events, for tests and callers: 'spawn' {name, pid, restarts}, 'crash'
// {name, code, signal, uptimeMs, delayMs, restart, alarm}.
import { EventEmitter } from 'node:events';
import { DEFAULT_RESTART_POLICY, afterCrash, crashReport, initialRestartState } from './restart-policy.mjs';

const defaultReport = (line, level) => {
  const style = level === 'alarm' ? '\x1b[1;41;97m' : level === 'crash' ? '\x1b[1;31m' : '\x1b[33m';
  console.error(`${style}[supervisor]\x1b[0m ${level === 'alarm' ? `\x1b[1;31m${line}\x1b[0m` : line}`);
};

export class Supervisor extends EventEmitter {
  #services = new Map();
  #stopped = null;
  #policy;
  #report;
  #stopGraceMs;
  #now;

  /**
   * report(line, level): level is 'info', 'crash' or 'alarm'; default: stderr.
   * stopGraceMs: how long stop() waits after SIGTERM before SIGKILL.
   */
  constructor({ policy = DEFAULT_RESTART_POLICY, report = defaultReport, stopGraceMs = 5000, now = Date.now } = {}) {
    super();
    this.#policy = policy;
    this.#report = report;
    this.#stopGraceMs = stopGraceMs;
    this.#now = now;
  }

  get stopping() {
    return this.#stopped !== null;
  }

  /** Starts a service now and whenever it exits on its own; `start()` spawns it and returns the ChildProcess. */
  add(name, start) {
    if (this.#services.has(name)) throw new Error(`${name} is already supervised`);
    if (this.stopping) throw new Error('the supervisor is stopping');
    const service = { name, start, child: null, startedAt: 0, state: initialRestartState(), timer: null };
    this.#services.set(name, service);
    this.#launch(service);
  }

  /** pid of the service's running process; undefined while it is down. */
  pidOf(name) {
    return this.#services.get(name)?.child?.pid;
  }

  /** SIGTERM to every service (SIGKILL after the grace period); no restarts from now on. Safe to call twice. */
  stop() {
    this.#stopped ??= (async () => {
      const services = [...this.#services.values()].reverse(); // the gateway, started last, stops taking requests first
      for (const service of services) clearTimeout(service.timer);
      await Promise.all(services.map((service) => service.child && endChild(service.child, this.#stopGraceMs)));
    })();
    return this.#stopped;
  }

  /** SIGKILL to every service now, e.g. on a second Ctrl-C; no restarts from now on. */
  killAll() {
    void this.stop();
    for (const service of this.#services.values()) service.child?.kill('SIGKILL');
  }

  #launch(service) {
    service.startedAt = this.#now();
    let child;
    try {
      child = service.start();
    } catch (error) {
      this.#crashed(service, null, null, error);
      return;
    }
    service.child = child;
    let ended = false;
    const end = (code, signal, error) => {
      if (ended) return;
      ended = true;
      service.child = null;
      if (!this.stopping) this.#crashed(service, code, signal, error);
    };
    child.once('exit', (code, signal) => end(code, signal));
    // Emitted without 'exit' when the process could not be spawned at all.
    child.on('error', (error) => {
      if (child.pid === undefined) end(null, null, error);
    });
    if (service.state.restarts > 0 && child.pid !== undefined) {
      this.#report(`${service.name} restarted (pid ${child.pid}, restart #${service.state.restarts})`, 'info');
    }
    this.emit('spawn', { name: service.name, pid: child.pid, restarts: service.state.restarts });
  }

  #crashed(service, code, signal, error) {
    const exitedAt = this.#now();
    const { startedAt } = service;
    const decision = afterCrash(service.state, { startedAt, exitedAt }, this.#policy);
    service.state = decision.state;
    const uptimeMs = exitedAt - startedAt;
    if (error) this.#report(`${service.name} could not be started: ${error.message}`, 'crash');
    const [line, alarm] = crashReport(service.name, { code, signal, uptimeMs }, decision, this.#policy);
    this.#report(line, 'crash');
    if (alarm) this.#report(alarm, 'alarm');
    this.emit('crash', { name: service.name, code, signal, uptimeMs, delayMs: decision.delayMs, restart: decision.restart, alarm: decision.alarm });
    service.timer = setTimeout(() => {
      service.timer = null;
      if (!this.stopping) this.#launch(service);
    }, decision.delayMs);
  }
}

function endChild(child, graceMs) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Ctrl-C / SIGTERM: stop() then `onStopped()` (which should exit). A second
 * signal while stopping kills what is left and exits at once.
 */
export function stopOnSignals(supervisor, onStopped, signals = ['SIGINT', 'SIGTERM']) {
  let received = false;
  for (const signal of signals) {
    process.on(signal, () => {
      if (received) {
        supervisor.killAll();
        process.exit(130);
      }
      received = true;
      supervisor.stop().then(onStopped, onStopped);
    });
  }
}
