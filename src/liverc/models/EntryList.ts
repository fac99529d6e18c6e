import { Schema } from "effect"
import { NonBlank } from "./Common.ts"

export const Entry = Schema.Struct({
  carNumber: Schema.NullOr(Schema.String),
  driverName: NonBlank,
  transponder: Schema.NullOr(Schema.String)
})
export type Entry = typeof Entry.Type

export const EntryClass = Schema.Struct({
  className: NonBlank,
  entries: Schema.Array(Entry)
})

export const EntryList = Schema.Struct({
  classes: Schema.Array(EntryClass)
})
export type EntryList = typeof EntryList.Type
