import { Injectable } from '../common/nest-di';
import { UnitOfWork } from '../database/unit-of-work';

/** The bus's one statement: NOTIFY, through the ambient transaction when there is one. */
@Injectable()
export class BusRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Queues a notification. Inside a unit of work PostgreSQL delivers it when (and only if) the
   * transaction commits; outside, at once.
   */
  async notify(channel: string, payload: string): Promise<void> {
    await this.uow.db.$executeRaw`SELECT pg_notify(${channel}, ${payload})`;
  }
}
