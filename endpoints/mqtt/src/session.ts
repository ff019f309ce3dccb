/**
 * One MQTT connection: CONNECT decided by connect.ts, PUBLISH forwarded as CloudEvents and
 * acknowledged (QoS 1) only once the sink accepted them, in the order received (acks.ts);
 * everything an ingest endpoint does not do (QoS 2, retain, subscriptions) refused with the right code.
 * How a connection ends, and what it is counted under, is ending.ts.
 */
import type { Duplex } from 'node:stream';
import mqtt, { type IConnectPacket, type IPublishPacket, type Packet } from 'mqtt-packet';
import type { Registry } from '@kiot/core';
import { AckQueue, pubacks } from './acks';
import { Forwards, perQos, refusal, type ForwardDeps, type PerQos } from './forwards';
import { Inbox } from './inbox';
import { KeepAlive } from './keepalive';
import { TopicAliases } from './aliases';
import { negotiate, type ConnectDeps } from './connect';
import { control } from './control';
import { Ending } from './ending';
import { Framer } from './framing';
import { Outbox } from './outbox';
import { propertyProblem } from './properties';
import { buildEvent, publishProps, publishViolation, REASON, Routes, type Identity } from './publish';
import { identityUnder } from './revocation';
import { publishWill, type Will } from './will';

/** A TCP or TLS socket, or a WebSocket stream: what a session reads from and writes to. */
export type Connection = Duplex;

/** `budget` (payload bytes in flight) and `pause` (the Broker's Retry-After) are shared by every connection. */
export interface SessionDeps extends ConnectDeps, ForwardDeps {
  /** Registers a client id; the previous session with that id is taken over (closed). */
  readonly claim: (clientId: string, session: Session) => void;
  readonly release: (clientId: string, session: Session) => void;
  /** The registry as last reloaded, if it was (recheck). */
  readonly registry: () => Registry | undefined;
}

export class Session {
  /** The first frame was a CONNECT: what follows it may arrive before the CONNACK. */
  private sawConnect = false;
  private connected = false;
  private clientId = '';
  private identity: Identity | undefined;
  /** Published when the connection ends without a normal DISCONNECT (will.ts). */
  private will: Will | undefined;
  private readonly framer: Framer;
  private readonly out: Outbox;
  private readonly ending: Ending;
  private readonly parser = mqtt.parser();
  private readonly aliases: TopicAliases;
  private readonly acks = new AckQueue({
    puback: (messageId, outcome) => {
      this.puback(messageId, outcome);
      // A 3.1.1 session may have been waiting for this PUBACK to read on (see full).
      if (this.inbox.held) void this.inbox.drain();
    },
    closeUnacked: () => {
      this.deps.metrics.inc('kiot_mqtt_closed_unacked_total');
      this.ending.destroy('sink failed: closing without PUBACK so the client resends');
    },
    closing: () => this.closing,
  });
  private readonly forwards: Forwards;
  private readonly routes = new Routes();
  private readonly publishes: PerQos;
  private readonly puback: ReturnType<typeof pubacks>;
  private readonly inbox: Inbox;
  private readonly keepAlive = new KeepAlive();
  private readonly connectTimer: NodeJS.Timeout;

  /** `peer`: the client's address (the failure limit's key). */
  constructor(socket: Connection, private readonly peer: string, private readonly deps: SessionDeps) {
    this.framer = new Framer(deps.config.maxPacketBytes);
    this.out = new Outbox(socket);
    this.ending = new Ending(socket, this.out, deps.metrics, () => this.connected);
    this.aliases = new TopicAliases(deps.config.topicAliasMaximum);
    this.publishes = perQos(deps.metrics, 'kiot_mqtt_publishes_total');
    this.puback = pubacks(this.out, deps.metrics);
    this.connectTimer = setTimeout(() => this.ending.destroy('no CONNECT in time'), deps.config.connectTimeoutMs);
    this.inbox = new Inbox({
      socket,
      budget: deps.budget,
      handle: (p) => this.onPacket(p),
      hasRoom: () => !this.full,
      closing: () => this.closing,
      // The client's packets, PINGREQ too, waited unread: its silence is counted from now.
      released: () => this.keepAlive.seen(),
      failed: () => this.ending.destroy('internal error'),
    });
    this.forwards = new Forwards(deps, {
      started: () => this.inbox.check(),
      settled: () => {
        if (!this.closing) void this.inbox.drain();
      },
    });
    this.parser.on('packet', (p: Packet) => this.inbox.push(p));
    this.parser.on('error', () => this.ending.fail(REASON.malformed, 'malformed packet'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.ending.destroy('socket error'));
    socket.on('close', () => this.cleanup());
  }

  private get closing(): boolean {
    return this.ending.closing;
  }

  get isV5(): boolean {
    return this.out.isV5;
  }

  /** Taken over by a newer connection with the same client id. */
  takeOver(): void {
    this.deps.metrics.inc('kiot_mqtt_takeovers_total');
    this.ending.disconnect(REASON.sessionTakenOver, 'another connection took this client id');
  }

  /** The registry was reloaded: a device no longer allowed in is disconnected (0x98); true if it was. */
  recheck(registry: Registry): boolean {
    if (!this.connected || this.closing || this.identity === undefined) return false;
    const next = identityUnder(registry, this.identity);
    if (next !== undefined) {
      this.identity = next;
      return false;
    }
    this.will = undefined; // nothing more from a device that may not connect, its will included
    this.deps.metrics.inc('kiot_mqtt_revoked_total');
    this.ending.disconnect(REASON.administrativeAction, 'credentials revoked: the device was removed or disabled, or its password changed');
    return true;
  }

  /** Server shutdown: waits for forwards in flight, then DISCONNECT 0x8B. */
  async shutdown(deadline: number): Promise<void> {
    this.will = undefined; // kiot is going away, not the device
    this.inbox.stop();
    while (this.acks.length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.ending.disconnect(REASON.serverShuttingDown, 'server shutting down');
  }

  private onData(chunk: Buffer): void {
    this.keepAlive.seen();
    for (const frame of this.framer.push(chunk)) {
      if (frame.kind === 'too-large') return this.ending.fail(REASON.packetTooLarge, `packet of ${frame.length} bytes is above ${this.deps.config.maxPacketBytes}`);
      if (frame.kind === 'violation') return this.ending.fail(frame.code, frame.reason);
      if (!this.sawConnect) {
        // A client may send more packets right behind its CONNECT, before the CONNACK.
        if (frame.bytes[0]! >> 4 !== 1) return this.ending.destroy('first packet is not CONNECT');
        this.sawConnect = true;
      }
      this.parser.parse(frame.bytes);
      if (this.closing) return;
    }
    void this.inbox.drain();
  }

  /**
   * Reading waits while the Receive Maximum of forwards is in flight. A 3.1.1 client was never told
   * a Receive Maximum (v5 enforces it with 0x93), so its reading also waits while that many
   * PUBLISHes are unacknowledged: PUBACKs go in order, and one slow forward would otherwise let the
   * unacknowledged ones pile up behind it.
   */
  private get full(): boolean {
    const max = this.deps.config.receiveMaximum;
    return this.forwards.inflight >= max || (!this.isV5 && this.acks.length >= max);
  }

  private async onPacket(p: Packet): Promise<void> {
    if (this.closing) return;
    if (p.cmd === 'connect') return this.onConnect(p);
    const bad = this.isV5 && 'properties' in p ? propertyProblem(p.cmd, p.properties) : undefined;
    if (bad !== undefined) return this.ending.fail(bad.reason, bad.message);
    if (p.cmd === 'publish') return this.onPublish(p);
    const c = control(p, this.out);
    if (c.kind === 'violation') return this.ending.fail(c.reason, c.message);
    if (c.kind === 'disconnected') {
      if (!c.keepWill) this.will = undefined;
      return this.ending.destroy('client disconnected');
    }
    if (p.cmd === 'subscribe') this.deps.metrics.inc('kiot_mqtt_subscribes_refused_total');
    return this.out.send(c.packet);
  }

  private async onConnect(p: IConnectPacket): Promise<void> {
    // Packets are handled one at a time, so a second CONNECT comes only after the first was decided: accepted, or closing.
    if (this.connected) return this.ending.fail(REASON.protocolError, 'second CONNECT');
    clearTimeout(this.connectTimer);
    const outcome = await negotiate(p, this.peer, this.deps);
    this.out.version = outcome.version;
    if (this.closing) return;
    if (!outcome.ok) {
      this.deps.metrics.inc('kiot_mqtt_connects_total', { result: outcome.result });
      this.out.send(outcome.connack);
      return this.ending.end();
    }
    this.clientId = outcome.clientId;
    this.out.problemInformation = outcome.problemInformation;
    this.identity = outcome.identity;
    this.will = outcome.will;
    this.connected = true;
    this.deps.claim(this.clientId, this);
    this.deps.metrics.inc('kiot_mqtt_connects_total', { result: 'accepted' });
    this.keepAlive.start(outcome.keepAlive, () => this.inbox.held, () => {
      this.deps.metrics.inc('kiot_mqtt_keepalive_timeouts_total');
      this.ending.disconnect(REASON.keepAliveTimeout, 'keep alive timeout');
    });
    this.out.send(outcome.connack);
    // From the CONNACK on: it carries what the session needs, so it goes whole.
    this.out.clientMaxPacket = outcome.clientMaxPacket;
    // A registry reloaded while this CONNECT was being verified holds it as it holds the connections already open.
    const latest = this.deps.registry();
    if (latest !== undefined) this.recheck(latest);
  }

  private async onPublish(p: IPublishPacket): Promise<void> {
    if (!this.connected || !this.identity) return this.ending.fail(REASON.protocolError, 'PUBLISH before CONNECT');
    const m = this.deps.metrics;
    this.publishes[p.qos]();
    const violation = publishViolation(p);
    if (violation !== undefined) return this.ending.fail(violation.reason, violation.message);
    const resolved = this.isV5 ? this.aliases.resolve(p.topic, p.properties?.topicAlias) : { topic: p.topic };
    if ('reason' in resolved) return this.ending.fail(resolved.reason, resolved.message);
    if (this.isV5 && p.qos === 1 && this.acks.length >= this.deps.config.receiveMaximum) return this.ending.fail(REASON.receiveMaximumExceeded, 'receive maximum exceeded');
    const payload = Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload);
    const built = buildEvent(this.identity, resolved.topic, payload, publishProps(p.properties), this.deps.now(), undefined, this.routes);
    if (!built.ok) {
      m.inc('kiot_mqtt_publishes_refused_total', { reason: `0x${built.reason.toString(16)}` });
      if (p.qos === 0) return undefined;
      if (!this.isV5) return this.ending.destroy(built.message);
      return this.acks.push(p.messageId!, Promise.resolve({ reason: built.reason, message: built.message }));
    }
    const forwarded = this.forwards.forward(built.event, payload.length, p.qos);
    if (p.qos === 0) return undefined;
    // v5: a failure reason; v3.1.1 has none, so the connection closes without PUBACK and the client resends.
    return this.acks.push(p.messageId!, forwarded.then((failure) => (failure === undefined ? REASON.success : this.isV5 ? refusal(failure) : 'close')));
  }

  private cleanup(): void {
    this.ending.closing = true;
    clearTimeout(this.connectTimer);
    this.keepAlive.stop();
    if (this.connected) {
      this.deps.release(this.clientId, this);
      this.publishWill();
    }
  }

  private publishWill(): void {
    const will = this.will;
    this.will = undefined;
    if (will !== undefined && this.identity !== undefined) publishWill(will, this.identity, this.deps);
  }
}
