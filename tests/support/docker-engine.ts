/**
 * Creates on the real Docker engine what a recorded `docker:index/network:Network`,
 * `docker:index/volume:Volume` or `docker:index/container:Container` registration holds, mapping the
 * pulumi-docker input names to Docker Engine API fields the way the provider does (pulumi-docker
 * bridges the Terraform provider kreuzwerker/docker: `resourceDockerContainerCreate`,
 * `portSetToDockerPorts`, `volumeSetToDockerVolumes`, the upload tar, the `wait` loop).
 *
 * The Pulumi `docker` provider plugin cannot be installed on every machine; this lets a test run the
 * program's create path on real containers with exactly the inputs the renderer registers. Any input
 * field not mapped here fails loudly, so a renderer change cannot be silently ignored.
 *
 * The Engine API is spoken over /var/run/docker.sock with node's http (no client library: the few
 * calls below need none, and the upload archive is a plain ustar file).
 */
import * as http from "http";

/** The Engine API version asked for: dockerd 20.10 speaks 1.41. */
export const ENGINE_API_VERSION = "1.41";
export const DOCKER_SOCKET = process.env.DOCKER_SOCKET ?? "/var/run/docker.sock";

// ---------------------------------------------------------------------------------------------
// Pure mapping: pulumi-docker inputs -> Engine API requests.
// ---------------------------------------------------------------------------------------------

/** Throws naming every key of `value` not in `known` (a renderer field this harness does not map). */
export function onlyKnownKeys(value: Record<string, unknown>, known: readonly string[], where: string): void {
    const unknown = Object.keys(value).filter((k) => value[k] !== undefined && !known.includes(k));
    if (unknown.length)
        throw new Error(
            `${where}: input field(s) ${unknown.join(", ")} not mapped by tests/support/docker-engine.ts: map them to the Engine API the way the Docker provider does`,
        );
}

/** `[{ label, value }]` (the provider's `labels` set) as the Engine API's map. */
export function labelsToMap(labels: unknown, where: string): Record<string, string> {
    if (labels === undefined) return {};
    if (!Array.isArray(labels)) throw new Error(`${where}.labels: expected a list of { label, value }`);
    const out: Record<string, string> = {};
    for (const l of labels) {
        onlyKnownKeys(l, ["label", "value"], `${where}.labels[]`);
        out[String(l.label)] = String(l.value);
    }
    return out;
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's `time.ParseDuration` (what the provider parses the health check's intervals with), in nanoseconds. */
export function parseGoDuration(text: string): number {
    if (text === "0") return 0;
    const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
    let total = 0;
    let matched = 0;
    let m: RegExpExecArray | null;
    const body = text.startsWith("-") || text.startsWith("+") ? text.slice(1) : text;
    while ((m = re.exec(body)) !== null) {
        total += parseFloat(m[1]) * DURATION_UNITS[m[2]];
        matched = re.lastIndex;
    }
    if (!body || matched !== body.length) throw new Error(`invalid Go duration "${text}"`);
    return Math.round(text.startsWith("-") ? -total : total);
}

/** Docker CLI's `opts.ParseCPUs` (the provider's `cpus`): a decimal number of CPUs as NanoCpus. */
export function parseCpus(value: string): number {
    if (!/^\d+(\.\d+)?$/.test(value)) throw new Error(`cpus "${value}": expected a decimal number`);
    const nano = Number(value) * 1e9;
    if (Math.abs(nano - Math.round(nano)) > 1e-6) throw new Error(`cpus "${value}": value is too precise`);
    return Math.round(nano);
}

/** One file the provider uploads into a created container: `{ file, content, executable }`. */
export interface UploadFile {
    file: string;
    content: string;
    /** The provider's mode: 0o744 executable, else 0o644 (owner root, as its tar header leaves uid/gid 0). */
    mode: number;
}

/** What creating one container takes, in Engine API terms. */
export interface ContainerPlan {
    name: string;
    /** The body of `POST /containers/create`. */
    body: Record<string, any>;
    /** Networks connected after create (the default `bridge` disconnected first), with aliases. */
    networks: { name: string; aliases: string[] }[];
    /** One archive per file, extracted at `/` before start (as the provider does). */
    uploads: UploadFile[];
    /** `wait: true`: the create returns once Health.Status is healthy, bounded by `waitTimeout` seconds. */
    wait?: { timeoutSeconds: number };
}

/** The body of `POST /networks/create` for a `docker:index/network:Network`'s inputs. */
export function networkCreateBody(inputs: Record<string, any>): Record<string, any> {
    onlyKnownKeys(inputs, ["name", "driver", "labels"], "docker Network");
    if (!inputs.name) throw new Error("docker Network: no name");
    return { Name: inputs.name, CheckDuplicate: true, Driver: inputs.driver ?? "bridge", Labels: labelsToMap(inputs.labels, "docker Network") };
}

/** The body of `POST /volumes/create` for a `docker:index/volume:Volume`'s inputs. */
export function volumeCreateBody(inputs: Record<string, any>): Record<string, any> {
    onlyKnownKeys(inputs, ["name", "labels"], "docker Volume");
    if (!inputs.name) throw new Error("docker Volume: no name");
    return { Name: inputs.name, Labels: labelsToMap(inputs.labels, "docker Volume") };
}

/** The container inputs this harness maps; `mustRun` only matters when the provider reads state back (no create-time field). */
export const CONTAINER_INPUTS = [
    "name",
    "hostname",
    "image",
    "entrypoints",
    "command",
    "envs",
    "ports",
    "volumes",
    "uploads",
    "networksAdvanced",
    "healthcheck",
    "wait",
    "waitTimeout",
    "restart",
    "mustRun",
    "memory",
    "cpus",
    "labels",
] as const;

const stringList = (v: unknown, where: string): string[] => {
    if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) throw new Error(`${where}: expected a list of strings, got ${JSON.stringify(v)}`);
    return v as string[];
};

/** The Engine API calls that create a `docker:index/container:Container` from its inputs. */
export function containerPlan(inputs: Record<string, any>): ContainerPlan {
    const where = `docker Container ${inputs.name ?? "(no name)"}`;
    onlyKnownKeys(inputs, CONTAINER_INPUTS, where);
    if (!inputs.name) throw new Error(`${where}: no name`);
    if (!inputs.image) throw new Error(`${where}: no image`);
    const body: Record<string, any> = { Image: inputs.image, Hostname: inputs.hostname ?? "" };
    const hostConfig: Record<string, any> = {
        RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: 0 },
        Init: false,
    };
    if (inputs.envs?.length) body.Env = stringList(inputs.envs, `${where}.envs`);
    if (inputs.command?.length) {
        body.Cmd = stringList(inputs.command, `${where}.command`);
        if (body.Cmd.some((c: string) => c === "")) throw new Error(`${where}: values for command may not be empty`);
    }
    if (inputs.entrypoints?.length) body.Entrypoint = stringList(inputs.entrypoints, `${where}.entrypoints`);

    // ports -> ExposedPorts + PortBindings (portSetToDockerPorts).
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp?: string; HostPort?: string }[]> = {};
    for (const p of inputs.ports ?? []) {
        onlyKnownKeys(p, ["internal", "external", "ip", "protocol"], `${where}.ports[]`);
        const key = `${p.internal}/${p.protocol ?? "tcp"}`;
        exposed[key] = {};
        const binding: { HostIp?: string; HostPort?: string } = {};
        if (p.external !== undefined) binding.HostPort = String(p.external);
        if (p.ip !== undefined) binding.HostIp = p.ip;
        if (p.external !== undefined || p.ip !== undefined) (bindings[key] ??= []).push(binding);
    }
    if (Object.keys(exposed).length) body.ExposedPorts = exposed;
    if (Object.keys(bindings).length) hostConfig.PortBindings = bindings;

    // volumes -> Volumes + Binds `<volume>:<path>:rw` (volumeSetToDockerVolumes).
    const volumes: Record<string, object> = {};
    const binds: string[] = [];
    for (const v of inputs.volumes ?? []) {
        onlyKnownKeys(v, ["volumeName", "containerPath"], `${where}.volumes[]`);
        if (!v.containerPath) throw new Error(`${where}: volume entry without container path`);
        volumes[v.containerPath] = {};
        if (v.volumeName) binds.push(`${v.volumeName}:${v.containerPath}:rw`);
    }
    if (Object.keys(volumes).length) body.Volumes = volumes;
    if (binds.length) hostConfig.Binds = binds;

    if (inputs.labels !== undefined) body.Labels = labelsToMap(inputs.labels, where);

    if (inputs.healthcheck !== undefined) {
        const h = inputs.healthcheck;
        onlyKnownKeys(h, ["tests", "interval", "timeout", "startPeriod", "retries"], `${where}.healthcheck`);
        body.Healthcheck = {
            Test: stringList(h.tests, `${where}.healthcheck.tests`),
            Interval: parseGoDuration(h.interval ?? "0s"),
            Timeout: parseGoDuration(h.timeout ?? "0s"),
            StartPeriod: parseGoDuration(h.startPeriod ?? "0s"),
            Retries: h.retries ?? 0,
        };
    }
    if (inputs.memory !== undefined) hostConfig.Memory = Number(inputs.memory) * 1024 * 1024;
    if (inputs.cpus !== undefined) hostConfig.NanoCpus = parseCpus(String(inputs.cpus));
    body.HostConfig = hostConfig;

    const networks = (inputs.networksAdvanced ?? []).map((n: any) => {
        onlyKnownKeys(n, ["name", "aliases"], `${where}.networksAdvanced[]`);
        return { name: String(n.name), aliases: n.aliases ? stringList(n.aliases, `${where}.networksAdvanced[].aliases`) : [] };
    });
    const uploads = (inputs.uploads ?? []).map((u: any) => {
        onlyKnownKeys(u, ["file", "content", "executable"], `${where}.uploads[]`);
        if (typeof u.content !== "string" || u.content === "")
            throw new Error(`${where}: upload ${u.file}: one of 'content', 'content_base64', or 'source' must be set`);
        return { file: String(u.file), content: u.content, mode: u.executable ? 0o744 : 0o644 };
    });
    let wait: ContainerPlan["wait"];
    if (inputs.wait) {
        if (!body.Healthcheck) throw new Error(`${where}: 'wait' without a 'healthcheck' (the provider refuses this)`);
        wait = { timeoutSeconds: inputs.waitTimeout ?? 60 };
    }
    return { name: inputs.name, body, networks, uploads, ...(wait ? { wait } : {}) };
}

/** A ustar archive of one regular file (owner 0:0, the provider's mode), as Go's archive/tar writes it for the upload. */
export function tarOfFile(file: UploadFile, mtimeSeconds = Math.floor(Date.now() / 1000)): Buffer {
    const content = Buffer.from(file.content, "utf8");
    const header = Buffer.alloc(512, 0);
    let name = file.file;
    let prefix = "";
    if (Buffer.byteLength(name) > 100) {
        const cut = name.lastIndexOf("/", 155);
        if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`upload path too long for a ustar header: ${file.file}`);
        prefix = name.slice(0, cut);
        name = name.slice(cut + 1);
    }
    const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, "0") + "\0";
    header.write(name, 0, 100, "utf8");
    header.write(octal(file.mode, 8), 100, 8, "ascii");
    header.write(octal(0, 8), 108, 8, "ascii");
    header.write(octal(0, 8), 116, 8, "ascii");
    header.write(octal(content.length, 12), 124, 12, "ascii");
    header.write(octal(mtimeSeconds, 12), 136, 12, "ascii");
    header.write("        ", 148, 8, "ascii");
    header.write("0", 156, 1, "ascii");
    header.write("ustar\0", 257, 6, "ascii");
    header.write("00", 263, 2, "ascii");
    header.write(prefix, 345, 155, "utf8");
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
    const padding = Buffer.alloc((512 - (content.length % 512)) % 512, 0);
    return Buffer.concat([header, content, padding, Buffer.alloc(1024, 0)]);
}

// ---------------------------------------------------------------------------------------------
// The Engine API over the socket.
// ---------------------------------------------------------------------------------------------

export interface EngineResponse {
    status: number;
    body: Buffer;
}

/** One Engine API call; `body` is JSON unless it is a Buffer (sent as a tar). Bounded by `timeoutMs`. */
export function engineRequest(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<EngineResponse> {
    return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
        const req = http.request(
            {
                socketPath: DOCKER_SOCKET,
                method,
                path: `/v${ENGINE_API_VERSION}${path}`,
                headers: payload ? { "Content-Type": Buffer.isBuffer(body) ? "application/x-tar" : "application/json", "Content-Length": payload.length } : {},
                timeout: timeoutMs,
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c) => chunks.push(c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
                res.on("error", reject);
            },
        );
        req.on("timeout", () => req.destroy(new Error(`Docker Engine API ${method} ${path}: no answer within ${timeoutMs / 1000} s`)));
        req.on("error", reject);
        if (payload) req.write(payload);
        req.end();
    });
}

/** An Engine API call that must succeed (2xx, or one of `okStatuses`); returns the parsed JSON body (or undefined). */
export async function engine(method: string, path: string, body?: unknown, okStatuses: number[] = [], timeoutMs?: number): Promise<any> {
    const res = await engineRequest(method, path, body, timeoutMs);
    if ((res.status < 200 || res.status >= 300) && !okStatuses.includes(res.status))
        throw new Error(`Docker Engine API ${method} ${path} answered ${res.status}: ${res.body.toString("utf8").trim()}`);
    const text = res.body.toString("utf8");
    if (!text) return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** Decodes the multiplexed stdout/stderr stream of a container without a TTY. */
export function demuxLogs(raw: Buffer): string {
    const parts: Buffer[] = [];
    let i = 0;
    while (i + 8 <= raw.length && raw[i] <= 2 && raw[i + 1] === 0) {
        const size = raw.readUInt32BE(i + 4);
        parts.push(raw.subarray(i + 8, i + 8 + size));
        i += 8 + size;
    }
    return parts.length ? Buffer.concat(parts).toString("utf8") : raw.toString("utf8");
}

/** The last `lines` lines of a container's output. */
export async function containerLogs(idOrName: string, lines = 40): Promise<string> {
    const res = await engineRequest("GET", `/containers/${encodeURIComponent(idOrName)}/logs?stdout=1&stderr=1&tail=${lines}`);
    return demuxLogs(res.body).trimEnd();
}

export async function inspectContainer(idOrName: string): Promise<any> {
    return engine("GET", `/containers/${encodeURIComponent(idOrName)}/json`);
}

/** Creates a network; returns its id. */
export async function createNetwork(inputs: Record<string, any>): Promise<string> {
    return (await engine("POST", "/networks/create", networkCreateBody(inputs))).Id;
}

/** Creates a volume; returns its name (a volume's id). */
export async function createVolume(inputs: Record<string, any>): Promise<string> {
    return (await engine("POST", "/volumes/create", volumeCreateBody(inputs))).Name;
}

/**
 * Waits (bounded, one progress line every ~15 s) until the container's Health.Status is healthy;
 * fails with its health log and last log lines.
 */
export async function waitHealthy(
    idOrName: string,
    timeoutSeconds: number,
    log: (line: string) => void = console.log,
    label: string = idOrName,
): Promise<number> {
    const started = Date.now();
    const deadline = started + timeoutSeconds * 1000;
    let lastReport = started;
    for (;;) {
        const info = await inspectContainer(idOrName);
        const health = info.State?.Health;
        if (!health) throw new Error(`container ${idOrName} has no health check: 'wait' needs one`);
        if (health.Status === "healthy") return (Date.now() - started) / 1000;
        if (Date.now() > deadline) {
            const probes = (health.Log ?? [])
                .slice(-3)
                .map((p: any) => `exit ${p.ExitCode}: ${String(p.Output).trim().slice(0, 400)}`)
                .join("\n    ");
            throw new Error(
                `container ${label} not healthy within ${timeoutSeconds} s (state ${info.State.Status}, health ${health.Status}, restarts ${info.RestartCount}); ` +
                    `last health probes:\n    ${probes}\nlast log lines:\n${await containerLogs(idOrName).catch((e) => String(e))}`,
            );
        }
        if (Date.now() - lastReport >= 15_000) {
            lastReport = Date.now();
            const probe = health.Log?.at(-1);
            log(
                `waiting for ${label} to be healthy: ${Math.round((Date.now() - started) / 1000)} s of ${timeoutSeconds} s, state ${info.State.Status}, ` +
                    `health ${health.Status}${probe ? `, last probe exit ${probe.ExitCode}` : ""}`,
            );
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
}

/**
 * Creates a container as the provider does: create (attached to the default bridge), disconnect the
 * bridge and connect each `networksAdvanced` network with its aliases, put each upload as a tar at
 * `/`, start, and with `wait` wait until healthy. Returns the container's id.
 */
export async function createContainer(inputs: Record<string, any>, log: (line: string) => void = console.log): Promise<string> {
    const plan = containerPlan(inputs);
    const started = Date.now();
    const { Id: id } = await engine("POST", `/containers/create?name=${encodeURIComponent(plan.name)}`, plan.body);
    if (plan.networks.length) {
        // As the provider: off the default bridge first (an error other than "not connected" fails the create).
        await engine("POST", "/networks/bridge/disconnect", { Container: id, Force: false }).catch((err: Error) => {
            if (!/is not connected to the network bridge|not connected/i.test(err.message)) throw err;
        });
        for (const n of plan.networks)
            await engine("POST", `/networks/${encodeURIComponent(n.name)}/connect`, { Container: id, EndpointConfig: { Aliases: n.aliases, IPAMConfig: {} } });
    }
    for (const u of plan.uploads) await engine("PUT", `/containers/${id}/archive?path=%2F`, tarOfFile(u));
    await engine("POST", `/containers/${id}/start`);
    if (plan.wait) {
        const seconds = await waitHealthy(id, plan.wait.timeoutSeconds, log, plan.name);
        log(`${plan.name} healthy ${seconds.toFixed(1)} s after start (${((Date.now() - started) / 1000).toFixed(1)} s after create)`);
    }
    return id;
}

/** Removes every container, then network and volume labelled `label=value` (e.g. a stack's). */
export async function removeLabelled(label: string, value: string, log: (line: string) => void = console.log): Promise<void> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`${label}=${value}`] }));
    const containers: any[] = await engine("GET", `/containers/json?all=1&filters=${filters}`);
    for (const c of containers) await engine("DELETE", `/containers/${c.Id}?force=1&v=1`, undefined, [404], 120_000);
    const networks: any[] = await engine("GET", `/networks?filters=${filters}`);
    for (const n of networks) await engine("DELETE", `/networks/${n.Id}`, undefined, [404]);
    const volumes: any = await engine("GET", `/volumes?filters=${filters}`);
    for (const v of volumes.Volumes ?? []) await engine("DELETE", `/volumes/${encodeURIComponent(v.Name)}?force=1`, undefined, [404]);
    if (containers.length || networks.length || (volumes.Volumes ?? []).length)
        log(`removed ${containers.length} container(s), ${networks.length} network(s), ${(volumes.Volumes ?? []).length} volume(s) labelled ${label}=${value}`);
}
