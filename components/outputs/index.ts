/**
 * The stack outputs: their contract (./contract.ts, what a reader gets), the credential outputs
 * (./credentials.ts) and the builder the program exports them with (./build.ts).
 */
export * from "./contract";
export * from "./credentials";
export * from "./build";
