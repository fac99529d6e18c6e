import { Cause, Clock, Effect, Option } from "effect"
import { HttpRouter, HttpServerError, HttpServerRequest, HttpServerRespondable, HttpServerResponse } from "effect/http"
import { HttpApiError } from "effect/http-api"
import { InternalError, InvalidRequest, MisdirectedRequest, NotFound, PayloadTooLarge } from "./ApiErrors.ts"
import { MAX_BODY_BYTES } from "./GatewayApi.ts"
import { describeRequestError } from "./GatewayMiddleware.ts"
import { recordRequest } from "./GatewayMetrics.ts"

/**
 * The outermost layer of every request: a Host the gateway does not answer for is refused with
 * 421 before anything else runs (every route, /docs and unknown routes included); then whatever no
 * endpoint answered in the envelope (an unknown route, a body cut off at the limit, a defect), then
 * the request counted with its final status. One middleware, so the count always sees the answer
 * the client got. While the server drains (SIGTERM) every answer closes its connection, so an idle
 * keep-alive connection does not hold the shutdown until it times out.
 */

const pathOf = (url: string) => (url.split("?")[0] ?? url).slice(0, 200)

const toApiError = (cause: Cause.Cause<unknown>, request: HttpServerRequest.HttpServerRequest) => {
  const failure = Cause.findErrorOption(cause)
  const error = Option.isSome(failure) ? failure.value : Cause.squash(cause)
  if (HttpServerError.isHttpServerError(error)) {
    switch (error.reason._tag) {
      case "RouteNotFound":
        return new NotFound({ code: "NOT_FOUND", message: `no route ${request.method} ${pathOf(request.url)}` })
      case "RequestParseError":
        if (error.reason.reason === "BodyTooLarge") return PayloadTooLarge.of(MAX_BODY_BYTES)
        return InvalidRequest.of("the request could not be read")
    }
  }
  if (HttpApiError.HttpApiSchemaError.is(error)) {
    return error.kind === "Body" || error.kind === "ResponseHeaders"
      ? InternalError.instance
      : InvalidRequest.of(describeRequestError(error))
  }
  if (HttpApiError.HttpApiPayloadTooLarge.is(error)) return PayloadTooLarge.of(MAX_BODY_BYTES)
  return undefined
}

const fallback = (cause: Cause.Cause<unknown>, request: HttpServerRequest.HttpServerRequest) => {
  const known = toApiError(cause, request)
  if (known !== undefined) return HttpServerRespondable.toResponse(known)
  const failure = Cause.findErrorOption(cause)
  if (Option.isSome(failure) && HttpServerRespondable.isRespondable(failure.value)) {
    return HttpServerRespondable.toResponse(failure.value)
  }
  return Effect.logError(`gateway: ${request.method} ${pathOf(request.url)} failed`, cause).pipe(
    Effect.andThen(HttpServerRespondable.toResponse(InternalError.instance))
  )
}

export interface EdgeOptions {
  /** True once the server drains (SIGTERM). */
  readonly draining: () => boolean
  /** Whether a request with this Host header is answered (HostAllowlist). */
  readonly hostAllowed: (host: string | undefined) => boolean
}

export const edgeMiddleware = ({ draining, hostAllowed }: EdgeOptions) =>
  HttpRouter.middleware((httpEffect) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const started = yield* Clock.currentTimeNanos
    const host = request.headers["host"]
    const response: HttpServerResponse.HttpServerResponse = yield* (
      hostAllowed(host) ? httpEffect : HttpServerRespondable.toResponse(MisdirectedRequest.of(host))
    ).pipe(
      // A client that went away is not answered (nor counted).
      Effect.catchCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : fallback(cause, request))
    )
    // Set on the request's fiber by the router once a route matched.
    const route = yield* Effect.serviceOption(HttpRouter.RouteContext)
    const seconds = Number((yield* Clock.currentTimeNanos) - started) / 1e9
    recordRequest(request.method, Option.map(route, (context) => context.route.path), response.status, seconds)
    return draining() ? HttpServerResponse.setHeader(response, "connection", "close") : response
  }), { global: true })
