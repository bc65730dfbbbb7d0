/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` and records every resource registration:
 * its type, name, inputs (secrets unwrapped), the raw serialized inputs (where secrets are still
 * marked) and its dependencies. No engine, no provider plugins.
 */
import * as pulumi from "@pulumi/pulumi";

/** The signature Pulumi's wire format puts on a secret value. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export interface RecordedResource {
    type: string;
    name: string;
    /** Inputs with secret markers removed. */
    inputs: any;
    /** Inputs as serialized for the engine: secret values are `{ [SIG_KEY]: SECRET_SIG, value }`. */
    raw: any;
    /** URNs this resource explicitly or implicitly depends on. */
    dependencies: string[];
    parent: string;
    /** Resource options as sent to the engine: `protect` and `retainOnDelete`. */
    protect: boolean;
    retainOnDelete: boolean;
}

export function isSerializedSecret(value: any): boolean {
    return value !== null && typeof value === "object" && value[SIG_KEY] === SECRET_SIG;
}

/** Every string in a serialized value that is not inside a secret wrapper. */
export function plainStrings(value: any, out: string[] = []): string[] {
    if (isSerializedSecret(value)) return out;
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) value.forEach((v) => plainStrings(v, out));
    else if (value !== null && typeof value === "object") Object.values(value).forEach((v) => plainStrings(v, out));
    return out;
}

/** Removes secret wrappers, recursively. */
export function unwrapSecrets(value: any): any {
    if (isSerializedSecret(value)) return unwrapSecrets(value.value);
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    return value;
}

/** Outputs a mock provider would compute, by resource type; everything else echoes its inputs. */
function mockState(type: string, name: string, inputs: any): Record<string, unknown> {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: `generated-${name}-Aa11` };
        case "aws:s3/bucket:Bucket":
            return { ...inputs, arn: `arn:aws:s3:::${inputs.bucket}` };
        case "aws:iam/accessKey:AccessKey":
            // What AWS computes: the key's secret, known only after creation.
            return { ...inputs, secret: `mock-aws-secret-${name}` };
        case "docker:index/remoteImage:RemoteImage":
            // The real provider answers with the image id; the name stands in for it here.
            return { ...inputs, imageId: inputs.name };
        default:
            return inputs;
    }
}

/** The type token of `pulumi.StackReference` (read, not registered: its id is the referenced stack's name). */
export const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";

/** What a mocked `pulumi.StackReference` reads: the referenced stack's outputs, as the engine returns them. */
export interface MockStackReference {
    /** The referenced stack's outputs, resolved (secrets in plain: `secretOutputNames` marks them). */
    outputs: Record<string, unknown>;
    /** The outputs the referenced stack holds as secrets (default none): `getOutput` of one is a secret Output. */
    secretOutputNames?: string[];
}

/** The state the engine gives a StackReference to `name`; fails like the engine when no such stack is mocked. */
function stackReferenceState(name: string, stacks: Record<string, MockStackReference>): Record<string, unknown> {
    const stack = stacks[name];
    if (!stack) throw new Error(`unknown stack "${name}" (mocked stacks: ${Object.keys(stacks).join(", ") || "none"})`);
    return { name, outputs: stack.outputs, secretOutputNames: stack.secretOutputNames ?? [] };
}

/** What a `runWithMocks` `newResource` override answers: the resource's id and state, or undefined for the default mocks. */
export type MockNewResourceResult = { id: string; state: Record<string, any> } | undefined;

export interface ProgramRun {
    resources: RecordedResource[];
    outputs: Record<string, unknown>;
}

/**
 * Sets config (keys with namespace, e.g. `lakehouse:platform`), runs `program`, waits for every
 * registration and resolves the outputs it returns.
 */
export async function runWithMocks(
    program: () => Record<string, unknown> | Promise<Record<string, unknown>>,
    options: {
        config?: Record<string, string>;
        secretKeys?: string[];
        project?: string;
        stack?: string;
        preview?: boolean;
        /** The stacks a `pulumi.StackReference` of the program may read, by fully qualified name (`<org>/<project>/<stack>`). */
        stackReferences?: Record<string, MockStackReference>;
        /**
         * Creates a resource instead of the mocks (e.g. on a real engine): its id and state, or undefined
         * to leave the resource to the default mocks. Default: none.
         */
        newResource?: (args: pulumi.runtime.MockResourceArgs) => MockNewResourceResult | Promise<MockNewResourceResult>;
    } = {},
): Promise<ProgramRun> {
    const project = options.project ?? "cdc-lakehouse";
    const stack = options.stack ?? "dev";
    pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys ?? []);
    await pulumi.runtime.setMocks(
        {
            newResource: async (args) => {
                const created = options.newResource ? await options.newResource(args) : undefined;
                if (created) return created;
                return args.type === STACK_REFERENCE_TYPE
                    ? { id: args.inputs.name, state: stackReferenceState(args.inputs.name, options.stackReferences ?? {}) }
                    : { id: `${args.name}-id`, state: mockState(args.type, args.name, unwrapSecrets(args.inputs)) };
            },
            call: (args) => args.inputs,
        },
        project,
        stack,
        options.preview ?? false,
    );
    const resources: RecordedResource[] = [];
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
        const raw = req.getObject()?.toJavaScript() ?? {};
        resources.push({
            type: req.getType(),
            name: req.getName(),
            inputs: unwrapSecrets(raw),
            raw,
            dependencies: req.getDependenciesList(),
            parent: req.getParent(),
            protect: req.getProtect() === true,
            retainOnDelete: req.getRetainondelete() === true,
        });
        return register(req, callback);
    };

    const exported = await program();
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exported)) {
        outputs[key] = await resolve(value);
    }
    await pulumi.runtime.disconnect();
    return { resources, outputs };
}

/** True when `resource` depends on the resource named `name` (explicitly or through an input). */
export function dependsOn(resource: RecordedResource, name: string): boolean {
    return resource.dependencies.some((urn) => urn.endsWith(`::${name}`));
}

/** Resolves an Output (or a plain value holding Outputs) to its value. */
export function resolve<T>(value: pulumi.Input<T> | undefined): Promise<T | undefined> {
    return new Promise((done) => pulumi.output(value as pulumi.Input<T>).apply((v) => done(v as T)));
}

/** True when an Output is marked secret. */
export function isSecretOutput(value: unknown): Promise<boolean> {
    return pulumi.isSecret(pulumi.output(value as any));
}
