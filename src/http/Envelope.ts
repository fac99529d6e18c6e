import { Schema } from "effect"

/**
 * The success half of the gateway's envelope, `{success: true, data}` (failures are in
 * ApiErrors.ts). The UI reads `data` of every answer, so every route answers this shape.
 */
export const Ok = <S extends Schema.Top>(data: S) => Schema.Struct({ success: Schema.Literal(true), data })

export const ok = <A>(data: A) => ({ success: true as const, data })
