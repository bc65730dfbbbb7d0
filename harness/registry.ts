/**
 * Every service the harness runs. One line per service module; each module exports
 * `definitions: ServiceDefinition[]`. Order here is only a tie-break: the harness starts services
 * in dependency order (`dependsOn`) and stops them in reverse.
 */
import { ServiceDefinition } from "./lib/types";

type ServiceModule = { definitions: ServiceDefinition[] };

const modules: ServiceModule[] = [
    require("./postgres"),
    require("./kafka"),
    require("./connect"),
    require("./minio"),
    require("./nessie"),
    require("./dremio"),
    require("./zookeeper"),
    require("./flink"),
    require("./kubernetes"),
];

function validate(defs: ServiceDefinition[]): ServiceDefinition[] {
    const names = new Set<string>();
    for (const d of defs) {
        if (names.has(d.name)) throw new Error(`harness/registry.ts: service '${d.name}' is defined twice`);
        names.add(d.name);
    }
    for (const d of defs) {
        for (const dep of d.dependsOn) {
            if (!names.has(dep)) throw new Error(`harness/registry.ts: '${d.name}' depends on unknown service '${dep}'`);
        }
    }
    return defs;
}

export const services: ServiceDefinition[] = validate(
    modules.flatMap((m, i) => {
        if (!m || !Array.isArray(m.definitions)) throw new Error(`harness/registry.ts: module #${i + 1} does not export definitions[]`);
        return m.definitions;
    }),
);
