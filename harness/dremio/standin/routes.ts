/**
 * The REST API the stand-in answers: each path and method bound to its operation, in the order Dremio
 * runs its layers (a non-JSON body's 415 before the auth filter's 401, the entity parsed after it, and
 * every write serialised). What each call answers is described in harness/dremio/README.md.
 */
import * as http from "http";
import { authenticate, requireAnyUser } from "./auth";
import { checkCreatableEntityType, createSource, deleteEntity, entityById, entityByPath, listCatalog, updateSource } from "./catalog";
import { StandinContext } from "./context";
import { jsonText, objectBody, parseJson } from "./request";
import { Router } from "./router";
import { login, logout } from "./session";
import { StoredUser } from "./store";
import { bootstrapFirstUser, updateUser, userById, userByName } from "./users";

/** A router answering /apiv2 (status, bootstrap, login) and /api/v3 (user, catalog) over the instance's context. */
export function standinRouter(ctx: StandinContext): Router {
    const router = new Router(ctx.log);

    /** A write's caller and JSON object body, in Dremio's order: Jersey's 415 before the auth filter's 401, the entity parsed after it. */
    async function authenticatedObjectBody(req: http.IncomingMessage): Promise<{ caller: StoredUser; body: Record<string, unknown> }> {
        const text = await jsonText(req);
        const caller = authenticate(ctx, req);
        return { caller, body: objectBody(parseJson(text)) };
    }

    /* ServerStatusResource (dac/backend/.../dac/resource/ServerStatusResource.java, model/system/ServerStatus.java) */
    router.route(/^\/apiv2\/server_status$/, {
        GET: async () => ({ status: 200, body: "OK" }),
    });

    router.route(/^\/apiv2\/bootstrap\/firstuser$/, {
        PUT: async (req) => {
            const body = objectBody(parseJson(await jsonText(req)));
            return ctx.serial(async () => ({ status: 200, body: await bootstrapFirstUser(ctx, body) }));
        },
    });

    router.route(/^\/apiv2\/login$/, {
        POST: async (req) => {
            requireAnyUser(ctx);
            const raw = parseJson(await jsonText(req));
            const body = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
            return { status: 200, body: login(ctx, body) };
        },
        GET: async (req) => {
            requireAnyUser(ctx);
            authenticate(ctx, req);
            return { status: 200, body: true };
        },
        DELETE: async (req) => {
            requireAnyUser(ctx);
            logout(ctx, req.headers.authorization);
            return { status: 204 };
        },
    });

    router.route(/^\/api\/v3\/user\/by-name\/([^/]+)$/, {
        GET: async (req, params) => {
            authenticate(ctx, req);
            return { status: 200, body: userByName(ctx, decodeURIComponent(params[0])) };
        },
    });

    router.route(/^\/api\/v3\/user\/([^/]+)$/, {
        GET: async (req, params) => {
            authenticate(ctx, req);
            return { status: 200, body: userById(ctx, decodeURIComponent(params[0])) };
        },
        PUT: async (req, params) => {
            const { caller, body } = await authenticatedObjectBody(req);
            const id = decodeURIComponent(params[0]);
            return ctx.serial(async () => ({ status: 200, body: await updateUser(ctx, caller, id, body) }));
        },
    });

    router.route(/^\/api\/v3\/catalog$/, {
        GET: async (req) => {
            const user = authenticate(ctx, req);
            return { status: 200, body: listCatalog(ctx, user) };
        },
        POST: async (req) => {
            const { body } = await authenticatedObjectBody(req);
            checkCreatableEntityType(body);
            return ctx.serial(async () => ({ status: 200, body: await createSource(ctx, body) }));
        },
    });

    router.route(/^\/api\/v3\/catalog\/by-path\/(.*)$/, {
        GET: async (req, params) => {
            authenticate(ctx, req);
            const segments = params[0]
                .split("/")
                .filter((p) => p !== "")
                .map((p) => decodeURIComponent(p));
            return { status: 200, body: entityByPath(ctx, segments) };
        },
    });

    router.route(/^\/api\/v3\/catalog\/([^/]+)$/, {
        GET: async (req, params) => {
            authenticate(ctx, req);
            return { status: 200, body: entityById(ctx, decodeURIComponent(params[0])) };
        },
        PUT: async (req, params) => {
            const { body } = await authenticatedObjectBody(req);
            const id = decodeURIComponent(params[0]);
            return ctx.serial(async () => ({ status: 200, body: await updateSource(ctx, id, body) }));
        },
        DELETE: async (req, params, query) => {
            authenticate(ctx, req);
            const id = decodeURIComponent(params[0]);
            const tag = query.get("tag") ?? undefined;
            await ctx.serial(async () => deleteEntity(ctx, id, tag));
            return { status: 204 };
        },
    });

    return router;
}
