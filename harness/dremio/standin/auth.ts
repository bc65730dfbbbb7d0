/**
 * Passwords and session tokens: the password rule and hash, token generation, the Authorization header
 * forms Dremio accepts, and the two gates every call passes (a user must exist; a valid token). Follows
 * (github.com/dremio/dremio-oss):
 *     services/users/src/main/java/com/dremio/service/users/{SimpleUserService,UserServiceUtils}.java,
 *     services/tokens/src/main/java/com/dremio/service/tokens/TokenManagerImpl.java (random base-32, 30 h lifetime),
 *     dac/backend/src/main/java/com/dremio/dac/server/tokens/TokenUtils.java
 *       (`_dremio<token>`, `Bearer <token>` or the bare token),
 *     dac/backend/src/main/java/com/dremio/dac/server/DACAuthFilter.java (401 with an EMPTY body),
 *     dac/backend/src/main/java/com/dremio/dac/server/{FirstTimeFeature,NoUserFilter}.java
 *       (every other /apiv2 call answers 403 "No User Available" until the first user exists)
 */
import * as crypto from "crypto";
import * as http from "http";
import { StandinContext } from "./context";
import { genericErrorWithTrace, HttpError, userException } from "./errors";
import { StoredUser } from "./store";

/** Token lifetime: TokenManagerImpl's `token.expiration.min` default (30 hours). */
export const DEFAULT_TOKEN_TTL_MS = 30 * 60 * 60 * 1000;

/** UserServiceUtils.validatePassword: at least 8 characters, a digit and a letter; a 400 UserException otherwise. */
export function assertValidPassword(password: unknown): asserts password is string {
    if (typeof password !== "string" || !/^(?=.*[0-9])(?=.*[a-zA-Z]).{8,}$/.test(password)) {
        throw userException("validation", "Invalid password: must be at least 8 letters long, must contain at least one number and one letter");
    }
}

function hashPassword(password: string, salt: Buffer): string {
    // SimpleUserService: PBKDF2WithHmacSHA1
    return crypto.pbkdf2Sync(password, salt, 65536, 16, "sha1").toString("base64");
}

/** A fresh salt and the password's hash with it, as stored on a user. */
export function saltedPasswordHash(password: string): Pick<StoredUser, "salt" | "hash"> {
    const salt = crypto.randomBytes(16);
    return { salt: salt.toString("base64"), hash: hashPassword(password, salt) };
}

/** Whether the password is the user's (compared in constant time). */
export function passwordMatches(user: StoredUser, password: string): boolean {
    return crypto.timingSafeEqual(Buffer.from(hashPassword(password, Buffer.from(user.salt, "base64"))), Buffer.from(user.hash));
}

/** A new session token. */
export function newToken(): string {
    // TokenManagerImpl: new BigInteger(130, SecureRandom).toString(32)
    const bytes = crypto.randomBytes(17);
    bytes[0] &= 0x03; // 130 bits
    return BigInt(`0x${bytes.toString("hex")}`).toString(32);
}

/** TokenUtils: the token in an Authorization header (`_dremio<token>`, `Bearer <token>` or the bare token). */
export function tokenFromHeader(header: string | undefined): string | undefined {
    if (header === undefined) return undefined;
    const split = header.trim().split(/\s+/);
    if (split.length === 2 && split[0].toLowerCase() === "bearer") return split[1];
    return header.startsWith("_dremio") ? header.slice("_dremio".length).trim() : header.trim();
}

/** DACAuthFilter: the user whose unexpired token the request carries; any failure is a 401 with no body (an expired token is dropped). */
export function authenticate(ctx: StandinContext, req: http.IncomingMessage): StoredUser {
    const token = tokenFromHeader(req.headers.authorization);
    const t = token ? ctx.store.tokens[token] : undefined;
    if (!t) throw new HttpError(401, undefined);
    if (t.expiresAt < Date.now()) {
        delete ctx.store.tokens[token!];
        ctx.persist();
        throw new HttpError(401, undefined);
    }
    const user = ctx.store.users.find((u) => u.userName === t.userName);
    if (!user) throw new HttpError(401, undefined);
    return user;
}

/** NoUserFilter: 403 "No User Available" until the first user exists. */
export function requireAnyUser(ctx: StandinContext): void {
    if (ctx.store.users.length === 0) throw genericErrorWithTrace(403, "No User Available");
}
