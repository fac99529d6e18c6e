/**
 * Vocabulary for synthetic pages: driver names, towns, track and event names, racing classes.
 * Drivers are identified by their index in first x last names, so the same person has the same
 * name, LiveRC driver id and transponder on every page of every track.
 */

const firstNames = [
  "FELIX", "ARI", "JIMMY", "MATTHEW", "PETER", "BEN", "KEV", "MITCHELL", "DALLAS", "LINDSAY",
  "RYAN", "RILEY", "TANNER", "ALEX", "MARK", "LACHLAN", "GREG", "STEPHEN", "LEE", "JAMES",
  "OLIVER", "JACK", "NOAH", "WILLIAM", "LUCAS", "HENRY", "THOMAS", "CHARLIE", "ETHAN", "MASON",
  "LIAM", "HARRISON", "COOPER", "SAMUEL", "ZAC", "DARREN", "AUSTIN", "MICHAEL", "DANIEL", "JOSHUA",
  "ANDREW", "DAVID", "CHRIS", "NATHAN", "SCOTT", "ADAM", "LUKE", "SHANE", "TROY", "BRETT",
  "EMMA", "OLIVIA", "CHLOE", "MIA", "SOPHIE", "ZOE", "RUBY", "GRACE", "ELLA", "HANNAH",
  "KAI", "TAYLOR", "JORDAN", "CASEY", "JESSE", "BLAKE", "DYLAN", "FINN", "HUGO", "MAX"
] as const

const lastNames = [
  "KOEGLER", "BAKLA", "HORNE", "COUPER", "SECKOLD", "PANIC", "LEWIS", "SCOTT", "GARDINER", "FROST",
  "REYNOLDS", "LANDER", "WHITE", "BROWN", "WALLIN", "BROPHY", "ROSANDER", "SNEDDEN", "BAGGULEY", "SMITH",
  "JONES", "WILLIAMS", "TAYLOR", "WILSON", "JOHNSON", "MARTIN", "ANDERSON", "THOMPSON", "NGUYEN", "THOMAS",
  "WALKER", "HARRIS", "LEE", "RYAN", "ROBINSON", "KELLY", "KING", "DAVIS", "WRIGHT", "EVANS",
  "ROBERTS", "GREEN", "HALL", "WOOD", "JACKSON", "CLARKE", "PATEL", "KHAN", "MITCHELL", "YOUNG",
  "O'LOUGHLIN", "O'BRIEN", "D'ANGELO", "MCMAHON", "MACDONALD", "SMITH-JONES", "VAN DER BERG", "DE SOUSA", "BRIGUGLIO", "PERRY",
  "CAMPBELL", "STEWART", "MURPHY", "COOK", "MORGAN", "BELL", "BAILEY", "COLLINS", "HUGHES", "EDWARDS",
  "FISHER", "HUNT", "PRICE", "FOSTER", "BUTLER", "BARNES", "HENDERSON", "COLE", "WEST", "JORDAN",
  "RUSSELL", "GRIFFIN", "HAYES", "MYERS", "FORD", "GRAHAM", "SULLIVAN", "WALLACE", "WOODS", "HOLMES"
] as const

export const driverCount = firstNames.length * lastNames.length

export interface Driver {
  readonly index: number
  readonly name: string
  /** LiveRC's numeric driver id, a distinct 6-digit number per name. */
  readonly id: string
  readonly transponder: string
}

/** Index -> driver; multiplying by primes coprime to the ranges keeps ids and transponders distinct. */
export const driverAt = (index: number): Driver => {
  const i = ((index % driverCount) + driverCount) % driverCount
  const first = firstNames[i % firstNames.length] as string
  const last = lastNames[Math.floor(i / firstNames.length)] as string
  return {
    index: i,
    name: `${first} ${last}`,
    id: String(100_000 + ((i * 7_919) % 900_000)),
    transponder: String(1_000_000 + ((i * 104_729) % 9_000_000))
  }
}

export const towns = [
  "Riverside", "Lakeside", "Hillcrest", "Brookfield", "Oakridge", "Pine Valley", "Cedar Creek", "Maple Grove",
  "Redhill", "Stonebridge", "Westbury", "Eastwood", "Northgate", "Southport", "Highfield", "Clearwater",
  "Sandy Point", "Granite Falls", "Willow Bend", "Fox Hollow", "Eagle Rock", "Silver Lake", "Bayview", "Kingsford",
  "Ashford", "Bellmont", "Carrington", "Dunmore", "Elmstead", "Fairview", "Glenwood", "Harlow",
  "Ironwood", "Jamestown", "Kelso", "Linwood", "Millbrook", "Newhaven", "Orchard Park", "Parkville",
  "Queensbury", "Rosedale", "Summerhill", "Thornbury", "Upton", "Valleyview", "Waverley", "Yarrow"
] as const

export const trackSuffixes = [
  "RC Raceway", "Off Road Model Car Club", "RC Park", "Speedway", "Hobbies Raceway", "RC Club",
  "Indoor Raceway", "Dirt Oval", "Model Racing Association", "RC Circuit"
] as const

/** Postal formats the dashboard's town line can carry unambiguously: town, optional state code, digits. */
export const regions = [
  { country: "Australia", code: "AU", regions: ["NSW", "VIC", "QLD", "ACT", "SA", "WA"], postcode: 4 },
  { country: "United States", code: "US", regions: ["CA", "TX", "FL", "OH", "PA", "AZ"], postcode: 5 },
  { country: "New Zealand", code: "NZ", regions: [], postcode: 4 },
  { country: "Germany", code: "DE", regions: [], postcode: 5 }
] as const

export const streets = [
  "Kyeema Street", "Racecourse Road", "Industrial Drive", "Park Lane", "Showground Road", "Mill Street",
  "Airport Road", "Quarry Road", "Station Street", "Sports Complex Way"
] as const

export const classNames = [
  "1/8 Nitro Buggy", "1/8 Electric Buggy", "1/10 2WD Buggy", "1/10 4WD Buggy", "Stadium Truck",
  "Short Course Truck", "Junior", "1/8 Nitro Truggy", "1/8 Electric Truggy", "Modified Touring",
  "Stock Touring", "Open Class"
] as const

/** Class -> typical lap in ms, so a class laps at the same pace everywhere. */
export const classBaseLapMs = (className: string): number => {
  let h = 0
  for (let i = 0; i < className.length; i++) h = (h * 31 + className.charCodeAt(i)) >>> 0
  return 24_000 + (h % 18_000)
}

export const eventSeries = [
  "Winter Series Round", "Summer Series Round", "Club Championship Round", "Points Series Round",
  "Night Series Round", "Spring Cup Round"
] as const

export const eventTitles = [
  "Club Day", "Open Meeting", "State Titles", "Nationals Warm-Up", "Memorial Cup", "Charity Race Day",
  "Clay Cup", "Grand Prix", "Super Series Final", "Christmas Classic"
] as const

export const sponsors = ["Campbelltown Hobbies", "Hobby Warehouse", "Tekno", "Xray", "Mugen", "Team Associated"] as const

export const lastActivities = [
  "1 minute ago", "2 hours ago", "5 hours ago", "Yesterday", "2 days ago", "6 days ago", "last week",
  "2 weeks ago", "3 weeks ago", "last month", "2 months ago", "3 months ago"
] as const
