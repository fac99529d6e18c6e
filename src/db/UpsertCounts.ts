/** What a batch upsert did: rows created, rows whose values changed, rows already as given. */
export interface UpsertCounts {
  readonly new: number
  readonly updated: number
  readonly unchanged: number
}

export const emptyCounts: UpsertCounts = { new: 0, updated: 0, unchanged: 0 }

export const addCounts = (a: UpsertCounts, b: UpsertCounts): UpsertCounts => ({
  new: a.new + b.new,
  updated: a.updated + b.updated,
  unchanged: a.unchanged + b.unchanged
})

/** From a statement that reports `total`, `new` and `updated` for its input rows. */
export const toCounts = (row: { readonly total: number; readonly new: number; readonly updated: number }): UpsertCounts => ({
  new: row.new,
  updated: row.updated,
  unchanged: row.total - row.new - row.updated
})
