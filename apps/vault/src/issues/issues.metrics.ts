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
        this.reset();
        for (const { kind, count } of await issues.countOpenByKindAcrossProjects()) this.set({ kind }, count);
      },
    });
  }
}
