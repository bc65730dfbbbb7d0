/**
 * `npm run deploy [-- --stack <name>] [-- <pulumi up flags>]`: the one command that deploys.
 *
 * Without `--stack`: the `dev` stack on the local Docker engine when an engine answers and the docker
 * and random provider plugins are available; otherwise (saying why in one line) the pipeline on the
 * embedded default, the harness's real services and the `local` stack. A missing Pulumi CLI is built
 * first. State lives in a local file backend (<repo>/.pulumi-state) unless PULUMI_BACKEND_URL is set.
 * The steps are in ops/deploy/run.ts; the decisions in ops/deploy/ (plan, probes, ports, output).
 */
import { runMain } from "../ops/args";
import { deploy } from "../ops/deploy/run";

export { DEPLOY_OPTIONS, parseDeployArgs } from "../ops/deploy/args";
export type { DeployArgs } from "../ops/deploy/args";

if (require.main === module) runMain("deploy", deploy);
