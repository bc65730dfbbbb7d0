import { parseDeployArgs } from "../../../scripts/deploy";

describe("npm run deploy arguments", () => {
    it("chooses the stack itself unless told (no stack given) and passes other flags to pulumi up", () => {
        expect(parseDeployArgs([])).toEqual({ upFlags: [] });
        expect(parseDeployArgs(["--yes", "--diff"])).toEqual({ upFlags: ["--yes", "--diff"] });
    });

    it("takes the stack from --stack, -s or --stack=", () => {
        expect(parseDeployArgs(["--stack", "staging", "--yes"])).toEqual({ stack: "staging", upFlags: ["--yes"] });
        expect(parseDeployArgs(["-s", "prod"]).stack).toBe("prod");
        expect(parseDeployArgs(["--stack=local"]).stack).toBe("local");
    });

    it("names the flag when the stack is missing or malformed", () => {
        expect(() => parseDeployArgs(["--stack"])).toThrow("--stack needs a value");
        expect(() => parseDeployArgs(["-s", "--yes"])).toThrow("-s needs a value");
        expect(() => parseDeployArgs(["--stack=a b"])).toThrow('stack name "a b"');
    });
});
