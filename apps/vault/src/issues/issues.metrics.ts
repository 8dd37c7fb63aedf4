import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';
import { IssuesRepository } from './issues.repository';

/** `authpipe_issues_open{kind}`: open issues of every project by kind, counted at scrape time. */
@Injectable()
export class IssuesMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly issues: IssuesRepository,
  ) {}

  onModuleInit(): void {
    const issues = this.issues;
    new Gauge({
      name: 'authpipe_issues_open',
      help: 'Open issues (deduplicated problems of credentials and apps) by kind',
      labelNames: ['kind'] as const,
      registers: [this.metrics.registry],
      async collect() {
        // The database unreachable: keep the last counts rather than fail the whole scrape.
        const counts = await issues.countOpenByKindAcrossProjects().catch(() => null);
        if (counts === null) return;
        this.reset();
        for (const { kind, count } of counts) this.set({ kind }, count);
      },
    });
  }
}
