import { randomBytes } from "node:crypto"
import type { JobId } from "./Commands.ts"

/**
 * A fresh job id: `job-` and 16 URL-safe random characters (96 bits), inside the JobId pattern.
 * It doubles as the command's Nats-Msg-Id, so it must never repeat within the duplicate window.
 */
export const newJobId = (): JobId => `job-${randomBytes(12).toString("base64url")}` as JobId
