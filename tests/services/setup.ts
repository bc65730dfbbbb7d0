/**
 * Jest globalSetup for the `services` project: starts whatever registered service is not healthy
 * yet (installing it first if needed). It never stops services: they are shared with other test
 * runs and with people; `npm run services -- down` stops them.
 */
import { ensureUp } from '../../services/harness';

export default async function globalSetup(): Promise<void> {
    await ensureUp();
}
