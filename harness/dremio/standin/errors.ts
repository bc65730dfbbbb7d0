/**
 * Errors of the Dremio REST stand-in, with the bodies Dremio's exception mappers write. Which body an
 * error gets depends on which mapper produces it in Dremio (paths in github.com/dremio/dremio-oss):
 *     dac/backend/src/main/java/com/dremio/dac/server/{GenericErrorMessage,UserExceptionMapper,GenericExceptionMapper,
 *       RestApiJsonMappingExceptionMapper,RestApiJsonParseExceptionMapper,APIServer}.java,
 *     dac/backend/src/main/java/com/dremio/dac/util/JSONUtil.java,
 *     dac/backend/src/main/java/com/dremio/dac/service/errors/{ConflictException,ResourceExistsException}.java
 * UserException validation -> 400, CONCURRENT_MODIFICATION -> 409; WebApplicationException keeps its
 * status; IllegalArgumentException -> 400, ConcurrentModificationException -> 409, other -> 500; null
 * fields are omitted (NON_NULL).
 */

/** An answer other than success: thrown by any handler, written by the router as it is. */
export class HttpError extends Error {
    constructor(
        readonly status: number,
        /** The answer's body: JSON-encoded, or sent as it is when it is a string and contentType is text/plain; undefined sends no body. */
        readonly body: unknown,
        readonly contentType = "application/json",
    ) {
        super(typeof body === "object" && body && "errorMessage" in body ? String((body as any).errorMessage) : String(body));
    }
}

/** WebApplicationException / IllegalArgumentException / ConcurrentModificationException via GenericExceptionMapper: stackTrace null -> omitted. */
export function genericError(status: number, message: string): HttpError {
    return new HttpError(status, { errorMessage: message, moreInfo: "" });
}

/** `new GenericErrorMessage(message)`: moreInfo "" and an empty stackTrace array (login, NoUserFilter, JSON mapping). */
export function genericErrorWithTrace(status: number, message: string): HttpError {
    return new HttpError(status, { errorMessage: message, moreInfo: "", stackTrace: [] });
}

/** UserException via UserExceptionMapper: 400, or 409 for CONCURRENT_MODIFICATION; context without RESPONSE_STATUS. */
export function userException(kind: "validation" | "concurrent" | "resource" | "invalidMetadata", message: string): HttpError {
    return new HttpError(kind === "concurrent" ? 409 : 400, { errorMessage: message, moreInfo: "", context: [] });
}

/** Input validation failure (`Invalid input`, with the field's message under validationErrorMessages): 400. */
export function validationError(field: string, message: string): HttpError {
    return new HttpError(400, {
        errorMessage: `Invalid input \n${field}: ${message}`,
        moreInfo: "",
        validationErrorMessages: { fieldErrorMessages: { [field]: [message] }, globalErrorMessages: [] },
    });
}

/** A call Dremio answers but the stand-in does not implement: 400 naming the stand-in. */
export function notImplemented(what: string): HttpError {
    return genericError(400, `${what} is not implemented by the Dremio REST stand-in (harness/dremio): it covers bootstrap, login and NESSIE sources only`);
}
