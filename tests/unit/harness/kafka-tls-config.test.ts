/**
 * kafka-tls's listener for containers (issue 19: a Docker stack on an external secured Kafka): the
 * Docker bridge's address, the server certificate's names, the broker's listeners with and without a
 * bridge, and the server certificate signed anew by the same CA when its names change (openssl, as the
 * harness runs it).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadVersions } from "../../../harness/lib/context";
import { HarnessContext } from "../../../harness/lib/types";
import { bridgeGatewayOf, containerHostAddress, firstHostAddress, ensureCertificates, serverAltNames } from "../../../harness/lib/tls";
import { tlsServerProperties } from "../../../harness/kafka";

let runDir: string;
let ctx: HarnessContext;
beforeEach(() => {
    runDir = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-tls-config-"));
    ctx = { repoDir: path.resolve(__dirname, "../../.."), cacheDir: runDir, runDir, versions: loadVersions(), log: () => undefined };
});
afterEach(() => fs.rmSync(runDir, { recursive: true, force: true }));

test("the host's address for containers is the IPv4 gateway of the engine's bridge network, none without one", () => {
    expect(bridgeGatewayOf("172.17.0.1|172.17.0.0/16 \n")).toBe("172.17.0.1");
    expect(bridgeGatewayOf("fd00::1|fd00::/64 172.18.0.1|172.18.0.0/16 ")).toBe("172.18.0.1");
    expect(bridgeGatewayOf(" \n")).toBeUndefined();
    expect(bridgeGatewayOf("|fd00::/64 ")).toBeUndefined();
});

test("on an engine's first start (its bridge's IPAM config without a gateway, moby/moby#26799) it is the subnet's first host address", () => {
    // What dockerd 20.10.24 printed on a new machine's first start: the subnet only.
    expect(bridgeGatewayOf("|172.17.0.0/16 \n")).toBe("172.17.0.1");
    expect(bridgeGatewayOf("|fd00::/64 |192.168.5.0/24 ")).toBe("192.168.5.1");
    // A gateway given anywhere wins over a subnet's first address.
    expect(bridgeGatewayOf("|10.1.0.0/16 10.2.0.9|10.2.0.0/16 ")).toBe("10.2.0.9");
    expect(firstHostAddress("172.17.0.0/16")).toBe("172.17.0.1");
    expect(firstHostAddress("172.17.3.4/16")).toBe("172.17.0.1");
    expect(firstHostAddress("10.200.0.64/26")).toBe("10.200.0.65");
    expect(firstHostAddress("255.255.255.0/24")).toBe("255.255.255.1");
    expect(firstHostAddress("0.0.0.0/0")).toBe("0.0.0.1");
    for (const bad of ["", "172.17.0.0", "172.17.0.0/31", "300.1.1.0/24", "fd00::/64"]) expect(firstHostAddress(bad)).toBeUndefined();
});

test("the server certificate names 127.0.0.1 and localhost, and the bridge's address when there is one", () => {
    expect(serverAltNames(undefined)).toBe("IP:127.0.0.1,DNS:localhost");
    expect(serverAltNames("172.17.0.1")).toBe("IP:127.0.0.1,DNS:localhost,IP:172.17.0.1");
});

test("with a bridge, kafka-tls adds a SASL_SSL listener for containers advertised at the bridge's address, with the broker's SCRAM login", () => {
    const t = loadVersions().kafka.tls;
    const props = tlsServerProperties(ctx, "172.17.0.1");
    expect(props.listeners).toBe(`SASL_SSL://127.0.0.1:${t.brokerPort},CONTAINERS://0.0.0.0:${t.containerPort},CONTROLLER://127.0.0.1:${t.controllerPort}`);
    expect(props["advertised.listeners"]).toBe(`SASL_SSL://127.0.0.1:${t.brokerPort},CONTAINERS://172.17.0.1:${t.containerPort}`);
    expect(props["listener.security.protocol.map"]).toBe("CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,CONTAINERS:SASL_SSL");
    expect(props["listener.name.containers.scram-sha-512.sasl.jaas.config"]).toBe(props["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"]);
    expect(props["inter.broker.listener.name"]).toBe("SASL_SSL");
});

test("without a bridge, kafka-tls has only its loopback SASL_SSL listener", () => {
    const t = loadVersions().kafka.tls;
    const props = tlsServerProperties(ctx, undefined);
    expect(props.listeners).toBe(`SASL_SSL://127.0.0.1:${t.brokerPort},CONTROLLER://127.0.0.1:${t.controllerPort}`);
    expect(props["advertised.listeners"]).toBe(`SASL_SSL://127.0.0.1:${t.brokerPort}`);
    expect(props["listener.security.protocol.map"]).toBe("CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL");
    expect(Object.keys(props).filter((k) => k.includes("containers"))).toEqual([]);
});

test("a server certificate whose names changed is signed anew by the same CA; the CA and the client certificate stay", () => {
    const files = ensureCertificates(ctx);
    const ca = fs.readFileSync(files.caCert, "utf8");
    const client = fs.readFileSync(files.clientCert, "utf8");
    const server = fs.readFileSync(files.serverCert, "utf8");
    const ext = path.join(files.dir, "server.ext");
    expect(fs.readFileSync(ext, "utf8")).toContain(`subjectAltName=${serverAltNames(containerHostAddress())}\n`);
    // Unchanged names: nothing is made again.
    ensureCertificates(ctx);
    expect(fs.readFileSync(files.serverCert, "utf8")).toBe(server);
    // As if the certificate had been made for other names (before the Docker engine ran, say).
    fs.writeFileSync(ext, "subjectAltName=DNS:stale.example\nextendedKeyUsage=serverAuth,clientAuth\n");
    ensureCertificates(ctx);
    const renewed = fs.readFileSync(files.serverCert, "utf8");
    expect(renewed).not.toBe(server);
    expect(fs.readFileSync(files.caCert, "utf8")).toBe(ca);
    expect(fs.readFileSync(files.clientCert, "utf8")).toBe(client);
    expect(fs.readFileSync(files.serverKeyAndCert, "utf8")).toBe(fs.readFileSync(files.serverKey, "utf8") + renewed);
    expect(execFileSync("openssl", ["verify", "-CAfile", files.caCert, files.serverCert], { encoding: "utf8" }).trim()).toBe(`${files.serverCert}: OK`);
    const names = execFileSync("openssl", ["x509", "-in", files.serverCert, "-noout", "-ext", "subjectAltName"], { encoding: "utf8" });
    expect(names.replace(/\s+/g, " ")).toContain(serverAltNames(containerHostAddress()).replace(/IP:/g, "IP Address:").replace(/,/g, ", "));
    expect(fs.readdirSync(files.dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
});
