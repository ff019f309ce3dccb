/**
 * The process figures a soak run watches, under the names prom-client gives them (which
 * faas-js-runtime exports), for the processes that are not functions: the broker and the MQTT endpoint.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** Returns a renderer of Prometheus text; each call reports the event-loop lag since the previous one. */
export function processMetrics(): () => string {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  return () => {
    const p99 = lag.percentile(99) / 1e9;
    lag.reset();
    return [
      '# TYPE nodejs_heap_size_used_bytes gauge',
      `nodejs_heap_size_used_bytes ${getHeapStatistics().used_heap_size}`,
      '# TYPE nodejs_eventloop_lag_p99_seconds gauge',
      `nodejs_eventloop_lag_p99_seconds ${Number.isFinite(p99) ? p99 : 0}`,
      '',
    ].join('\n');
  };
}
