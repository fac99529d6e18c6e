import * as PgTypes from "@effect/sql-pg/PgTypes"
import { Result } from "effect"

/**
 * Typed array parameters for `unnest` bulk statements. The driver infers an array's type from
 * its elements, which fails for an all-null column and mixes int4 and float8 in one number
 * column, so bulk statements always name the element type. Building one only fails for an
 * element type without an array type, which none of these has.
 */
const typedArray = (elementOid: number) => (values: ReadonlyArray<unknown>): PgTypes.Parameter =>
  Result.getOrThrow(PgTypes.array(values, elementOid))

export const textArray: (values: ReadonlyArray<string | null>) => PgTypes.Parameter = typedArray(PgTypes.OID.text)
export const int4Array: (values: ReadonlyArray<number | null>) => PgTypes.Parameter = typedArray(PgTypes.OID.int4)
export const int8Array: (values: ReadonlyArray<bigint | null>) => PgTypes.Parameter = typedArray(PgTypes.OID.int8)
export const float8Array: (values: ReadonlyArray<number | null>) => PgTypes.Parameter = typedArray(PgTypes.OID.float8)
export const boolArray: (values: ReadonlyArray<boolean>) => PgTypes.Parameter = typedArray(PgTypes.OID.bool)
