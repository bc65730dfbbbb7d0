/**
 * Which stack `npm run deploy` deploys, and why. Pure: it reads only the probes' answers (probes.ts),
 * the stack the user forced (`--stack`), and the stack's platform (`lakehouse:platform` of its
 * Pulumi.<stack>.yaml).
 *
 * - auto (no `--stack`): `dev` on the local Docker engine when an engine answers and the docker and
 *   random provider plugins are installed or installable; otherwise the embedded default: the
 *   harness's real services and the `local` stack, with ONE line saying why.
 * - `--stack <name>`: that stack; a `docker` stack fails with the reason when its needs are not met;
 *   `local` runs on the harness (started if it is not up); any other stack is left to Pulumi.
 */
import type { Availability } from "./probes";

/** The stack the auto mode prefers, and the one it falls back to. */
export const DEV_STACK = "dev";
export const LOCAL_STACK = "local";

/** What a stack runs on, as far as the deploy cares: the Docker engine, the harness's services, or something Pulumi alone handles. */
export type DeployTarget = "docker" | "harness" | "other";

/** What the probes found (plugins only probed when an engine answered). */
export interface ProbeResults {
    docker?: Availability;
    plugins?: Availability;
}

/** The decision. */
export type DeployPlan =
    | {
          ok: true;
          stack: string;
          target: DeployTarget;
          /** The one line printed before deploying when the auto mode fell back. */
          notice?: string;
      }
    | { ok: false; error: string };

/** `lakehouse:platform` of a Pulumi.<stack>.yaml text (no YAML parser needed for one top-level scalar). Undefined when not set. Pure. */
export function platformOfStackFile(text: string): string | undefined {
    const m = /^\s+lakehouse:platform:\s*["']?([A-Za-z0-9_-]+)["']?\s*(?:#.*)?$/m.exec(text);
    return m ? m[1] : undefined;
}

/** What a stack needs: the `local` stack the harness; a stack on platform docker (the program's default) the Docker engine. */
export function targetOf(stack: string, platform: string | undefined): DeployTarget {
    if (stack === LOCAL_STACK) return "harness";
    if ((platform ?? "docker") === "docker") return "docker";
    return "other";
}

/** Which of the probes the plan needs for this request (so that a forced `local` stack probes nothing). */
export function probesNeeded(requested: string | undefined, platform: string | undefined): { docker: boolean; plugins: boolean } {
    const needs = requested === undefined || targetOf(requested, platform) === "docker";
    return { docker: needs, plugins: needs };
}

const FALLBACK = "deploying the pipeline on the embedded default: the harness's real services and the `local` stack";

/** The one line of the auto mode's fall-back. */
export function fallbackNotice(probes: ProbeResults): string {
    if (probes.docker && !probes.docker.ok) return `No dev stack: ${probes.docker.reason}; ${FALLBACK}`;
    if (probes.plugins && !probes.plugins.ok)
        return `No dev stack: the docker and random provider plugins cannot be installed here (${probes.plugins.reason}); ${FALLBACK}`;
    return `No dev stack; ${FALLBACK}`;
}

/** Decides the stack. `platform` is the forced stack's `lakehouse:platform` (undefined: not set, or auto mode). */
export function planDeploy(requested: string | undefined, probes: ProbeResults, platform?: string): DeployPlan {
    if (requested === undefined) {
        if (probes.docker?.ok && probes.plugins?.ok) return { ok: true, stack: DEV_STACK, target: "docker" };
        return { ok: true, stack: LOCAL_STACK, target: "harness", notice: fallbackNotice(probes) };
    }
    const target = targetOf(requested, platform);
    if (target === "docker") {
        if (!probes.docker?.ok) {
            const why = probes.docker && !probes.docker.ok ? probes.docker.reason : "the Docker engine was not probed";
            return {
                ok: false,
                error: `stack ${requested} runs on Docker, but ${why}. Start a Docker engine (or set DOCKER_HOST), or deploy on the harness: npm run deploy -- --stack local`,
            };
        }
        if (!probes.plugins?.ok) {
            const why = probes.plugins && !probes.plugins.ok ? probes.plugins.reason : "they were not probed";
            return {
                ok: false,
                error: `stack ${requested} needs the docker and random provider plugins, which cannot be installed here (${why}). Install them (\`pulumi plugin install resource <name> <version>\`, or a pulumi-resource-<name> binary on PATH), or deploy on the harness: npm run deploy -- --stack local`,
            };
        }
    }
    return { ok: true, stack: requested, target };
}

/** Stops a run that cannot answer Pulumi's confirmation: stdin is not a terminal and no `--yes` was given. Undefined when it may go on. */
export function nonInteractiveStop(stdinIsTTY: boolean, yes: boolean): string | undefined {
    if (stdinIsTTY || yes) return undefined;
    return "Standard input is not a terminal, so `pulumi up` cannot ask before applying: add --yes (npm run deploy -- --yes) to deploy without asking, or run it from a terminal.";
}
