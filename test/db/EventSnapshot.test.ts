import { assert, describe, it } from "@effect/vitest"
import { entryKeys, resultRowKeys, snapshotProblem } from "../../src/db/EventSnapshot.ts"
import type { LiveRcId } from "../../src/liverc/LiveRcIds.ts"
import { syntheticListing, syntheticSnapshot } from "./Fixtures.ts"

const row = (driverName: string, sourceDriverId: string | null) => ({
  driverName,
  sourceDriverId: sourceDriverId as LiveRcId | null
})

describe("EventSnapshot", () => {
  it("keys result rows by driver id, else by name, numbering repeats in page order", () => {
    assert.deepStrictEqual(
      resultRowKeys([
        row("FELIX KOEGLER", "346997"),
        row("JOHN SMITH", null),
        row("RILEY LANDER", null),
        row("JOHN SMITH", null),
        row("FELIX K", "346997")
      ]),
      ["id:346997", "name:JOHN SMITH", "name:RILEY LANDER", "name:JOHN SMITH#2", "id:346997#2"]
    )
  })

  it("never confuses a name with a driver id", () => {
    const keys = resultRowKeys([row("123", null), row("Someone", "123")])
    assert.strictEqual(new Set(keys).size, 2)
  })

  it("keys entries per class, numbering a driver listed twice in one class", () => {
    assert.deepStrictEqual(
      entryKeys([
        { className: "A", driverName: "X" },
        { className: "B", driverName: "X" },
        { className: "A", driverName: "X" }
      ]),
      ["X", "X", "X#2"]
    )
  })

  it("accepts a consistent snapshot", () => {
    assert.isUndefined(snapshotProblem(syntheticSnapshot("1", { races: 2, drivers: 2, laps: 3 })))
  })

  it("names a race listed twice, a result under the wrong race and laps out of order", () => {
    const snapshot = syntheticSnapshot("1", { races: 2, drivers: 2, laps: 3 })
    const [first, second] = snapshot.races as [typeof snapshot.races[0], typeof snapshot.races[0]]
    assert.include(snapshotProblem({ ...snapshot, races: [first, first] }), "appears twice")
    assert.include(
      snapshotProblem({ ...snapshot, races: [{ ...first, result: second.result }] }),
      `carries the result of race ${second.raceId}`
    )
    assert.include(
      snapshotProblem({ ...snapshot, races: [{ ...first, listing: syntheticListing("5", 1) }] }),
      "carries the listing of race 5"
    )
    const result = first.result!
    const repeatedLap = {
      ...result,
      results: [{ ...result.results[0]!, laps: [result.results[0]!.laps[0]!, result.results[0]!.laps[0]!] }]
    }
    assert.include(snapshotProblem({ ...snapshot, races: [{ ...first, result: repeatedLap }] }), "not strictly increasing")
    assert.include(
      snapshotProblem({ ...snapshot, event: { ...snapshot.event!, races: [first.listing!, first.listing!] } }),
      "lists race"
    )
  })
})
