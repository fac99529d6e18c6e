import { Effect, Schema, SchemaTransformation } from "effect"
import { HttpServerRespondable, HttpServerResponse } from "effect/http"
import { HttpApiSchema } from "effect/http-api"

/**
 * Every failure a gateway client can see: one class per HTTP status, each with the codes it may
 * carry. On the wire all of them are the same envelope, `{success: false, error: {code, message}}`,
 * whether an endpoint answers them (their `Wire` schemas, which also document them in OpenAPI) or
 * the router does (`Respondable`, for unknown routes and failures outside any endpoint).
 */

export interface ErrorEnvelope {
  readonly success: false
  readonly error: { readonly code: string; readonly message: string }
}

const envelopeSchema = <const Codes extends ReadonlyArray<string>>(codes: Codes) =>
  Schema.Struct({
    success: Schema.Literal(false),
    error: Schema.Struct({ code: Schema.Literals(codes), message: Schema.String })
  })

const envelopeOf = <Code extends string>(error: { readonly code: Code; readonly message: string }) => ({
  success: false as const,
  error: { code: error.code, message: error.message }
})

const respond = (status: number, error: { readonly code: string; readonly message: string }, headers?: Record<string, string>) =>
  Effect.succeed(HttpServerResponse.jsonUnsafe(envelopeOf(error), headers === undefined ? { status } : { status, headers }))

/**
 * The wire schema of an error class: its envelope at `status`. Decoding (generated clients) builds
 * the class back from the envelope.
 */
const wire = <const Codes extends ReadonlyArray<string>, E extends { readonly code: Codes[number]; readonly message: string }>(
  errorClass: Schema.Codec<E, unknown, never, never>,
  status: number,
  codes: Codes,
  make: (code: Codes[number], message: string) => E
) =>
  envelopeSchema(codes).pipe(
    Schema.decodeTo(
      Schema.toType(errorClass),
      SchemaTransformation.transform({
        decode: (body) => make(body.error.code, body.error.message),
        encode: (error: E) => envelopeOf(error)
      })
    ),
    HttpApiSchema.status(status)
  )

const ValidationCodes = ["VALIDATION_ERROR"] as const

/** 400: a path parameter, the body or a field in it is not what the route accepts. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  code: Schema.Literals(ValidationCodes),
  message: Schema.String
}) {
  [HttpServerRespondable.symbol]() {
    return respond(InvalidRequest.status, this)
  }
  static readonly status = 400
  static readonly of = (message: string) => new InvalidRequest({ code: "VALIDATION_ERROR", message })
  /** `field`: the parameter or body field, as the client spells it. */
  static readonly field = (field: string, reason: string) => InvalidRequest.of(`invalid ${field}: ${reason}`)
}
export const InvalidRequestWire = wire(InvalidRequest, InvalidRequest.status, ValidationCodes, (code, message) =>
  new InvalidRequest({ code, message }))

const UnauthorizedCodes = ["UNAUTHORIZED"] as const

/** 401: the route needs the gateway's bearer token and the request has none or another. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  code: Schema.Literals(UnauthorizedCodes),
  message: Schema.String
}) {
  [HttpServerRespondable.symbol]() {
    return respond(Unauthorized.status, this, { "www-authenticate": "Bearer" })
  }
  static readonly status = 401
  static readonly of = (message: string) => new Unauthorized({ code: "UNAUTHORIZED", message })
}
export const UnauthorizedWire = Unauthorized.pipe(
  HttpApiSchema.encodeToWithHeaders({
    body: envelopeSchema(UnauthorizedCodes).pipe(HttpApiSchema.status(Unauthorized.status)),
    headers: { "www-authenticate": Schema.Literal("Bearer") }
  }, {
    decode: ({ body }) => new Unauthorized({ code: body.error.code, message: body.error.message }),
    encode: (error) => ({ body: envelopeOf(error), headers: { "www-authenticate": "Bearer" as const } })
  })
)

const NotFoundCodes = ["NOT_FOUND", "JOB_NOT_FOUND", "EVENT_NOT_STORED", "SCHEDULE_NOT_FOUND"] as const

/** 404: no such route, no such job (or finished longer ago than the status TTL), or an event not stored yet. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  code: Schema.Literals(NotFoundCodes),
  message: Schema.String
}) {
  [HttpServerRespondable.symbol]() {
    return respond(NotFound.status, this)
  }
  static readonly status = 404
}
export const NotFoundWire = wire(NotFound, NotFound.status, NotFoundCodes, (code, message) => new NotFound({ code, message }))

const ConflictCodes = ["JOB_ALREADY_FINISHED", "TOO_MANY_SCHEDULES"] as const

/** 409: the request cannot apply as things are now (cancelling a finished job; a schedule past the limit). */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  code: Schema.Literals(ConflictCodes),
  message: Schema.String
}) {
  [HttpServerRespondable.symbol]() {
    return respond(Conflict.status, this)
  }
  static readonly status = 409
}
export const ConflictWire = wire(Conflict, Conflict.status, ConflictCodes, (code, message) => new Conflict({ code, message }))

const PayloadTooLargeCodes = ["PAYLOAD_TOO_LARGE"] as const

/** 413: the body is larger than the gateway reads. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  code: Schema.Literals(PayloadTooLargeCodes),
  message: Schema.String
}) {
  [HttpServerRespondable.symbol]() {
    // The rest of the body is not read; the connection cannot carry another request.
    return respond(PayloadTooLarge.status, this, { connection: "close" })
  }
  static readonly status = 413
  static readonly of = (limitBytes: number) =>
    new PayloadTooLarge({ code: "PAYLOAD_TOO_LARGE", message: `the request body is larger than ${limitBytes} bytes` })
}
export const PayloadTooLargeWire = wire(PayloadTooLarge, PayloadTooLarge.status, PayloadTooLargeCodes, (code, message) =>
  new PayloadTooLarge({ code, message }))

const MediaTypeCodes = ["UNSUPPORTED_MEDIA_TYPE"] as const

/**
 * 415: a request to a route that changes something without `Content-Type: application/json`
 * (body or not). A web page can send a form, text/plain or no content type to another origin
 * without asking; application/json needs a CORS preflight first, which the gateway answers only for
 * CORS_ALLOWED_ORIGINS.
 */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", {
  code: Schema.Literals(MediaTypeCodes),
  message: Schema.String
}) {
  [HttpServerRespondable.symbol]() {
    return respond(UnsupportedMediaType.status, this)
  }
  static readonly status = 415
  static readonly of = (contentType: string | undefined) =>
    new UnsupportedMediaType({
      code: "UNSUPPORTED_MEDIA_TYPE",
      message: contentType === undefined || contentType.trim() === ""
        ? "this route needs the header Content-Type: application/json, even without a body"
        : `this route needs Content-Type: application/json, not ${JSON.stringify(contentType.slice(0, 100))}`
    })
}
export const UnsupportedMediaTypeWire = wire(UnsupportedMediaType, UnsupportedMediaType.status, MediaTypeCodes, (code, message) =>
  new UnsupportedMediaType({ code, message }))

const MisdirectedCodes = ["MISDIRECTED_REQUEST"] as const

/**
 * 421: the Host header names a host this gateway does not answer for (GATEWAY_ALLOWED_HOSTS), or
 * there is none. A web page that rebinds its own DNS name to the gateway's address reaches the
 * gateway with that name as Host, and is refused here.
 */
export class MisdirectedRequest extends Schema.TaggedError<MisdirectedRequest>()("MisdirectedRequest", {
  code: Schema.Literals(MisdirectedCodes),
  message: Schema.String
}) {
  [HttpServerRespondable.symbol]() {
    return respond(MisdirectedRequest.status, this)
  }
  static readonly status = 421
  static readonly of = (host: string | undefined) =>
    new MisdirectedRequest({
      code: "MISDIRECTED_REQUEST",
      message: host === undefined || host.trim() === ""
        ? "the request has no Host header"
        : `this gateway does not answer for the host ${JSON.stringify(host.slice(0, 100))} (see GATEWAY_ALLOWED_HOSTS)`
    })
}
export const MisdirectedRequestWire = wire(MisdirectedRequest, MisdirectedRequest.status, MisdirectedCodes, (code, message) =>
  new MisdirectedRequest({ code, message }))

const UnavailableCodes = ["QUEUE_FULL", "QUEUE_UNAVAILABLE", "DATABASE_UNAVAILABLE", "NOT_READY"] as const

/**
 * 503: the queue is full (retry after `retryAfterSeconds`, sent as `Retry-After`), or NATS or
 * Postgres cannot be reached right now.
 */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()("ServiceUnavailable", {
  code: Schema.Literals(UnavailableCodes),
  message: Schema.String,
  retryAfterSeconds: Schema.optionalKey(Schema.Int)
}) {
  [HttpServerRespondable.symbol]() {
    return respond(
      ServiceUnavailable.status,
      this,
      this.retryAfterSeconds === undefined ? undefined : { "retry-after": String(this.retryAfterSeconds) }
    )
  }
  static readonly status = 503
}
export const ServiceUnavailableWire = ServiceUnavailable.pipe(
  HttpApiSchema.encodeToWithHeaders({
    body: envelopeSchema(UnavailableCodes).pipe(HttpApiSchema.status(ServiceUnavailable.status)),
    headers: { "retry-after": Schema.optionalKey(Schema.String) }
  }, {
    decode: ({ body, headers }) => {
      const retryAfter = headers["retry-after"] === undefined ? undefined : Number.parseInt(headers["retry-after"], 10)
      return new ServiceUnavailable({
        code: body.error.code,
        message: body.error.message,
        ...(retryAfter === undefined || Number.isNaN(retryAfter) ? {} : { retryAfterSeconds: retryAfter })
      })
    },
    encode: (error) => ({
      body: envelopeOf(error),
      headers: error.retryAfterSeconds === undefined ? {} : { "retry-after": String(error.retryAfterSeconds) }
    })
  })
)

const InternalCodes = ["INTERNAL_ERROR", "STATUS_CORRUPT"] as const

/** 500: a defect; the details go to the log, never to the client. */
export class InternalError extends Schema.TaggedError<InternalError>()("InternalError", {
  code: Schema.Literals(InternalCodes),
  message: Schema.String
}) {
  [HttpServerRespondable.symbol]() {
    return respond(InternalError.status, this)
  }
  static readonly status = 500
  static readonly instance = new InternalError({ code: "INTERNAL_ERROR", message: "internal error; see the gateway log" })
}
export const InternalErrorWire = wire(InternalError, InternalError.status, InternalCodes, (code, message) =>
  new InternalError({ code, message }))
