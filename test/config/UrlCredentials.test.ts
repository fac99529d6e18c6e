import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { passwordOf, scrubUrlCredentials, withoutCredentials } from "../../src/config/UrlCredentials.ts"

describe("URL credentials", () => {
  it("shows a NATS cluster list and a database URL without user and password", () => {
    expect(withoutCredentials("nats://ops:s3cret@n1:4222,nats://ops:s3cret@n2:4222")).toBe("nats://***@n1:4222,nats://***@n2:4222")
    expect(withoutCredentials("postgres://app:p%40ss@db:5432/ingest")).toBe("postgres://***@db:5432/ingest")
    expect(withoutCredentials("nats://127.0.0.1:4222")).toBe("nats://127.0.0.1:4222")
  })

  it("scrubs credentials out of free text such as a client's error message", () => {
    expect(scrubUrlCredentials("connect ECONNREFUSED to tls://user:pw@10.0.0.1:4222 (attempt 3)"))
      .toBe("connect ECONNREFUSED to tls://***@10.0.0.1:4222 (attempt 3)")
  })

  it("never leaves a generated password in the text, and costs time linear in the text", () => {
    fc.assert(fc.property(
      fc.constantFrom("nats", "postgres", "tls", "ws"),
      fc.stringMatching(/^[A-Za-z0-9._~-]{1,20}$/),
      fc.stringMatching(/^[A-Za-z0-9!$&'()*+,;=._~-]{4,40}$/),
      fc.string({ maxLength: 200 }),
      (scheme, user, password, around) => {
        const text = `${around} ${scheme}://${user}:${password}@host:1 ${around}`
        expect(scrubUrlCredentials(text)).not.toContain(`${user}:${password}@`)
      }
    ))
    // 1 MB of `a://` with no `@`: a backtracking pattern would take minutes here.
    const hostile = "a://".repeat(250_000)
    expect(scrubUrlCredentials(hostile)).toBe(hostile)
  })

  it("reads a URL's password for the logger's secret list, decoded", () => {
    expect(passwordOf("postgres://app:p%40ss@db/x")).toBe("p@ss")
    expect(passwordOf("postgres://db/x")).toBeUndefined()
    expect(passwordOf("not a url")).toBeUndefined()
  })
})
