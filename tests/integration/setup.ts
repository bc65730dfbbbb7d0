/**
 * Jest globalSetup for the `services` project: builds the offline Pulumi CLI when it is missing (the
 * end-to-end tests run the real engine), then starts whatever registered service is not healthy yet
 * (installing it first if needed). Both are idempotent and cached outside the repository. It never
 * stops services: they are shared with other test runs and with people; `npm run harness -- down`
 * stops them.
 */
import { createContext, ensureUp } from "../../harness/cli";
import { installPulumi } from "../../harness/pulumi/install";

export default async function globalSetup(): Promise<void> {
    await installPulumi(createContext());
    await ensureUp();
}
