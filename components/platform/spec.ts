/**
 * A workload described once, independent of where it runs (the kubernetesx "pod builder" idea).
 * Service modules build these as pure data; a platform renderer (Docker now, Kubernetes next)
 * turns them into resources. Nothing here touches Pulumi resources, so specs test without mocks.
 */

/**
 * The image a workload runs, pinned. The project's own images (components/images.ts) are `pull: false`
 * when they are built on the engine's machine (`npm run images -- build`), `pull: true` when they come
 * from the stack's registry, as does an image the stack names itself.
 */
export interface ImageSpec {
    ref: string;
    /** Pulled from its registry by the platform (true), or expected on the engine or node already (false). */
    pull: boolean;
}

export interface PortSpec {
    /** Stable name: it keys endpoints and Kubernetes Service ports. */
    name: string;
    /** Port inside the workload. */
    port: number;
    /** Port published on the Docker host when the stack exposes ports; omitted = internal only. */
    hostPort?: number;
}

export interface VolumeSpec {
    name: string;
    mountPath: string;
    /** Requested size for platforms that size volumes (Kubernetes PVCs). */
    sizeGiB: number;
}

export interface FileSpec {
    /** Absolute path inside the workload. */
    path: string;
    content: string;
    executable?: boolean;
}

/**
 * A secret environment variable: the value comes from the stack's secret store by name, so a spec
 * never holds a secret value (Docker: a secret Output; Kubernetes: a Secret key reference).
 */
export interface SecretEnvRef {
    /** Name of the credential in the platform's secret registry, e.g. `postgres-password`. */
    secret: string;
}

export interface HealthSpec {
    /** Command run inside the workload; exit 0 = healthy. Used by Docker, and by Kubernetes when no httpGet. */
    exec: string[];
    /** HTTP probe Kubernetes prefers when the service has one; `scheme` HTTPS for a TLS endpoint (the kubelet does not verify its certificate). */
    httpGet?: { path: string; port: number; scheme?: "HTTP" | "HTTPS" };
    /** TCP probe Kubernetes prefers for services without an HTTP endpoint. */
    tcpSocket?: { port: number };
    intervalSeconds: number;
    timeoutSeconds: number;
    retries: number;
    startPeriodSeconds: number;
    /** Short text for logs and errors: what "healthy" means here. */
    describe: string;
}

export interface WorkloadSpec {
    /** Unique name within the stack; also the network alias / Service name, e.g. "postgres", "kafka-0". */
    name: string;
    /** The service this workload belongs to (several Flink workloads belong to "flink"). */
    service: string;
    image: ImageSpec;
    /** Replaces the image's entrypoint when set. */
    entrypoint?: string[];
    /** Arguments (the image's CMD). */
    command?: string[];
    env: Record<string, string>;
    secretEnv: Record<string, SecretEnvRef>;
    ports: PortSpec[];
    volumes: VolumeSpec[];
    files: FileSpec[];
    health: HealthSpec;
    /** Workloads that must be healthy before this one starts. */
    dependsOn: string[];
    /** Identical copies (TaskManagers, Connect workers). */
    replicas: number;
    /** Keeps identity and storage per replica (StatefulSet) rather than interchangeable copies. */
    stateful: boolean;
    resources: { memoryMiB: number; cpus: number };
    /** Numeric user the image runs as, where it is not root (used for volume ownership and security contexts). */
    runAsUser?: number;
    /**
     * Kubernetes only: environment variables from the pod's own fields (the Downward API), by name,
     * e.g. `{ POD_IP: "status.podIP" }`; `$(NAME)` in the command expands to them. Other platforms ignore it.
     */
    podFieldEnv?: Record<string, string>;
    /**
     * Kubernetes only: the pods run as this ServiceAccount of the stack's namespace, bound to a Role
     * with these rules (Flink's Kubernetes HA keeps its leader election in ConfigMaps). Other platforms ignore it.
     */
    kubernetesApi?: { serviceAccount: string; rules: KubernetesPolicyRule[] };
}

/** One rule of a namespaced Kubernetes Role. */
export interface KubernetesPolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
}

/**
 * A health command for images that have bash but maybe no curl or wget: an HTTP/1.1 GET over bash's
 * /dev/tcp that succeeds on a 2xx status line.
 */
export function bashHttpProbe(port: number, path: string): string[] {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bashHttpProbe: port ${port} is not a TCP port`);
    if (!/^\/[A-Za-z0-9._~/?=&%-]*$/.test(path))
        throw new Error(`bashHttpProbe: path ${JSON.stringify(path)} must start with / and hold only URL-safe characters`);
    const request = `GET ${path} HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n`;
    return ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port} && printf '${request}' >&3 && head -n 1 <&3 | grep -Eq '^HTTP/1\\.[01] 2[0-9][0-9]'`];
}

/**
 * The HTTPS twin of `bashHttpProbe`, for images with openssl: the same GET through `openssl s_client` on
 * loopback, succeeding on a 2xx status line. Like the kubelet's HTTPS probe it does not verify the
 * certificate (it checks the process answers; the clients verify it, against the stack's CA).
 */
export function opensslHttpsProbe(port: number, path: string): string[] {
    const [cmd, shell, flag] = bashHttpProbe(port, path);
    const request = `GET ${path} HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n`;
    // -quiet: no session details, and keep reading after the request is sent (the server closes the connection).
    return [
        cmd,
        shell,
        flag,
        `printf '${request}' | openssl s_client -quiet -connect 127.0.0.1:${port} 2>/dev/null | head -n 1 | grep -Eq '^HTTP/1\\.[01] 2[0-9][0-9]'`,
    ];
}

/** A health command that succeeds when something accepts TCP connections on the port (bash's /dev/tcp). */
export function bashTcpProbe(port: number): string[] {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bashTcpProbe: port ${port} is not a TCP port`);
    return ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`];
}

/** The published host port of a spec port, or undefined when it is internal only or ports are not exposed. */
export function hostPortOf(port: PortSpec, exposePorts: boolean, offset: number): number | undefined {
    return exposePorts && port.hostPort !== undefined ? port.hostPort + offset : undefined;
}

/** An endpoint as other workloads (internal) and the machine running Pulumi (host) reach it. */
export interface Endpoint {
    /** host:port on the stack's network (Docker network alias, Kubernetes Service DNS name). */
    internal: string;
    /** host:port from the machine that runs Pulumi, when published. */
    host?: string;
    /** URL scheme of HTTP endpoints when it is not plain http (external services). */
    scheme?: "http" | "https";
    /** Base path of HTTP endpoints behind a prefix (external services). */
    path?: string;
}

/** The distinct `host` addresses of endpoints (where the machine running Pulumi reaches them), in port order. */
export function publishedAddresses(endpoints: Record<string, Endpoint>): string[] {
    return [...new Set(Object.values(endpoints).flatMap((e) => (e.host === undefined ? [] : [e.host])))];
}

/** Endpoints of a workload's ports, keyed by port name. Pure: platforms only differ in `internalHost`. */
export function endpointsOf(spec: WorkloadSpec, internalHost: string, exposePorts: boolean, offset: number): Record<string, Endpoint> {
    const result: Record<string, Endpoint> = {};
    for (const port of spec.ports) {
        const published = hostPortOf(port, exposePorts, offset);
        result[port.name] = { internal: `${internalHost}:${port.port}`, ...(published !== undefined ? { host: `localhost:${published}` } : {}) };
    }
    return result;
}

/**
 * Checks the specs a renderer deploys for mistakes it would otherwise turn into confusing engine
 * errors. `existing` names workloads that already exist outside the stack (valid dependencies).
 */
export function validateSpecs(specs: WorkloadSpec[], existing: string[] = []): string[] {
    const problems: string[] = [];
    const names = new Set<string>();
    for (const spec of specs) {
        if (names.has(spec.name)) problems.push(`workload "${spec.name}" is defined twice`);
        names.add(spec.name);
        if (!/^[a-z][a-z0-9-]{0,40}$/.test(spec.name)) problems.push(`workload name "${spec.name}" must be lower-case letters, digits and '-'`);
        const overlap = Object.keys(spec.env).filter((k) => k in spec.secretEnv);
        if (overlap.length) problems.push(`workload "${spec.name}" sets ${overlap.join(", ")} both as plain and as secret env`);
        const portNames = spec.ports.map((p) => p.name);
        if (new Set(portNames).size !== portNames.length) problems.push(`workload "${spec.name}" repeats a port name`);
    }
    const known = new Set([...names, ...existing]);
    for (const spec of specs) {
        for (const dep of spec.dependsOn) {
            if (!known.has(dep)) problems.push(`workload "${spec.name}" depends on unknown workload "${dep}"`);
        }
    }
    const published = new Map<number, string>();
    for (const spec of specs) {
        for (const port of spec.ports) {
            if (port.hostPort === undefined) continue;
            const other = published.get(port.hostPort);
            if (other) problems.push(`host port ${port.hostPort} is published by both "${other}" and "${spec.name}"`);
            published.set(port.hostPort, spec.name);
        }
    }
    return problems;
}
