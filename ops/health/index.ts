/**
 * `npm run health` (scripts/health.ts is the command): checks a deployed stack's pipeline end to end.
 * One module per job, re-exported here so `ops/health` stays the one import path:
 *
 * - args.ts: the options and their parsing;
 * - measurements.ts: what the probes measure (ops/probes.ts talks to the real services) and the
 *   HealthProbes interface;
 * - rules.ts: the thresholds and the verdict of each check (pure);
 * - check.ts: a check's result, the status order and the units of its line (pure);
 * - run.ts: running every check of a stack against injected probes;
 * - report.ts: the report, its human lines and JSON, and the exit code (pure).
 */
export * from "./args";
export * from "./check";
export * from "./measurements";
export * from "./report";
export * from "./rules";
export * from "./run";
export * from "./table-metadata";
