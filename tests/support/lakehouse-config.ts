/**
 * Parsing `lakehouse:*` stack config in the unit tests: values as a test writes them (objects as
 * objects), parsed the way the program parses what the CLI hands it.
 */
import { ConfigValidationError, LakehouseConfig, parseLakehouseConfig } from "../../components/config";
import { rawConfig } from "./kubernetes";

/** Which stack the values are parsed for (default `dev`), and which keys are set as secrets (default none). */
export interface ConfigParseOptions {
    stack?: string;
    secretKeys?: string[];
}

/** Parses config values (keys without the `lakehouse:` namespace) for a stack of the cdc-lakehouse project. */
export function parseConfigValues(values: Record<string, unknown>, options: ConfigParseOptions = {}): LakehouseConfig {
    return parseLakehouseConfig(rawConfig(values), new Set(options.secretKeys ?? []), { project: "cdc-lakehouse", stack: options.stack ?? "dev" });
}

/** The ConfigValidationError that parsing the values throws (asserting its class); throws when the values parse. */
export function configRejection(values: Record<string, unknown>, options: ConfigParseOptions = {}): ConfigValidationError {
    try {
        parseConfigValues(values, options);
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigValidationError);
        return err as ConfigValidationError;
    }
    throw new Error(`expected ${JSON.stringify(values)} to be rejected`);
}

/**
 * Asserts that the values are refused with a problem at `key` (namespaced, e.g. `lakehouse:flink`)
 * whose "found …; expected …" matches `expected`, and with a message that names the key.
 */
export function expectProblemAt(values: Record<string, unknown>, key: string, expected: RegExp, options: ConfigParseOptions = {}): void {
    const err = configRejection(values, options);
    const problem = err.problems.find((p) => p.key === key);
    expect(problem).toBeDefined();
    expect(`found ${problem!.found}; expected ${problem!.expected}`).toMatch(expected);
    expect(err.message).toContain(key);
}
