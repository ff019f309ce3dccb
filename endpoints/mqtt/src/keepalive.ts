/**
 * Keep Alive: a client silent for one and a half times the Keep Alive it gave in its CONNECT is
 * disconnected (MQTT 3.1.1 and 5, 3.1.2.10), so a device that vanished without closing its TCP
 * connection does not hold a connection slot, and its will goes out.
 */
export class KeepAlive {
  private lastSeen = Date.now();
  private timer: NodeJS.Timeout | undefined;

  /** A packet came from the client, or waited unread and was read now. */
  seen(): void {
    this.lastSeen = Date.now();
  }

  /** `paused`: the session is not reading its socket (backpressure), so the silence is not the client's. 0 seconds: no keep-alive. */
  start(seconds: number, paused: () => boolean, expired: () => void): void {
    if (seconds <= 0) return;
    this.timer = setInterval(() => {
      if (!paused() && Date.now() - this.lastSeen > seconds * 1500) expired();
    }, Math.max(250, seconds * 250));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
