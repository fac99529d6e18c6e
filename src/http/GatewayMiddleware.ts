import { createHash, timingSafeEqual } from "node:crypto"
import { ByteSize, Cause, Effect, Layer, Option, Redacted, SchemaIssue } from "effect"
import { HttpIncomingMessage, HttpServerError, HttpServerRequest } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import type { HttpApiSchemaError } from "effect/http-api/HttpApiError"
import {
  InternalError,
  InvalidRequest,
  MisdirectedRequest,
  PayloadTooLarge,
  Unauthorized,
  UnsupportedMediaType
} from "./ApiErrors.ts"
import { AllowedHost, BearerAuth, JsonRequest, MAX_BODY_BYTES, RequestValidation } from "./GatewayApi.ts"
import { GatewaySettings, type GatewaySettingsShape } from "./GatewayConfig.ts"
import { type HostAllowlist, makeHostAllowlist } from "./HostAllowlist.ts"

/** The implementations of the middlewares GatewayApi.ts declares. */

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest()

/**
 * Both sides are hashed first, so the comparison takes the same time whatever the token's length
 * and however much of it a guess gets right.
 */
export const tokenMatches = (expected: Buffer, given: string): boolean =>
  given.length > 0 && timingSafeEqual(expected, digest(given))

export const BearerAuthLive = Layer.effect(
  BearerAuth,
  Effect.gen(function*() {
    const { token } = yield* GatewaySettings
    const expected = Option.map(token, (secret) => digest(Redacted.value(secret)))
    return BearerAuth.of({
      bearer: (httpEffect, { credential }) => {
        if (Option.isNone(expected)) return httpEffect
        const given = Redacted.value(credential)
        if (tokenMatches(expected.value, given)) return httpEffect
        return Effect.fail(Unauthorized.of(
          given.length === 0
            ? "this route needs the header Authorization: Bearer <GATEWAY_TOKEN>"
            : "the bearer token is not this gateway's token"
        ))
      }
    })
  })
)

/**
 * `application/json` in any case, with any parameters (`; charset=utf-8`), and nothing else: not a
 * `+json` type (HttpApi would answer it with its own plain-text 415), not a list.
 */
export const isJsonMediaType = (contentType: string | undefined): boolean =>
  contentType !== undefined && (contentType.split(";")[0] ?? "").trim().toLowerCase() === "application/json"

const isBodyTooLarge = (defect: unknown): boolean =>
  HttpServerError.isHttpServerError(defect) && defect.reason._tag === "RequestParseError" &&
  defect.reason.reason === "BodyTooLarge"

const bodyLimit = ByteSize.bytes(MAX_BODY_BYTES)

export const JsonRequestLive = Layer.succeed(
  JsonRequest,
  (httpEffect) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const contentType = request.headers["content-type"]
      if (!isJsonMediaType(contentType)) return yield* UnsupportedMediaType.of(contentType)
      // A declared length is refused before a byte of the body is read; a chunked body is cut
      // off as soon as it passes the limit.
      const declared = Number(request.headers["content-length"] ?? "0")
      if (declared > MAX_BODY_BYTES) return yield* PayloadTooLarge.of(MAX_BODY_BYTES)
      return yield* httpEffect.pipe(
        Effect.provideService(HttpIncomingMessage.MaxBodySize, bodyLimit),
        Effect.catchDefect((defect) => isBodyTooLarge(defect) ? PayloadTooLarge.of(MAX_BODY_BYTES) : Effect.die(defect))
      )
    })
)

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

const slotName: Record<HttpApiSchemaError["kind"], string> = {
  Params: "path parameter",
  Query: "query parameter",
  Headers: "header",
  Payload: "body",
  Body: "response",
  ResponseHeaders: "response headers"
}

/**
 * What the client sent wrong, field by field: `invalid eventId: a LiveRC id is ...`,
 * `invalid depth: Expected "summary" | "laps_full", got "deep"`. The issue messages come from the
 * schemas in LiveRcIds.ts, which are written for users.
 */
export const describeRequestError = (error: HttpApiSchemaError): string =>
  formatIssues(error.cause.issue).issues.map((issue) => {
    const path = (issue.path ?? []).map((segment) =>
      String(typeof segment === "object" && segment !== null && "key" in segment ? segment.key : segment)
    )
    const field = path.length === 0 ? slotName[error.kind] : path.join(".")
    return `invalid ${field}: ${issue.message}`
  }).join("; ")

export const RequestValidationLive = HttpApiMiddleware.layerSchemaErrorTransform(
  RequestValidation,
  (error) => {
    // Our own answer does not fit its schema: a bug, not the client's fault.
    if (error.kind === "Body" || error.kind === "ResponseHeaders") {
      return Effect.logError("gateway answer failed to encode", Cause.fail(error)).pipe(
        Effect.andThen(Effect.fail(InternalError.instance))
      )
    }
    return Effect.fail(InvalidRequest.of(describeRequestError(error)))
  }
)

/** The Host allowlist of a gateway with these settings. */
export const hostAllowlistOf = (settings: GatewaySettingsShape): HostAllowlist =>
  makeHostAllowlist(Option.getOrUndefined(settings.allowedHosts), settings.host)

export const AllowedHostLive = Layer.effect(
  AllowedHost,
  Effect.gen(function*() {
    const allowlist = hostAllowlistOf(yield* GatewaySettings)
    return AllowedHost.of((httpEffect) =>
      Effect.gen(function*() {
        const host = (yield* HttpServerRequest.HttpServerRequest).headers["host"]
        if (!allowlist.allows(host)) return yield* MisdirectedRequest.of(host)
        return yield* httpEffect
      })
    )
  })
)

/** Every middleware a GatewayApi route runs through. */
export const GatewayMiddlewareLive = Layer.mergeAll(BearerAuthLive, JsonRequestLive, RequestValidationLive, AllowedHostLive)
