import type { Metric } from 'prom-client';

type Label = 'method' | 'route' | 'status_code';

/** A value as prom-client's registry formats it: `metricName{labels} value`. */
interface ExposedValue {
  metricName: string;
  labels: Partial<Record<Label | 'le', string | number>>;
  value: number;
}

/** One series: its labels, its observations per bucket (not yet cumulative), their sum and count. */
interface Series {
  labels: Record<Label, string>;
  perBucket: number[];
  sum: number;
  count: number;
}

/**
 * The HTTP duration histogram (`authpipe_http_request_duration_seconds` by method, route template
 * and status), counted here and exposed through the vault's prom-client registry with the same
 * text prom-client's own Histogram gives (a spec compares the two). Counted by hand because it is
 * observed on every request, getCredential's warm read included: prom-client's `observe` copies,
 * validates and hashes the label object each time (about 0.7 µs, plus the object), where this
 * finds the series through three map lookups of keys it already holds and adds to a bucket, the
 * sum and the count.
 */
export class RequestDurations {
  readonly name = 'authpipe_http_request_duration_seconds';
  readonly help = 'Duration of HTTP requests by method, route template and status code';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /**
   * Route template → status → method → series. Nested rather than one joined key: the route and
   * method strings are the same objects on every request and the status a number, so each lookup
   * hashes nothing new, where a joined key is a new string to hash on every request.
   */
  private readonly series = new Map<string, Map<number, Map<string, Series>>>();

  /** `buckets`: upper bounds in seconds, ascending. */
  constructor(private readonly buckets: readonly number[]) {}

  observe(method: string, route: string, status: number, seconds: number): void {
    let byStatus = this.series.get(route);
    if (byStatus === undefined) this.series.set(route, (byStatus = new Map<number, Map<string, Series>>()));
    let byMethod = byStatus.get(status);
    if (byMethod === undefined) byStatus.set(status, (byMethod = new Map<string, Series>()));
    let series = byMethod.get(method);
    if (series === undefined) {
      series = {
        labels: { method, route, status_code: String(status) },
        perBucket: this.buckets.map(() => 0),
        sum: 0,
        count: 0,
      };
      byMethod.set(method, series);
    }
    for (let bucket = 0; bucket < this.buckets.length; bucket++) {
      if (seconds <= this.buckets[bucket]) {
        series.perBucket[bucket]++;
        break;
      }
    }
    series.sum += seconds;
    series.count++;
  }

  /** What a prom-client metric's `get` returns: per series, its cumulative buckets, `+Inf`, sum and count. */
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExposedValue[] }> {
    const values: ExposedValue[] = [];
    for (const { labels, perBucket, sum, count } of this.allSeries()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += perBucket[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...labels }, value: cumulative });
      });
      values.push(
        { metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: count },
        { metricName: `${this.name}_sum`, labels, value: sum },
        { metricName: `${this.name}_count`, labels, value: count },
      );
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  private *allSeries(): Iterable<Series> {
    for (const byStatus of this.series.values()) for (const byMethod of byStatus.values()) yield* byMethod.values();
  }

  reset(): void {
    this.series.clear();
  }

  /**
   * As the registry takes it: `registerMetric` is typed for prom-client's own classes, and reads
   * of a metric only its name, help, type, aggregator, `get` and `reset`.
   */
  asMetric(): Metric {
    return this as unknown as Metric;
  }
}
